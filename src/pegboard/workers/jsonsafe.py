"""Turn whatever a job returns into data that JSON encodes faithfully.

A job's return value crosses to the parent as JSON. ``json.dumps`` refuses tuple keys, sets and
arbitrary objects, and writes ``NaN`` (which is not JSON) for float specials, so a job that
returns such a value would otherwise leave a half-written report. Converting first, in the
child, keeps the report whole and the parent's decoding trivially safe.
"""

from __future__ import annotations

import math
from typing import Any, Final

MAX_DEPTH: Final = 64
"""Nesting deeper than this (or a cycle) is cut off and shown by its ``repr``."""

_SPECIAL_FLOATS: Final = {math.inf: "Infinity", -math.inf: "-Infinity"}


def json_safe(value: Any, depth: int = 0) -> Any:
    """Return ``value`` as str/int/float/bool/None, lists and str-keyed dicts only.

    Tuples become lists, sets sorted lists, non-string keys their ``repr``, non-finite floats
    the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``, anything else its ``repr``.
    """
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else _SPECIAL_FLOATS.get(value, value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if depth >= MAX_DEPTH:
        return safe_repr(value)
    if isinstance(value, dict):
        return {
            key if isinstance(key, str) else safe_repr(key): json_safe(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(item, depth + 1) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return safe_repr(value)


def safe_repr(value: object) -> str:
    """Return ``repr(value)``, or a placeholder when that ``__repr__`` itself fails."""
    try:
        return repr(value)
    except Exception:  # a hostile __repr__ must not lose the whole report
        return f"<{type(value).__name__} object (repr failed)>"
