"""The markers plugin authors use and the hook specifications every host has.

Hosts add their own specification classes (marked with :data:`hookspec`) next to
:class:`CoreSpec`. Implementations are marked with :data:`hookimpl`; a plugin object's plain
``startup``, ``shutdown`` and ``health`` methods count as implementations too, because the
plugin contract lets authors write them without a marker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pluggy

from pegboard.hooks.names import (
    EXECUTION_HOOKS,
    HEALTH,
    POST_EXECUTE,
    PRE_EXECUTE,
    PROJECT,
    SHUTDOWN,
    STARTUP,
    UNMARKED_IMPLEMENTATIONS,
)

if TYPE_CHECKING:
    from pegboard.hooks.context import StartupContext

hookspec: Final = pluggy.HookspecMarker(PROJECT)
"""Mark a method of a specification class as a hook specification."""

hookimpl: Final = pluggy.HookimplMarker(PROJECT)
"""Mark a plugin's function as a hook implementation (``tryfirst``, ``wrapper``… work)."""


class CoreSpec:
    """Hooks every pegboard host calls. Implementations may be ``async def``."""

    @hookspec
    def startup(self, ctx: StartupContext | None) -> None:
        """Prepare the plugin once its host has loaded it.

        ``ctx`` is the host's :class:`~pegboard.StartupContext`, or None when the caller has
        none (``call_hook("startup")`` with no argument passes None). Implementations may
        leave the argument out altogether: ``def startup(self)``.
        """

    @hookspec
    def shutdown(self) -> None:
        """Release what ``startup`` acquired; called once as the host process ends."""

    @hookspec
    def pre_execute(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Observe a command just before it runs, once per command that actually runs.

        Fires for the host's own commands, plugin commands, group subcommands and Typer
        commands alike; never for ``--help``, ``--version``, completion or usage errors.
        ``name`` is the command path as typed below the host (``"ops page"``), ``kwargs``
        the parsed parameters of that command (same shape for Click and Typer), ``args`` the
        extra positional arguments it accepted without a parameter (usually empty).
        """

    @hookspec
    def post_execute(self, name: str, result: Any, outcome: Any = None) -> None:
        """Observe a command just after it ran: once per ``pre_execute``, also on failure.

        ``result`` is what it returned (``None`` when it raised or exited). ``outcome`` is a
        ``pegboard.CommandOutcome`` with ``result``, ``error``, ``exit_code`` and ``seconds``
        (``None`` only from callers that predate it). Implementations written as
        ``post_execute(name, result)`` keep working: pluggy passes only the arguments an
        implementation names.
        """

    @hookspec
    def health(self) -> bool | str:
        """Report the plugin's health: ``True``, or ``False``/a message describing the problem."""
        raise NotImplementedError


__all__ = [
    "EXECUTION_HOOKS",
    "HEALTH",
    "POST_EXECUTE",
    "PRE_EXECUTE",
    "PROJECT",
    "SHUTDOWN",
    "STARTUP",
    "UNMARKED_IMPLEMENTATIONS",
    "CoreSpec",
    "hookimpl",
    "hookspec",
]
