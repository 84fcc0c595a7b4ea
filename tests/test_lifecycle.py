from __future__ import annotations

import itertools

import pytest

from pegboard import TRANSITIONS, InvalidTransitionError, PluginState
from pegboard.hooks.lifecycle import check_transition, path

S = PluginState
ALLOWED = {
    (S.DISCOVERED, S.INSTALLED), (S.DISCOVERED, S.ACTIVE), (S.DISCOVERED, S.REMOVED),
    (S.DISCOVERED, S.FAILED), (S.INSTALLED, S.ACTIVE), (S.INSTALLED, S.INACTIVE),
    (S.INSTALLED, S.FAILED), (S.ACTIVE, S.INACTIVE), (S.ACTIVE, S.REMOVED),
    (S.ACTIVE, S.FAILED), (S.INACTIVE, S.ACTIVE), (S.INACTIVE, S.REMOVED),
    (S.FAILED, S.DISCOVERED), (S.FAILED, S.REMOVED), (S.REMOVED, S.DISCOVERED),
}  # fmt: skip


def test_table_is_exactly_the_specified_one() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_pair_is_checked_against_the_table(current: S, target: S) -> None:
    if (current, target) in ALLOWED:
        check_transition("p", current, target)
    else:
        with pytest.raises(InvalidTransitionError, match=f"from {current} to {target}"):
            check_transition("p", current, target)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_paths_use_only_allowed_moves(current: S, target: S) -> None:
    steps = path("p", current, target)
    states = [current, *steps]
    assert all(pair in ALLOWED for pair in itertools.pairwise(states))
    assert states[-1] is target


@pytest.mark.parametrize("target", list(S))
def test_a_new_name_enters_any_state_directly(target: S) -> None:
    check_transition("p", None, target)
    assert path("p", None, target) == (target,)
