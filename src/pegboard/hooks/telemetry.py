"""Local telemetry: events go to sinks on this machine, never over the network.

A sink is anything with ``event(name, payload)``. Sinks are observers: one that raises must
never break the operation that emitted the event, and :class:`Emitter` is the one place that
rule lives.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

logger = logging.getLogger(__name__)


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

    def __init__(self, *sinks: Telemetry):
        self._sinks = [sink for sink in sinks if sink is not None]

    @property
    def enabled(self) -> bool:
        """Whether any sink listens; callers skip building payloads when none does."""
        return bool(self._sinks)

    def emit(self, name: str, **payload: Any) -> None:
        """Send one event to every sink; a sink that raises is logged and skipped."""
        for sink in self._sinks:
            try:
                sink.event(name, payload)
            except Exception:
                logger.warning("telemetry sink %r failed on %r", sink, name, exc_info=True)
