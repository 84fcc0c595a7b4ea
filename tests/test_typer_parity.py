"""Typer on par with Click: an adopted Typer app keeps its callback, plugins keep completion."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
import typer
import typer.main
from click.testing import CliRunner, Result

from conftest import SiteDir
from pegboard.host.host import Host
from pegboard.host.typer_bridge import AppCommands, TyperBridge

GROUP = "notes.plugins"

WIDGETS = """
import typer
import typer.main

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


def notes_app(**settings: Any) -> typer.Typer:
    """A Typer app whose callback has ``-n/--notebook`` read from an environment variable."""
    app = typer.Typer(help="Take notes.", epilog="Docs: https://notes.example", **settings)

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


MARKUP = '''
import click

@click.command()
def cli():
    """Use [/] and [red]red[/red] literally."""
'''


@pytest.fixture
def learnt(site: SiteDir, notes: Any) -> None:
    """A plugin whose help is Rich markup, and every plugin learnt: help shows their help."""
    site.add(
        "notes-markup",
        entry_points={GROUP: {"markup": "notes_markup:cli"}},
        modules={"notes_markup": MARKUP},
    )
    assert run(notes, "plugins", "list").exit_code == 0


def test_a_rich_typer_root_shows_typers_help_with_the_hosts_commands(
    notes: Any, learnt: None
) -> None:
    result = run(notes, "--help")
    assert result.exit_code == 0, result.output
    options, _, rest = result.output.partition("─ Commands ─")
    commands, _, plugins = rest.partition("─ Plugin commands ─")
    assert "╭─ Options ─" in options
    for text in ("--notebook", "-n", "NOTES_NOTEBOOK", "[default: inbox]", "--no-plugins"):
        assert text in options, text
    assert "--install-completion" not in options
    for row in ("add ", "Add a note.", "plugins ", "Manage plugins", "doctor ", "completion "):
        assert row in commands, row
    assert "widgets" not in commands
    assert "widgets  " in plugins
    assert "Widgets." in plugins
    assert "Use [/] and [red]red[/red] literally." in plugins  # plugin text is not markup
    assert "Docs: https://notes.example" in plugins


@pytest.mark.parametrize("rich", ["markup-mode-none", "not-importable"])
def test_a_typer_root_without_rich_shows_clicks_help(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch, rich: str
) -> None:
    site.add(
        "notes-widgets",
        entry_points={GROUP: {"widgets": "notes_widgets:app"}},
        modules={"notes_widgets": WIDGETS},
    )
    if rich == "not-importable":
        monkeypatch.setitem(sys.modules, "rich", None)
        app = notes_app()
    else:
        app = notes_app(rich_markup_mode=None)
    help_text = run(Host("notes", version="3.1").attach(app), "--help").output
    assert "-n, --notebook TEXT" in help_text
    assert "NOTES_NOTEBOOK" in help_text
    assert "\nCommands:\n" in help_text
    assert "\nPlugin commands:\n" in help_text
    for command in ("add", "count", "plugins", "widgets"):
        assert command in help_text
    assert "Docs: https://notes.example" in help_text
    assert "--install-completion" not in help_text
    assert "╭" not in help_text


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


def many_commands() -> typer.Typer:
    """An app registering commands and groups in each way Typer names them."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Root."""

    @app.command()
    def make_tea(cups: int = 1) -> None:
        """Make tea."""

    @app.command("brew", help="Brew.")
    def brew_coffee(strong: bool = False) -> None:
        pass

    @app.command(hidden=True)
    def secret() -> None:
        """Hidden."""

    ops = typer.Typer(help="Ops.")
    ops.command()(make_tea)
    app.add_typer(ops, name="ops")
    app.add_typer(typer.Typer(name="db", help="Database."))
    merged = typer.Typer()  # no name: its commands become the root's
    merged.command("page")(brew_coffee)
    app.add_typer(merged)
    return app


def test_the_apps_commands_are_named_and_converted_as_typer_does() -> None:
    app = many_commands()
    expected = typer.main.get_group(app).commands
    commands = AppCommands(app)
    assert list(commands) == list(expected)
    for name, command in commands.items():
        assert isinstance(command, TyperBridge)
        inner, typers = command.inner, expected[name]
        assert (type(inner), inner.name, inner.help, inner.hidden) == (
            type(typers),
            typers.name,
            typers.help,
            typers.hidden,
        )
        assert [p.name for p in inner.params] == [p.name for p in typers.params]


def test_an_apps_command_is_converted_only_when_it_is_used(site: SiteDir) -> None:
    site.add(
        "notes-widgets",
        entry_points={GROUP: {"widgets": "notes_widgets:app"}},
        modules={"notes_widgets": WIDGETS},
    )
    app = notes_app()

    @app.command()
    def later(value: NotDefinedAnywhere) -> None:  # type: ignore[name-defined]  # noqa: F821
        """Typer can convert this command only once its annotation exists."""

    notes = Host("notes", version="3.1").attach(app)
    assert run(notes, "widgets", "paint", "red").output == "painted red light\n"
    assert run(notes, "add", "milk").output == "milk -> inbox pinned=False\n"
    assert isinstance(run(notes, "later", "x").exception, NameError)


class Shortcuts(typer.core.TyperGroup):
    """A Typer group class with aliases, unique prefixes and its own listing order."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, {"new": "add", "w": "widgets"}.get(cmd_name, cmd_name))
        if found is None:
            matches = [name for name in self.list_commands(ctx) if name.startswith(cmd_name)]
            if len(matches) > 1:
                ctx.fail(f"{cmd_name!r} is ambiguous: {', '.join(sorted(matches))}")
            found = super().get_command(ctx, matches[0]) if matches else None
        return found

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(super().list_commands(ctx), reverse=True)


@pytest.fixture
def shortcuts(site: SiteDir) -> Any:
    site.add(
        "notes-widgets",
        entry_points={GROUP: {"widgets": "notes_widgets:app"}},
        modules={"notes_widgets": WIDGETS},
    )
    return Host("notes", version="3.1").attach(notes_app(cls=Shortcuts))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["new", "milk"], "milk -> inbox pinned=False\n"),  # an alias of the app's command
        (["cou", "--limit", "3"], "limit 3\n"),  # a prefix of the app's command
        (["w", "paint", "red"], "painted red light\n"),  # an alias of a plugin command
        (["wid", "paint", "red"], "painted red light\n"),  # a prefix of a plugin command
    ],
)
def test_a_typer_group_class_resolves_the_hosts_commands(
    shortcuts: Any, args: list[str], expected: str
) -> None:
    result = run(shortcuts, *args)
    assert (result.exit_code, result.output) == (0, expected)


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("zzz", 3, "No such command 'zzz'"),  # the host's exit code for a mistyped command
        ("c", 2, "'c' is ambiguous: completion, count"),  # the app's usage error
    ],
)
def test_a_typer_group_class_leaves_unknown_names_errors(
    shortcuts: Any, name: str, code: int, message: str
) -> None:
    result = run(shortcuts, name)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("markup", ["rich", None])
def test_a_typer_group_class_orders_the_help_and_imports_no_plugin(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch, markup: str | None
) -> None:
    site.add(
        "notes-widgets",
        entry_points={GROUP: {"widgets": "notes_widgets:app"}},
        modules={"notes_widgets": WIDGETS},
    )
    monkeypatch.delitem(sys.modules, "notes_widgets", raising=False)
    cli = Host("notes", version="3.1").attach(notes_app(cls=Shortcuts, rich_markup_mode=markup))
    result = run(cli, "--help")
    assert result.exit_code == 0, result.output
    commands, _, plugins = result.output.partition("Commands")[2].partition("Plugin commands")
    rows = re.findall(r"^[│ ]\s+(\w+)\s{2,}", commands, re.M)
    assert rows == ["plugins", "doctor", "count", "completion", "add"], rows
    assert re.findall(r"^[│ ]\s+(\w+)\s{2,}", plugins, re.M) == ["widgets"]
    assert "notes_widgets" not in sys.modules
