"""Make text from plugins and their metadata safe to print on a terminal.

Plugin names, versions, help texts, reasons and health values come from files and code that
pegboard does not control. Printed as they are, an escape sequence in them can retitle the
terminal, clear the screen or hide what follows, and a bidirectional override can make text
read differently from what it is. Every place that prints such text for people passes it
through :func:`printable`; JSON and YAML output escape control characters by themselves.

A base module with no imports, so the startup path (``--help`` rows) can use it for free.
"""

from __future__ import annotations

from typing import Final

_BIDI_CONTROLS: Final = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""Embedding, override and isolate controls: they reorder what the terminal shows."""

_ESCAPES: Final = {
    code: f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), *_BIDI_CONTROLS)
}
"""C0 controls, DEL, C1 controls and bidi controls, each spelled as a Python escape."""

_LAYOUT_ESCAPES: Final = {code: escape for code, escape in _ESCAPES.items() if code not in (9, 10)}
"""The same, less the tab and the line feed, for text laid out over several lines."""


def printable(text: str) -> str:
    """Return ``text`` with every terminal control character spelled as a visible escape.

    Newlines and tabs are escaped too: the text lands in one-line table cells and help rows,
    where a line break from a plugin would forge a row of its own.
    """
    if text.isprintable():  # the common case, and a cheap C-level test
        return text
    return text.translate(_ESCAPES)


def printable_lines(text: str) -> str:
    """Return multi-line ``text`` (an error quoting a tool's output) safe for the terminal.

    Line breaks and tabs are kept, as they only lay the text out; every other control
    character is escaped as in :func:`printable`.
    """
    if text.isprintable():
        return text
    return text.translate(_LAYOUT_ESCAPES)
