"""Text from plugins made safe for the terminal: every control character spelled out."""

from __future__ import annotations

import pytest

from pegboard._text import printable, printable_lines


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("hello", "hello"),
        ("", ""),
        ("héllo wörld ✓", "héllo wörld ✓"),
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # retitles the terminal
        ("\x1b[2Jcleared", "\\x1b[2Jcleared"),  # clears the screen
        ("a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd"),  # a forged row or an overwritten line
        ("del\x7f", "del\\x7f"),
        ("\x9b31m", "\\x9b31m"),  # the one-byte C1 form of ESC [
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("\u00a0non-breaking", "\u00a0non-breaking"),  # not printable to Python, harmless
    ],
)
def test_printable_escapes_control_characters_only(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable_lines(text) == shown.replace("\\x0a", "\n").replace("\\x09", "\t")


CONTROLS = [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]


@pytest.mark.parametrize("code", CONTROLS)
def test_no_control_character_survives(code: int) -> None:
    shown = printable(f"a{chr(code)}b")
    assert shown.startswith("a\\")
    assert shown.endswith("b")
    assert not any(ord(character) in CONTROLS for character in shown)
