"""Local telemetry: events go to sinks on this machine, never over the network.

A sink is anything with ``event(name, payload)``. Sinks are observers: one that raises must
never break the operation that emitted the event, and :class:`Emitter` is the one place that
rule lives. :data:`EVENTS` is the catalogue of what a registry emits; with a
:class:`NullSink` (no sink at all) the registry skips building events, so telemetry costs a
boolean test per operation.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any, Final, Protocol, runtime_checkable

from pegboard._log import get_logger

logger = get_logger(__name__)

EVENTS: Final[Mapping[str, str]] = {
    "registry_register": "a plugin was registered; name, alias, version",
    "registry_deregister": "a plugin was deregistered (state removed); name",
    "registry_transition": "a plugin changed lifecycle state; name, previous (or None), state",
    "registry_meta_updated": "a plugin's metadata was changed; name, keys",
    "registry_hookspecs": "hook specifications were added; spec",
    "command_group_registered": "command_group added a subcommand; group, name, version",
    "hook_call": "a hook was called; hook, implementations, failed, seconds",
    "hook_failed": "one implementation raised or timed out; hook, plugin, error",
    "registry_telemetry_failed": "a sink raised; event, sink, error (sent to every sink)",
    "plugin.loaded": "a host imported a plugin; plugin, seconds, error",
    "command.finished": "a host ran a plugin command; command, seconds",
}
"""Every event name pegboard emits, with when it is sent and its payload's keys.

The ``registry_*`` names are those of the registry pegboard descends from where it had one.
Reads (``get``, ``has``, ``names``, ``meta``, ``state``) emit nothing: they run on hot paths,
and an event per read would cost more than the read.
"""


@runtime_checkable
class Telemetry(Protocol):
    """Receives named events with a JSON-compatible payload."""

    def event(self, name: str, payload: Mapping[str, Any]) -> None:
        """Record one event."""


class MemorySink:
    """Keep events in a list; the default sink, handy for tests and ``doctor``."""

    def __init__(self, *, limit: int = 10_000):
        self.events: deque[tuple[str, dict[str, Any]]] = deque(maxlen=limit)

    def event(self, name: str, payload: Mapping[str, Any]) -> None:
        """Append the event; the oldest is dropped once ``limit`` events are kept."""
        self.events.append((name, dict(payload)))

    def names(self) -> list[str]:
        """Return the recorded event names in order."""
        return [name for name, _ in self.events]


class NullSink:
    """Record nothing: a registry given this sink builds no events at all."""

    def event(self, name: str, payload: Mapping[str, Any]) -> None:
        """Drop the event (never called by a registry, which skips the work)."""


class JsonLinesSink:
    """Append events to a local JSON-lines file (opt-in), one object per line.

    Each line is written with a single ``write`` on a file opened in append mode, so lines from
    concurrent processes do not interleave mid-line on POSIX.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = os.fspath(path)
        self._lock = threading.Lock()

    def event(self, name: str, payload: Mapping[str, Any]) -> None:
        """Write the event with a wall-clock timestamp."""
        line = json.dumps({"ts": time.time(), "event": name, **payload}, default=str)
        with self._lock, open(self.path, "a", encoding="utf-8") as stream:
            stream.write(line + "\n")


class Emitter:
    """Fan events out to sinks, isolating the caller from any sink's failure."""

    def __init__(self, *sinks: Telemetry | None):
        self._sinks = [s for s in sinks if s is not None and not isinstance(s, NullSink)]

    @property
    def enabled(self) -> bool:
        """Whether any sink listens; callers skip building payloads when none does."""
        return bool(self._sinks)

    def emit(self, name: str, /, **payload: Any) -> None:
        """Send one event to every sink.

        A sink that raises is logged and the failure is sent to every sink as
        ``registry_telemetry_failed``; a failure while reporting a failure is only logged.
        """
        failed = []
        for sink in self._sinks:
            try:
                sink.event(name, payload)
            except Exception as exc:
                logger.warning("telemetry sink %r failed on %r", sink, name, exc_info=True)
                failed.append((sink, exc))
        if name == _SINK_FAILED:
            return
        for sink, error in failed:
            self.emit(_SINK_FAILED, event=name, sink=repr(sink), error=repr(error))


_SINK_FAILED: Final = "registry_telemetry_failed"
