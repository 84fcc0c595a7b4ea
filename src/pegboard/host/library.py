"""``load_entrypoints``: loading a group's plugins from library code, without a ``Host``.

Sync and async callers get the same work: :func:`load_entrypoints` works whether or not an
event loop is running (hooks run on a private loop in a thread), and
:func:`aload_entrypoints` runs it in a daemon thread so that the caller's loop keeps serving
other tasks meanwhile.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from pegboard._errors import PluginNotFoundError
from pegboard.hooks.lifecycle import PluginState
from pegboard.host.loading import DEFAULT_STARTUP_TIMEOUT, LoadedPlugin, load_plugins

if TYPE_CHECKING:
    from pegboard.di import Container
    from pegboard.discovery.records import PluginRecord
    from pegboard.hooks.registry import Registry


class Loaded(list[LoadedPlugin]):
    """The outcomes of :func:`load_entrypoints`, one per plugin it tried to load.

    A list; it may also be awaited (giving itself), so that code written for an
    ``async def load_entrypoints`` runs unchanged. Such code blocks its loop while the plugins
    load; :func:`aload_entrypoints` does not.
    """

    def __await__(self) -> Generator[None, None, Loaded]:
        yield from ()
        return self


def load_entrypoints(
    registry: Registry | None = None,
    *,
    di: Container | None = None,
    group: str = "pegboard.plugins",
    host_distribution: str = "pegboard",
    host_version: str | None = None,
    api_version: str = "1.0",
    enabled: Callable[[str], bool] = lambda name: True,
    startup_timeout: float | None = DEFAULT_STARTUP_TIMEOUT,
) -> Loaded:
    """Discover the plugins of ``group`` and load the compatible, enabled ones.

    The library-level counterpart of what a :class:`~pegboard.Host` does per invocation,
    without the manifest: every call scans entry points. ``registry`` defaults to the one of
    ``di`` (or of ``pegboard.di.current()``). Refused plugins (incompatible, invalid name,
    reserved, duplicate, corrupt metadata) are recorded as FAILED with their ``reason`` and
    never imported; the others are loaded as the host loads them, and their ``startup`` gets
    a :class:`~pegboard.StartupContext`. Calling it again loads only what is new or failed
    before: plugins already registered are left as they are.
    """
    from pegboard import di as di_module
    from pegboard._version import __version__
    from pegboard.discovery.entrypoints import discover
    from pegboard.hooks.context import StartupContext
    from pegboard.hooks.registry import Registry

    if registry is None:
        registry = (di if di is not None else di_module.current()).resolve(Registry)
    version = host_version or __version__
    records = discover(group, host_distribution=host_distribution, host_version=version)
    for record in records:
        if not record.usable and record.name not in registry.mapping:
            _record_refusal(registry, record)
    fresh = [r for r in records if r.usable and r.name not in registry.mapping and enabled(r.name)]
    context = StartupContext(
        host=group.removesuffix(".plugins"),
        host_version=version,
        api_version=api_version,
        registry=registry,
    )
    return Loaded(
        load_plugins(
            registry,
            fresh,
            api_version=api_version,
            startup_context=context,
            startup_timeout=startup_timeout,
        )
    )


async def aload_entrypoints(registry: Registry | None = None, **options: Any) -> Loaded:
    """Run :func:`load_entrypoints` without blocking the running event loop.

    The work happens in a daemon thread (a plugin that hangs while importing cannot keep the
    process from exiting); plugins' async ``startup`` runs on that thread's own loop, not on
    the caller's. Takes the same arguments.
    """
    from pegboard.hooks.threads import run_in_daemon

    loaded: Loaded = await run_in_daemon(
        lambda: load_entrypoints(registry, **options), [], wrap=None
    )
    return loaded


def _record_refusal(registry: Registry, record: PluginRecord) -> None:
    """Record a plugin discovery refused as FAILED, with the reason, whatever its state."""
    with contextlib.suppress(PluginNotFoundError):
        if registry.state(record.name) is PluginState.REMOVED:
            registry.transition(record.name, PluginState.DISCOVERED)
    registry.transition(record.name, PluginState.FAILED)
    registry.update_meta(record.name, reason=record.reason, distribution=record.distribution)
