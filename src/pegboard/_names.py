"""Rules for plugin names and aliases, and "did you mean …?" suggestions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from pegboard._errors import InvalidNameError

_FORBIDDEN: Final = re.compile(r"[\s/\\]|^\.{1,2}$")
"""Whitespace and path separators: a name becomes a command word and a file name."""

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""Control characters: printed in listings, they could drive the terminal."""

_HINT: Final = (
    "Use a non-empty name of printable characters without spaces or path separators, not "
    "starting with '-', like 'hello' or 'db-tools'."
)


def validate_name(name: object, *, what: str = "plugin name") -> str:
    """Return ``name`` if it is a usable plugin name or alias, else raise InvalidNameError."""
    if not isinstance(name, str):
        raise InvalidNameError(f"Invalid {what} {name!r}: it must be a string.", hint=_HINT)
    if not name:
        raise InvalidNameError(f"Invalid {what}: it is empty.", hint=_HINT)
    if _CONTROL.search(name):
        raise InvalidNameError(
            f"Invalid {what} {name!r}: it contains a control character.", plugin=name, hint=_HINT
        )
    if name.startswith("-"):
        raise InvalidNameError(
            f"Invalid {what} {name!r}: it starts with '-', so it would be read as an option.",
            plugin=name,
            hint=_HINT,
        )
    if _FORBIDDEN.search(name):
        raise InvalidNameError(
            f"Invalid {what} {name!r}: it contains whitespace or a path separator.",
            plugin=name,
            hint=_HINT,
        )
    return name


def suggest(name: str, candidates: Iterable[str], *, limit: int = 3) -> list[str]:
    """Return up to ``limit`` candidates close to ``name``, best first."""
    import difflib  # only needed on the error path

    return difflib.get_close_matches(name, list(candidates), n=limit, cutoff=0.6)
