"""Plugin lifecycle states and the table of allowed moves between them."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from typing import Final

from pegboard._errors import InvalidTransitionError


class PluginState(enum.StrEnum):
    """Where a plugin stands in its life inside one host process.

    A ``str`` enum, so ``PluginState.ACTIVE == "active"`` and states serialise as their value.
    """

    DISCOVERED = "discovered"
    """Its entry point was found; nothing of it has been imported."""
    INSTALLED = "installed"
    """It was imported and constructed, but its hooks are not called yet."""
    ACTIVE = "active"
    """Registered with pluggy: its hooks are called and its commands run."""
    INACTIVE = "inactive"
    """Known but switched off: its hook implementations are not called."""
    REMOVED = "removed"
    """Deregistered; the name may be registered again (a reinstall)."""
    FAILED = "failed"
    """It could not be loaded or started; the reason is kept in the registry's metadata."""


_S = PluginState

TRANSITIONS: Final[Mapping[PluginState, frozenset[PluginState]]] = {
    _S.DISCOVERED: frozenset({_S.INSTALLED, _S.ACTIVE, _S.REMOVED, _S.FAILED}),
    _S.INSTALLED: frozenset({_S.ACTIVE, _S.INACTIVE, _S.FAILED}),
    _S.ACTIVE: frozenset({_S.INACTIVE, _S.REMOVED, _S.FAILED}),
    _S.INACTIVE: frozenset({_S.ACTIVE, _S.REMOVED}),
    _S.FAILED: frozenset({_S.DISCOVERED, _S.REMOVED}),
    _S.REMOVED: frozenset({_S.DISCOVERED}),
}
"""For each state, the states a plugin may move to next. A name with no state may enter any."""


def check_transition(name: str, current: PluginState | None, target: PluginState) -> None:
    """Raise :class:`InvalidTransitionError` unless ``current`` may move to ``target``."""
    if current is not None and target not in TRANSITIONS[current]:
        raise InvalidTransitionError(name, current, target)


def path(name: str, current: PluginState | None, target: PluginState) -> tuple[PluginState, ...]:
    """Return the shortest run of legal moves from ``current`` to ``target`` (empty if equal).

    ``register`` walks these steps so that every move it makes is one the table allows and
    each is visible to telemetry, instead of jumping over the table. Raises
    InvalidTransitionError when ``target`` cannot be reached at all.
    """
    if current is None:
        return (target,)
    route = _shortest(current, target)
    if route is None:
        raise InvalidTransitionError(name, current, target)
    return route


@functools.cache
def _shortest(current: PluginState, target: PluginState) -> tuple[PluginState, ...] | None:
    if current == target:
        return ()
    routes: dict[PluginState, tuple[PluginState, ...]] = {current: ()}
    frontier = [current]
    while frontier:
        state = frontier.pop(0)
        for step in sorted(TRANSITIONS[state], key=_ORDER.index):
            if step not in routes:
                routes[step] = (*routes[state], step)
                if step == target:
                    return routes[step]
                frontier.append(step)
    return None


_ORDER: Final = list(PluginState)
"""Tie-break for :func:`path`, so the route chosen never depends on set iteration order."""
