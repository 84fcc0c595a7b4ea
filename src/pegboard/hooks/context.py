"""``StartupContext``: what a plugin's ``startup(ctx)`` is told about the host that loaded it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from pegboard.hooks.registry import Registry

_NO_SETTINGS: Mapping[str, Any] = MappingProxyType({})


class StartupContext(NamedTuple):
    """The host as a plugin's ``startup`` sees it; passed as ``ctx``.

    A small, typed, read-only record instead of the host's internals, so that hosts can change
    how they load plugins without breaking any plugin's ``startup``. A plain ``NamedTuple``:
    it is built once per process, on the path of every plugin command.
    """

    host: str
    """The host's name: its command, and the prefix of its plugin group and variables."""
    host_version: str
    """The version of the host application."""
    api_version: str
    """The plugin API version the host provides (what ``requires_api_version`` is checked
    against)."""
    registry: Registry
    """The registry the plugin is registered in: other plugins' states, metadata and hooks."""
    settings: Mapping[str, Any] = _NO_SETTINGS
    """The host's resolved settings (paths, flags), read-only; what a host chooses to share."""
