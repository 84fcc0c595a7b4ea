"""Read the two metadata files discovery needs, directly and only as far as needed.

``importlib.metadata`` parses every distribution's whole METADATA with the email parser, and
fails on the first file that is not UTF-8. Discovery needs much less: the entry points of one
group, and for the few distributions that declare that group, four header fields. So
``entry_points.txt`` is searched as bytes first (most distributions never declare the group
and are never decoded), and METADATA is read line by line up to the first blank line, where
the headers end and the long description begins.

Anything unreadable raises :class:`CorruptMetadata` with a reason a person can act on; the
caller turns it into a CORRUPT record for that one distribution.
"""

from __future__ import annotations

import os
from typing import BinaryIO, Final, NamedTuple

ENTRY_POINTS: Final = "entry_points.txt"
_METADATA_FILES: Final = ("METADATA", "PKG-INFO")
"""``*.dist-info`` folders hold METADATA, legacy ``*.egg-info`` folders PKG-INFO."""

_HEADER_LIMIT: Final = 1 << 20
"""Bytes of METADATA headers read at most: a header block larger than this is corrupt."""

_CHUNK: Final = 4096
"""Headers of most distributions fit in one read; the long description after them is skipped."""

_WANTED: Final = frozenset({"name", "version", "summary", "requires-dist"})


class CorruptMetadata(Exception):
    """A distribution's metadata file cannot be read; ``args[0]`` says which and why."""


class Header(NamedTuple):
    """The METADATA headers discovery uses."""

    name: str | None
    version: str | None
    summary: str | None
    requires: tuple[str, ...]


def entry_points(info: str, group: str | tuple[str, ...]) -> list[tuple[str, str]] | None:
    """Return ``(name, value)`` of each entry point in ``group`` of dist-info folder ``info``.

    ``group`` may be several groups (a host serving ``myapp.commands`` and ``myapp.plugins``):
    their entry points are returned together, in file order.

    Return None when the distribution does not declare ``group`` (or has no entry points).
    A section whose name only starts with ``group`` (``[group.legacy]``) is another group.
    Raise :class:`CorruptMetadata` when the file cannot be decoded while it may declare
    ``group``, or when the group's section holds a line that is not ``name = value``.
    """
    try:
        with open(os.path.join(info, ENTRY_POINTS), "rb") as stream:
            data = stream.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise CorruptMetadata(f"its {ENTRY_POINTS} cannot be read ({exc.strerror})") from None
    groups = (group,) if isinstance(group, str) else group
    if not any(b"[" + name.encode() in data for name in groups):
        return None  # the common case: decided without decoding the file
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CorruptMetadata(f"its {ENTRY_POINTS} is not UTF-8") from None
    found: list[tuple[str, str]] | None = None
    inside = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            if not line.endswith("]") and any(name in line for name in groups):
                raise CorruptMetadata(f"line {number} of its {ENTRY_POINTS} is not a [section]")
            inside = line[1:-1].strip() in groups
            if inside and found is None:
                found = []
            continue
        if not inside:
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise CorruptMetadata(f"line {number} of its {ENTRY_POINTS} is not 'name = value'")
        assert found is not None  # set when the section began
        found.append((name.strip(), value.strip()))
    return found


def header(info: str) -> Header:
    """Return the headers of the METADATA (or PKG-INFO) in ``info``, read up to a blank line.

    Folded lines (starting with whitespace) continue the previous header, as in RFC 822.
    """
    for filename in _METADATA_FILES:
        try:
            with open(os.path.join(info, filename), "rb") as stream:
                block = _header_block(stream, filename)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise CorruptMetadata(f"its {filename} cannot be read ({exc.strerror})") from None
        return _parse_header(block, filename)
    raise CorruptMetadata("it has no METADATA file")


def _header_block(stream: BinaryIO, filename: str) -> bytes:
    """Return the bytes before the first blank line, reading no further than needed."""
    block = b""
    while True:
        chunk = stream.read(_CHUNK)
        start = max(len(block) - 2, 0)  # a blank line may straddle two chunks
        block += chunk
        ends = [
            end for end in (block.find(b"\n\n", start), block.find(b"\n\r\n", start)) if end >= 0
        ]
        if ends:
            return block[: min(ends)]
        if not chunk:
            return block
        if len(block) > _HEADER_LIMIT:
            raise CorruptMetadata(f"the headers of its {filename} are too large")


def _parse_header(block: bytes, filename: str) -> Header:
    """Return the wanted fields of a header block."""
    try:
        text = block.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        number = block.count(b"\n", 0, exc.start) + 1
        raise CorruptMetadata(f"line {number} of its {filename} is not UTF-8") from None
    fields: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t"):
            if last:
                last[-1] += " " + line.strip()
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        last = fields.setdefault(key, []) if colon and key in _WANTED else None
        if last is not None:
            last.append(value.strip())
    return Header(
        _first(fields, "name"),
        _first(fields, "version"),
        _first(fields, "summary"),
        tuple(fields.get("requires-dist", ())),
    )


def _first(fields: dict[str, list[str]], key: str) -> str | None:
    values = fields.get(key)
    return values[0] if values else None
