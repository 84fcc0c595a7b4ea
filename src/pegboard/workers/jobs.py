"""The data a caller hands to the runner, and what it gets back."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, NamedTuple


class Status(enum.StrEnum):
    """The ways a job can end; exactly one applies to each :class:`Outcome`."""

    OK = "ok"
    """The function returned; ``Outcome.value`` holds its (JSON-safe) return value."""
    RAISED = "raised"
    """The function raised an exception (``KeyboardInterrupt`` and the like included)."""
    EXITED = "exited"
    """The job called ``sys.exit`` or ``os._exit``, or ended without reporting."""
    CRASHED = "crashed"
    """The child interpreter was killed by a signal (a segfault, an abort, ``kill``)."""
    TIMEOUT = "timeout"
    """The job did not finish in time and was killed, with every process it started."""


class Job(NamedTuple):
    """One call to make in a fresh child interpreter."""

    key: str
    """The caller's id for the job, e.g. a plugin name; the runner only passes it through."""
    function: str
    """``"package.module:function"``, called in the child as ``function(payload)``."""
    payload: Mapping[str, Any]
    """JSON-compatible arguments for the function."""


class Outcome(NamedTuple):
    """How one job ended."""

    key: str
    """The :attr:`Job.key` of the job."""
    status: str
    """One of the :class:`Status` values."""
    value: Any
    """The function's JSON-safe return value when ``status`` is ``"ok"``, else None."""
    error: str | None
    """A sentence for people saying what went wrong; None when ``status`` is ``"ok"``."""
    output: str
    """What the job wrote to stdout and stderr (file-descriptor level), size-capped."""
    seconds: float
    """Wall time of the job itself, without the start-up of the child interpreter."""

    @property
    def ok(self) -> bool:
        """Whether the function returned normally."""
        return self.status == Status.OK
