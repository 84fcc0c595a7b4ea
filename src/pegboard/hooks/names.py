"""Names of the core hooks, importable without pluggy (the startup path needs only names)."""

from __future__ import annotations

from typing import Final

PROJECT: Final = "pegboard"
"""pluggy project name of pegboard's markers."""

STARTUP: Final = "startup"
SHUTDOWN: Final = "shutdown"
PRE_EXECUTE: Final = "pre_execute"
POST_EXECUTE: Final = "post_execute"
HEALTH: Final = "health"

UNMARKED_IMPLEMENTATIONS: Final = frozenset({STARTUP, SHUTDOWN, HEALTH})
"""Core hooks a plugin object may implement with a plain, unmarked method."""

EXECUTION_HOOKS: Final = frozenset({PRE_EXECUTE, POST_EXECUTE})
"""Hooks called around every plugin command; their implementers load with any command."""

OPTIONAL_ARGUMENTS: Final = {STARTUP: {"ctx": None}}
"""Hook arguments a caller may leave out, with the value passed instead.

``startup(ctx)`` may be called as ``call_hook("startup")``, as code written for the registry
pegboard descends from does. A default in the specification would say the same, but pluggy
before 1.6 refuses implementations that name such an argument.
"""

DEFAULT_TIMEOUT: Final = 10.0
"""Seconds a lifecycle or execution hook may take, unless the caller gives a timeout."""

DEFAULT_TIMEOUTS: Final = {
    STARTUP: DEFAULT_TIMEOUT,
    SHUTDOWN: DEFAULT_TIMEOUT,
    PRE_EXECUTE: DEFAULT_TIMEOUT,
    POST_EXECUTE: DEFAULT_TIMEOUT,
}
"""The bounds a :class:`~pegboard.Registry` starts with: every hook pegboard itself calls.

Hooks without an entry (``health``, a host's own hooks) are bounded only when the caller
passes ``timeout``: a bound costs a thread per call, which the hot path of a host's own
hooks should not pay unasked.
"""
