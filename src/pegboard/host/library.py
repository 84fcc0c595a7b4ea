"""``load_entrypoints``: the library-level way to load a group's plugins into a registry.

For code that has a :class:`~pegboard.Registry` but no :class:`~pegboard.Host`: it scans entry
points on every call (no manifest) and loads through the same failure boundary as a host.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from pegboard._errors import PegboardError
from pegboard.hooks.lifecycle import PluginState
from pegboard.host.loading import DEFAULT_STARTUP_TIMEOUT, LoadedPlugin, load_plugins

if TYPE_CHECKING:
    from pegboard.hooks.registry import Registry


def load_entrypoints(
    registry: Registry,
    *,
    group: str = "pegboard.plugins",
    host_distribution: str = "pegboard",
    host_version: str | None = None,
    api_version: str = "1.0",
    enabled: Callable[[str], bool] = lambda name: True,
    startup_timeout: float | None = DEFAULT_STARTUP_TIMEOUT,
) -> list[LoadedPlugin]:
    """Discover the plugins of ``group`` and load the compatible, enabled ones.

    The library-level counterpart of what a :class:`~pegboard.Host` does per invocation,
    without the manifest: every call scans entry points. Refused plugins (incompatible,
    invalid, reserved, duplicate, corrupt) are recorded as FAILED with their reason and never
    imported; the others are loaded as :func:`load_plugins` does.
    """
    from pegboard._version import __version__
    from pegboard.discovery.entrypoints import discover

    records = discover(
        group, host_distribution=host_distribution, host_version=host_version or __version__
    )
    for record in records:
        if not record.usable and record.name not in registry.mapping:
            with contextlib.suppress(PegboardError):
                registry.transition(record.name, PluginState.FAILED)
                registry.update_meta(
                    record.name, reason=record.reason, distribution=record.distribution
                )
    usable = [r for r in records if r.usable and enabled(r.name)]
    return load_plugins(registry, usable, api_version=api_version, startup_timeout=startup_timeout)
