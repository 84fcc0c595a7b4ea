"""Which installed distribution provides a host: found from package metadata, on demand.

A host named ``notes`` may be published as ``notesapp``; plugins must then require
``notesapp``, and the compatibility check must read that requirement. Reading package
metadata costs tens of milliseconds (importing ``importlib.metadata`` and scanning every
distribution), so the lookup runs only when a cold path asks for the distribution: a
manifest rebuild, ``plugins new``, an install, a check; never a warm start.
"""

from __future__ import annotations

import functools


def distribution_of(module: str | None, fallback: str) -> str:
    """Return the distribution that provides ``module``'s top-level package, else ``fallback``.

    ``fallback`` (the host's name) also stands when ``module`` is a script (``__main__``),
    is provided by no distribution, or by several (a namespace package split across them):
    guessing there would make plugins require the wrong project.
    """
    if not module or module == "__main__":
        return fallback
    providers = _providers(module.partition(".")[0])
    return next(iter(providers)) if len(providers) == 1 else fallback


@functools.cache
def _providers(package: str) -> frozenset[str]:
    """Return the distributions providing top-level ``package`` (scanned once per process)."""
    import importlib.metadata

    return frozenset(importlib.metadata.packages_distributions().get(package, ()))
