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

import functools
import os
import re
import stat
from typing import Final, NamedTuple

ENTRY_POINTS: Final = "entry_points.txt"
_METADATA_FILES: Final = ("METADATA", "PKG-INFO")
"""``*.dist-info`` folders hold METADATA, legacy ``*.egg-info`` folders PKG-INFO."""

_NONBLOCK: Final = getattr(os, "O_NONBLOCK", 0)

_ENTRY_POINTS_LIMIT: Final = 16 << 20
"""Bytes of ``entry_points.txt`` read at most; a larger file is corrupt."""

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
        data = read_bytes(f"{info}{os.sep}{ENTRY_POINTS}", _ENTRY_POINTS_LIMIT)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise CorruptMetadata(f"its {ENTRY_POINTS} cannot be read ({exc.strerror})") from None
    if data is None:
        raise CorruptMetadata(f"its {ENTRY_POINTS} is not a regular file of sane size")
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
            fd = os.open(f"{info}{os.sep}{filename}", os.O_RDONLY | _NONBLOCK)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise CorruptMetadata(f"its {filename} cannot be read ({exc.strerror})") from None
        try:
            block = _header_block(fd, filename)
        except OSError as exc:
            raise CorruptMetadata(f"its {filename} cannot be read ({exc.strerror})") from None
        finally:
            os.close(fd)
        return _parse_header(block, filename)
    raise CorruptMetadata("it has no METADATA file")


def read_bytes(path: str, limit: int) -> bytes | None:
    """Return the content of regular file ``path``; None if it is not one or exceeds ``limit``.

    ``os.open`` with ``O_NONBLOCK`` and ``fstat`` first: a FIFO or a device put where a
    metadata file belongs is never waited on, a huge file never read. (Plain ``os`` calls
    also cost a fraction of ``open()``'s buffered file objects, which adds up over
    thousands of distributions.)
    """
    fd = os.open(path, os.O_RDONLY | _NONBLOCK)
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_size > limit:
            return None
        data = os.read(fd, found.st_size + 1)  # one read when the size is right
        while len(data) > found.st_size and (chunk := os.read(fd, 1 << 16)):
            data += chunk  # it grew while being read
            if len(data) > limit:
                return None
        return data
    finally:
        os.close(fd)


def _header_block(fd: int, filename: str) -> bytes:
    """Return the bytes before the first blank line, reading no further than needed."""
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        raise CorruptMetadata(f"its {filename} is not a regular file")
    block = b""
    while True:
        chunk = os.read(fd, _CHUNK)
        start = max(len(block) - 2, 0)  # a blank line may straddle two chunks
        block += chunk
        ends = [e for e in (block.find(b"\n\n", start), block.find(b"\n\r\n", start)) if e >= 0]
        if ends:
            return block[: min(ends)]
        if not chunk:
            return block
        if len(block) > _HEADER_LIMIT:
            raise CorruptMetadata(f"the headers of its {filename} are too large")


def _parse_header(block: bytes, filename: str) -> Header:
    """Return the wanted fields of a header block.

    One compiled pattern finds the four fields (names compared without case, folded
    continuation lines included), so the dozens of other headers (classifiers, URLs) cost
    no Python-level work.
    """
    try:
        text = block.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        number = block.count(b"\n", 0, exc.start) + 1
        raise CorruptMetadata(f"line {number} of its {filename} is not UTF-8") from None
    fields: dict[str, list[str]] = {}
    for key, value in _field_pattern().findall(text.replace("\r\n", "\n")):
        folded = " ".join(value.split()) if "\n" in value else value.strip()
        fields.setdefault(key.lower(), []).append(folded)
    return Header(
        _first(fields, "name"),
        _first(fields, "version"),
        _first(fields, "summary"),
        tuple(fields.get("requires-dist", ())),
    )


@functools.cache
def _field_pattern() -> re.Pattern[str]:
    """Compile the header pattern on first use: a warm start never reads METADATA."""
    names = "|".join(sorted(_WANTED))
    return re.compile(rf"^({names})[ \t]*:[ \t]*(.*(?:\n[ \t].*)*)", re.MULTILINE | re.IGNORECASE)


def _first(fields: dict[str, list[str]], key: str) -> str | None:
    values = fields.get(key)
    return values[0] if values else None
