"""Text from plugins and their metadata cannot drive the terminal, wherever it is printed."""

from __future__ import annotations

import pytest

from conftest import SiteDir

from .conftest import GROUP, Invoke

ESCAPE = "\x1b]0;pwned\x07\x1b[2J"
"""Retitles the terminal, then clears the screen."""

SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J"

HOSTILE_COMMAND = f'''
import click

@click.command()
def cli():
    """Say hi {ESCAPE} loudly."""
'''

HOSTILE_IMPORT = f"raise RuntimeError({ESCAPE!r})\n"


@pytest.fixture
def hostile(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> SiteDir:
    """A plugin whose help, one whose import error and one whose metadata hold escapes."""
    monkeypatch.setenv("PYTHONPATH", str(site.path))
    site.add(
        "acmetest-loud",
        entry_points={GROUP: {"loud": "acmetest_loud:cli"}},
        modules={"acmetest_loud": HOSTILE_COMMAND},
        requires=["acmetest>=1.0"],
    )
    site.add(
        "acmetest-crash",
        entry_points={GROUP: {"crash": "acmetest_crash:cli"}},
        modules={"acmetest_crash": HOSTILE_IMPORT},
        requires=["acmetest>=1.0"],
    )
    site.add(
        "acmetest-meta",
        metadata_text=f"Metadata-Version: 2.1\nName: acmetest-meta\nVersion: 1.0{ESCAPE}\n",
        entry_points={GROUP: {"meta": "acmetest_loud:cli"}},
    )
    return site


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("plugins", "list", "--all"),
        ("plugins", "list", "--all", "--timings"),
        ("plugins", "info", "loud"),
        ("plugins", "info", "crash"),
        ("plugins", "info", "meta"),
        ("doctor",),
        ("plugins", "check"),
        ("crash",),
    ],
)
def test_escapes_are_shown_not_obeyed(
    invoke: Invoke, hostile: SiteDir, args: tuple[str, ...]
) -> None:
    invoke("plugins", "list")  # learns every plugin, so their help and failures are known
    result = invoke(*args)
    printed = result.stdout + result.stderr
    assert "\x1b" not in printed
    assert "\x07" not in printed
    assert SHOWN in printed, printed


# zsh is told the index of the word being completed, fish the word itself.
@pytest.mark.parametrize(("shell", "current"), [("zsh", "1"), ("fish", "l")])
def test_completion_help_is_escaped(
    invoke: Invoke, hostile: SiteDir, shell: str, current: str
) -> None:
    invoke("plugins", "list")  # learns the plugins' help: completion never waits to learn
    result = invoke(
        env={
            "_ACMETEST_COMPLETE": f"{shell}_complete",
            "COMP_WORDS": "acmetest l",
            "COMP_CWORD": current,
        }
    )
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert SHOWN in result.stdout
