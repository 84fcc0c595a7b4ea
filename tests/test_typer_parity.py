"""Typer on par with Click: an adopted Typer app keeps its callback, plugins keep completion."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from click.testing import CliRunner, Result

from conftest import SiteDir
from pegboard.host.host import Host

GROUP = "notes.plugins"

WIDGETS = """
import typer

app = typer.Typer(help="Widgets.")

def colours(incomplete: str):
    return [c for c in ("red", "green", "grey") if c.startswith(incomplete)]

@app.command()
def paint(colour: str = typer.Argument(..., autocompletion=colours),
          shade: str = typer.Option("light", autocompletion=lambda: ["light", "dark"])):
    '''Paint a widget.'''
    print(f"painted {colour} {shade}")

@app.command()
def fail(code: int = 3):
    '''Exit with CODE.'''
    raise typer.Exit(code=code)

@app.command()
def bail():
    '''Exit through SystemExit.'''
    raise SystemExit(5)
"""


def notes_app() -> typer.Typer:
    """A Typer app whose callback has ``-n/--notebook`` read from an environment variable."""
    app = typer.Typer(help="Take notes.")

    @app.callback()
    def main(
        ctx: typer.Context,
        notebook: str = typer.Option("inbox", "-n", "--notebook", envvar="NOTES_NOTEBOOK"),
        pinned: bool = typer.Option(False, "--pinned/--unpinned"),
    ) -> None:
        """Notes app."""
        ctx.obj = {"notebook": notebook, "pinned": pinned}

    @app.command()
    def add(ctx: typer.Context, text: str) -> None:
        """Add a note."""
        print(f"{text} -> {ctx.obj['notebook']} pinned={ctx.obj['pinned']}")

    @app.command()
    def count(limit: int = typer.Option(10, "--limit")) -> None:
        """Count notes."""
        print(f"limit {limit}")

    return app


@pytest.fixture
def notes(site: SiteDir) -> Any:
    site.add(
        "notes-widgets",
        entry_points={GROUP: {"widgets": "notes_widgets:app"}},
        modules={"notes_widgets": WIDGETS},
    )
    return Host("notes", version="3.1").attach(notes_app())


def run(cli: Any, *args: str, **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, list(args), **kwargs)


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["add", "milk"], {}, "milk -> inbox pinned=False\n"),
        (["-n", "work", "add", "milk"], {}, "milk -> work pinned=False\n"),
        (["--notebook=work", "--pinned", "add", "milk"], {}, "milk -> work pinned=True\n"),
        (["add", "milk"], {"NOTES_NOTEBOOK": "home"}, "milk -> home pinned=False\n"),
        (["-n", "cli", "add", "milk"], {"NOTES_NOTEBOOK": "home"}, "milk -> cli pinned=False\n"),
    ],
)
def test_the_typer_callback_its_options_and_env_vars_are_kept(
    notes: Any, args: list[str], env: dict[str, str], expected: str
) -> None:
    result = run(notes, *args, env=env)
    assert (result.exit_code, result.output) == (0, expected)


def test_typer_conversion_and_errors_stay_typers(notes: Any) -> None:
    assert run(notes, "count", "--limit", "3").output == "limit 3\n"
    result = run(notes, "count", "--limit", "many")
    assert result.exit_code == 2
    assert "Invalid value for '--limit'" in result.output


def test_the_typer_root_lists_its_options_commands_and_plugins(notes: Any) -> None:
    help_text = run(notes, "--help").output
    assert "-n, --notebook" in help_text
    assert "NOTES_NOTEBOOK" in help_text
    for command in ("add", "count", "plugins", "widgets"):
        assert command in help_text
    assert "--install-completion" not in help_text


@pytest.mark.parametrize(
    ("args", "code"),
    [(["widgets", "fail"], 3), (["widgets", "fail", "--code", "0"], 0), (["widgets", "bail"], 5)],
)
def test_a_typer_plugins_exit_code_is_the_hosts(notes: Any, args: list[str], code: int) -> None:
    assert run(notes, *args).exit_code == code


def test_a_typer_plugins_help_offers_no_completion_install(notes: Any) -> None:
    result = run(notes, "widgets", "--help")
    assert result.exit_code == 0
    assert "paint" in result.output
    assert "--install-completion" not in result.output
    assert "--show-completion" not in result.output


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize(
    ("words", "incomplete", "expected"),
    [
        ("notes widgets paint", "gr", ["green", "grey"]),
        ("notes widgets paint red --shade", "", ["light", "dark"]),
        ("notes widgets", "pa", ["paint"]),
    ],
)
def test_typer_value_completion_works_through_the_host(
    notes: Any,
    monkeypatch: pytest.MonkeyPatch,
    shell: str,
    words: str,
    incomplete: str,
    expected: list[str],
) -> None:
    # Completion never waits for learning: a management command learns the plugins first.
    assert run(notes, "plugins", "list").exit_code == 0
    line = f"{words} {incomplete}"
    monkeypatch.setenv("_NOTES_COMPLETE", f"{shell}_complete")
    monkeypatch.setenv("COMP_WORDS", line)
    # bash and zsh give the index of the word being completed, fish the word itself.
    monkeypatch.setenv(
        "COMP_CWORD", incomplete if shell == "fish" else str(len(line.split(" ")) - 1)
    )
    result = CliRunner().invoke(notes, [], prog_name="notes")
    assert result.exit_code == 0, result.output
    offered = re.split(r"[\s,:]+", result.output)
    for value in expected:
        assert value in offered, (shell, result.output)
