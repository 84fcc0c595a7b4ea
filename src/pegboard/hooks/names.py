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
