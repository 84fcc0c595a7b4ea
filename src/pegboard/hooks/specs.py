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
        """Observe a plugin command named ``name`` just before it runs."""

    @hookspec
    def post_execute(self, name: str, result: Any) -> None:
        """Observe a plugin command's ``result`` just after it ran."""

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
