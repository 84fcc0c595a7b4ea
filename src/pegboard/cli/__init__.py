"""The ``pegboard`` command: itself a :class:`~pegboard.host.host.Host` whose plugins are
declared in the entry-point group ``pegboard.plugins``."""

from __future__ import annotations

from typing import Any

from pegboard._version import __version__
from pegboard.host.host import Host

PLUGIN_API_VERSION = "1.0"
"""The plugin API pegboard's own command offers (``requires_api_version`` is checked against it)."""

host = Host(
    "pegboard",
    version=__version__,
    api_version=PLUGIN_API_VERSION,
    help="pegboard: plugins for Python command-line applications.",
    # Named, not looked up: finding it reads every installed distribution's metadata,
    # which a cold start with thousands of plugins would pay for.
    distribution="pegboard",
)


def __getattr__(name: str) -> Any:
    # ``cli`` (the root group) is built on first use: running one plugin command never
    # needs it (see pegboard.host.fastpath).
    if name == "cli":
        return host.cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(args: list[str] | None = None) -> Any:
    """Run the ``pegboard`` command line."""
    return host.main(args)
