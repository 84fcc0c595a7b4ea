"""Capture what plugin code writes while it loads or starts, without stealing its streams.

Two things are wrong with the obvious ``contextlib.redirect_stdout(StringIO())``:

- a plugin that keeps ``sys.stdout`` at import (``logging.basicConfig()`` does) keeps the
  capture buffer, so everything it writes later, under its own command, vanishes;
- writes below Python's streams (``os.write(1, ...)``, a subprocess, C code) are not caught
  at all, and corrupt machine-readable output.

So ``sys.stdout``/``sys.stderr`` are replaced by :class:`_Switch` streams that write to the
capture while it lasts and to the original streams afterwards, and file descriptors 1 and 2
are pointed at an in-memory file for the same span when they are real descriptors.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any, Final, TextIO

LIMIT: Final = 64 * 1024
"""Characters of captured output kept; the rest is cut (a plugin may print without end)."""


class _Switch:
    """A text stream that writes to ``capture`` until :meth:`release`, then to ``after``.

    A plain object rather than an :class:`io.TextIOBase`: an I/O base class closes (and so
    flushes) itself when it is collected, which would write to ``after`` long after the
    plugin kept it, when ``after`` may be closed already.
    """

    def __init__(self, capture: io.StringIO, after: TextIO) -> None:
        self._capture: io.StringIO | None = capture
        self._after = after

    def release(self) -> None:
        self._capture = None

    def write(self, text: str) -> int:
        target: Any = self._capture if self._capture is not None else self._after
        return int(target.write(text))

    def flush(self) -> None:
        if self._capture is None:
            self._after.flush()

    def isatty(self) -> bool:
        return self._capture is None and self._after.isatty()

    def __getattr__(self, name: str) -> Any:
        # fileno, encoding, buffer, ...: whatever else a stream offers is the original's.
        return getattr(self._after, name)


class Captured:
    """What plugin code wrote during one :func:`capture` span."""

    __slots__ = ("_buffer", "text")

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self.text = ""


@contextlib.contextmanager
def capture() -> Iterator[Captured]:
    """Collect everything written to stdout and stderr in the block, at both levels."""
    captured = Captured()
    streams = sys.stdout, sys.stderr
    switches = _Switch(captured._buffer, streams[0]), _Switch(captured._buffer, streams[1])
    low_level: list[str] = []
    try:
        with _descriptors(low_level):
            sys.stdout, sys.stderr = switches
            try:
                yield captured
            finally:
                for switch in switches:
                    switch.release()
                if sys.stdout is switches[0]:
                    sys.stdout = streams[0]
                if sys.stderr is switches[1]:
                    sys.stderr = streams[1]
    finally:
        captured.text = (captured._buffer.getvalue() + "".join(low_level))[:LIMIT]


@contextlib.contextmanager
def _descriptors(into: list[str]) -> Iterator[None]:
    """Point descriptors 1 and 2 at one in-memory file; append what it got to ``into``.

    Skipped where they are not real descriptors (an embedded interpreter, a test runner's
    replaced streams), and where ``memfd_create`` is missing: a temporary file would import
    :mod:`tempfile` on the command path of every plugin.
    """
    create = getattr(os, "memfd_create", None)
    try:
        saved = [os.dup(1), os.dup(2)] if create is not None else []
    except OSError:
        saved = []
    if not saved or create is None:
        yield
        return
    _flush_standard_streams()
    sink = create("pegboard-capture")
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    try:
        yield
    finally:
        _flush_standard_streams()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        os.lseek(sink, 0, os.SEEK_SET)
        into.append(os.read(sink, LIMIT * 4).decode("utf-8", "replace"))
        os.close(sink)


def _flush_standard_streams() -> None:
    """Flush the interpreter's own streams, so buffered text lands on the right side."""
    for stream in (sys.__stdout__, sys.__stderr__):
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.flush()
