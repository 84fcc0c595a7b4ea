"""Values JSON cannot encode faithfully become JSON-safe ones."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from pegboard.workers.jsonsafe import MAX_DEPTH, json_safe


class _Loud:
    def __repr__(self) -> str:
        return "<loud>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        ("text", "text"),
        (3, 3),
        (2.5, 2.5),
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
        ((1, (2, 3)), [1, [2, 3]]),
        (frozenset({"b", "a"}), ["a", "b"]),
        ({(1, 2): {None: 1}}, {"(1, 2)": {"None": 1}}),
        (_Loud(), "<loud>"),
        (b"bytes", "b'bytes'"),
    ],
)
def test_json_safe(value: Any, expected: Any) -> None:
    assert json_safe(value) == expected
    json.dumps(json_safe(value), allow_nan=False)


def test_cycles_and_deep_nesting_are_cut_off() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    safe = json_safe(cycle)
    for _ in range(MAX_DEPTH):
        safe = safe[0]
    assert safe == "[[...]]"
    json.dumps(json_safe(cycle), allow_nan=False)
