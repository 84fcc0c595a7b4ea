"""``Host.attach`` keeps the app whole; global options step aside; errors render themselves."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from conftest import SiteDir
from pegboard import PegboardError
from pegboard.host.host import Host
from plugin_sources import HELLO

GROUP = "shipx.plugins"

HOSTS = Path(__file__).parent / "hosts"


@functools.cache
def shipx_module() -> ModuleType:
    """The shipx host app of the real-host tests (tests/hosts/shipx), imported from its file."""
    spec = importlib.util.spec_from_file_location("shipx_app", HOSTS / "shipx" / "shipx_app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shipx_app() -> click.Group:
    """A fresh root of the shipx app: its Group subclass, version option, env prefix, ..."""
    app: click.Group = shipx_module().make_app()
    return app


def run(cli: click.Command, *args: str, **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, list(args), **kwargs)


@pytest.fixture
def shipx(site: SiteDir) -> click.Group:
    site.add(
        "shipx-hello",
        entry_points={GROUP: {"hello": "shipx_hello:cli"}},
        modules={"shipx_hello": HELLO},
    )
    return Host("shipx", version="2.0").attach(shipx_app())


def test_the_apps_version_option_wins_and_is_listed_once(shipx: click.Group) -> None:
    result = run(shipx, "--version")
    assert result.output == "shipx, version 2.0\n"
    assert run(shipx, "--help").output.count("--version") == 1


def test_the_apps_settings_and_options_are_kept(shipx: click.Group) -> None:
    result = run(shipx, "status", env={"SHIPX_VERBOSE": "2", "SHIPX_FMT": "table"})
    assert result.output == "status fmt=table verbose=2\n"
    expected = "status fmt=table verbose=2\n"
    assert run(shipx, "--format", "table", "-vv", "status").output == expected
    help_text = run(shipx, "--help").output
    assert "Docs: shipx.example" in help_text
    assert "[default: plain]" in help_text  # show_default
    assert shipx.get_short_help_str() == "Ship it."


def test_plugins_and_management_commands_are_added(shipx: click.Group) -> None:
    assert run(shipx, "hello", "bob").output == "hello bob\n"
    listed = run(shipx, "plugins", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert '"name": "hello"' in listed.output


@pytest.mark.parametrize(
    ("declarations", "gone"),
    [
        (["--format"], "Output format of commands"),
        (["-q", "--quick"], "Print only what was asked for"),
        (["--debug"], "Show tracebacks"),
        (["-h", "--host"], None),
    ],
)
def test_an_app_option_replaces_pegboards_by_name_or_flag(
    declarations: list[str], gone: str | None
) -> None:
    @click.group()
    @click.option(*declarations, default="x")
    def app(**kwargs: Any) -> None:
        """App."""

    cli = Host("shipx", version="1").attach(app)
    result = run(cli, "--help")  # a duplicate flag would be a warning, and warnings fail
    assert result.exit_code == 0, result.output
    if gone is not None:
        assert gone not in result.output
    assert run(cli, "-h", "y", "--help").exit_code == 0 if declarations[0] == "-h" else True


def test_a_host_chooses_its_global_options_and_their_flags(site: SiteDir) -> None:
    host = Host("shipx", version="1", global_options={"format": None, "quiet": ["--silent"]})
    help_text = run(host.cli, "--help").output
    assert "--format" not in help_text.partition("Commands:")[0]
    assert "--silent" in help_text
    assert "-q," not in help_text
    with pytest.raises(ValueError, match="unknown global option"):
        Host("shipx", version="1", global_options={"colour": None})


def test_group_subclass_context_and_callbacks_are_kept() -> None:
    class Context(click.Context):
        pass

    class Aliased(click.Group):
        context_class = Context

        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            return super().get_command(ctx, {"st": "status"}.get(cmd_name, cmd_name))

    @click.group(cls=Aliased, no_args_is_help=True)
    def app() -> None:
        """App."""

    @app.command()
    def status() -> int:
        """Status."""
        assert type(click.get_current_context().parent) is Context
        return 7

    @app.result_callback()
    def shout(result: int) -> None:
        click.echo(f"result {result}")

    cli = Host("shipx", version="1").attach(app)
    assert run(cli, "st").output == "result 7\n"
    assert "Usage:" in run(cli).output  # no_args_is_help


def test_invoke_without_command_is_kept() -> None:
    @click.group(invoke_without_command=True)
    @click.pass_context
    def app(ctx: click.Context) -> None:
        """App."""
        if ctx.invoked_subcommand is None:
            click.echo("summary")

    assert run(Host("shipx", version="1").attach(app)).output == "summary\n"


@pytest.mark.parametrize("order", [("--help", "--no-plugins"), ("--no-plugins", "--help")])
def test_help_with_no_plugins_neither_lists_nor_imports_plugins(
    shipx: click.Group, order: tuple[str, str]
) -> None:
    result = run(shipx, *order)
    assert result.exit_code == 0
    assert "hello" not in result.output
    assert "shipx_hello" not in sys.modules


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--disable-plugin", "hello"], {}),
        (["--disable-plugin", "other", "--disable-plugin", "hello"], {}),
        ([], {"SHIPX_DISABLE_PLUGINS": "other,hello"}),
    ],
)
def test_a_plugin_is_switched_off_for_one_run(
    shipx: click.Group, args: list[str], env: dict[str, str]
) -> None:
    assert "Greet WHO" not in run(shipx, *args, "--help", env=env).output
    result = run(shipx, *args, "hello", "bob", env=env)
    assert result.exit_code == 3
    assert "switched off for this run" in result.output
    assert run(shipx, "hello", "bob").output == "hello bob\n"  # the state file was not changed


def test_env_variables_work_when_the_option_is_not_mounted(shipx: click.Group) -> None:
    host = Host("shipx", version="1", global_options={"no_plugins": None})
    cli = host.attach(shipx_app())
    assert "hello" in run(cli, "--help").output
    assert "hello" not in run(cli, "--help", env={"SHIPX_NO_PLUGINS": "1"}).output


def test_quiet_means_the_same_after_a_command(shipx: click.Group) -> None:
    before = run(shipx, "-q", "plugins", "list")
    after = run(shipx, "plugins", "list", "-q")
    assert before.exit_code == after.exit_code == 0
    assert before.output == after.output == "hello\n"
    assert run(shipx, "plugins", "check", "-q", "--help").exit_code == 0


def failing_app(error: BaseException) -> click.Group:
    def explode(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            raise error

    @click.group()
    @click.option("--boom", is_flag=True, is_eager=True, expose_value=False, callback=explode)
    def app() -> None:
        """App."""

    return app


def test_pegboard_errors_render_in_eager_options() -> None:
    error = PegboardError("It broke.", hint="Do this.")
    cli = Host("shipx", version="1").attach(failing_app(error))
    result = run(cli, "--boom")
    assert (result.exit_code, result.output) == (1, "Error: It broke.\nDo this.\n")
    debug = run(cli, "--debug", "--boom")
    assert "Traceback" in debug.output


def test_ctrl_c_during_parsing_exits_130_without_aborted() -> None:
    cli = Host("shipx", version="1").attach(failing_app(KeyboardInterrupt()))
    result = run(cli, "--boom")
    assert result.exit_code == 130
    assert "Aborted" not in result.output


class _Exploding(click.Group):
    error: BaseException = PegboardError("Completion broke.", hint="Fix it.")

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "code", "text"),
    [
        (PegboardError("Completion broke.", hint="Fix it."), 1, "Completion broke."),
        (KeyboardInterrupt(), 130, ""),
    ],
)
def test_errors_and_ctrl_c_during_completion(
    monkeypatch: pytest.MonkeyPatch, error: BaseException, code: int, text: str
) -> None:
    @click.group(cls=_Exploding)
    def app() -> None:
        """App."""

    app.error = error
    cli = Host("shipx", version="1").attach(app)
    monkeypatch.setenv("_SHIPX_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "shipx status ")
    monkeypatch.setenv("COMP_CWORD", "2")
    result = CliRunner().invoke(cli, [], prog_name="shipx")
    assert result.exit_code == code
    assert "Traceback" not in result.output
    assert text in result.output


@pytest.mark.parametrize(
    "groups", ["myapp.commands", ("myapp.commands", "myapp.plugins")], ids=["one", "several"]
)
def test_plugins_from_an_existing_entry_point_group(
    site: SiteDir, groups: str | tuple[str, ...]
) -> None:
    """A click-plugins app keeps its group; its plugins are served lazily and isolated."""
    site.add(
        "myapp-hello",
        entry_points={"myapp.commands": {"hello": "myapp_hello:cli"}},
        modules={"myapp_hello": HELLO},
    )
    site.add(
        "myapp-broken",
        entry_points={"myapp.plugins": {"broken": "myapp_missing:cli"}},
    )
    host = Host("myapp", version="1", entry_point_group=groups)
    help_text = run(host.cli, "--help").output
    assert "hello" in help_text
    assert run(host.cli, "hello", "bob").output == "hello bob\n"
    broken = run(host.cli, "broken")
    several = not isinstance(groups, str)
    assert broken.exit_code == (4 if several else 3), broken.output
    assert "Traceback" not in broken.output


def test_the_acme_example_adopts_its_app_with_version_and_env_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "examples" / "acme" / "src"))
    monkeypatch.delitem(sys.modules, "acme", raising=False)
    acme = importlib.import_module("acme")

    assert run(acme.cli, "--version").output == "acme, version 1.4.0\n"
    assert run(acme.cli, "status", env={"ACME_VERBOSE": "1"}).output.startswith(
        "acme 1.4.0 is running (verbose)"
    )
    assert "plugins" in run(acme.cli, "--help").output


EXPLODING = """
def _explode_here():
    raise RuntimeError("deep inside the plugin")

_explode_here()
"""


@pytest.mark.parametrize(
    ("args", "env"),
    [(["boom"], {}), (["hello", "bob"], {"SHIPX_STRICT_PLUGINS": "1"})],
    ids=["its-command", "strict-mode"],
)
def test_debug_shows_the_plugins_own_traceback(
    shipx: click.Group, site: SiteDir, args: list[str], env: dict[str, str]
) -> None:
    site.add(
        "shipx-boom",
        entry_points={GROUP: {"boom": "shipx_boom:cli"}},
        modules={"shipx_boom": EXPLODING},
    )
    plain = run(shipx, *args, env=env)
    assert plain.exit_code == 4, plain.output
    assert "Traceback" not in plain.output
    debug = run(shipx, "--debug", *args, env=env)
    assert debug.exit_code == 4
    assert "_explode_here" in debug.output
    assert "deep inside the plugin" in debug.output


# -- the app's own Group subclass: its overrides run, and cover plugin commands too ---------


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["hel", "bob"], "hello bob\n"),  # a plugin's name, shortened
        (["st"], "status fmt=plain verbose=0\n"),  # the app's alias
        (["sta"], "status fmt=plain verbose=0\n"),  # the app's command, shortened
        (["dep", "moon"], "deployed to moon\n"),
    ],
)
def test_the_apps_aliases_and_prefixes_reach_plugin_commands(
    shipx: click.Group, args: list[str], output: str
) -> None:
    result = run(shipx, *args)
    assert (result.exit_code, result.output) == (0, output)


def test_the_apps_prefixes_reach_the_management_commands(shipx: click.Group) -> None:
    result = run(shipx, "plug", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"name": "hello"' in result.output


def test_an_ambiguous_prefix_is_the_apps_usage_error(shipx: click.Group) -> None:
    result = run(shipx, "d")
    assert result.exit_code == 2
    assert "'d' could be any of: deploy, doctor." in result.output


def test_the_apps_sections_list_every_command_without_importing_plugins(
    shipx: click.Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(shipx, "plugins", "list").exit_code == 0  # help never waits for learning
    monkeypatch.delitem(sys.modules, "pegboard.cli._plugins", raising=False)
    result = run(shipx, "--help")
    assert result.exit_code == 0, result.output
    commands = result.output.partition("Shipping:")[2]
    shipping, _, rest = commands.partition("Commands:")
    assert [line.split()[0] for line in shipping.splitlines() if line] == ["deploy", "status"]
    rest = rest.partition("Docs:")[0]
    listed = [line.split()[0] for line in rest.splitlines() if line.strip()]
    assert listed == ["completion", "doctor", "hello", "plugins"]
    assert "Greet WHO." in rest  # the plugin's help, from the manifest
    assert "Plugin commands" not in result.output  # the app's format_commands, not pegboard's
    assert "shipx_hello" not in sys.modules
    assert "pegboard.cli._plugins" not in sys.modules  # nor a management command


def complete(cli: click.Command, words: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Return the values bash completion offers for the last of ``words``."""
    monkeypatch.setenv("_SHIPX_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(words.split()) - (0 if words.endswith(" ") else 1)))
    result = CliRunner().invoke(cli, [], prog_name="shipx")
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.output.splitlines()]


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("shipx s", ["status", "st"]),  # the app's completion adds its aliases
        ("shipx h", ["hello"]),  # plugin names, from the manifest
        ("shipx ", ["completion", "deploy", "doctor", "hello", "plugins", "status", "st"]),
    ],
)
def test_the_apps_completion_offers_plugins_without_importing_them(
    shipx: click.Group, monkeypatch: pytest.MonkeyPatch, words: str, offered: list[str]
) -> None:
    assert complete(shipx, words, monkeypatch) == offered
    assert "shipx_hello" not in sys.modules


def test_completion_goes_on_into_a_plugin_command(
    shipx: click.Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(shipx, "plugins", "list").exit_code == 0  # completion never waits for learning
    assert complete(shipx, "shipx hel --", monkeypatch) == ["--loud", "--help"]


class _ClickRecipe(click.Group):
    """Click's documented alias group, which looks up commands through ``click.Group``."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = click.Group.get_command(self, ctx, cmd_name)
        if command is not None:
            return command
        matches = [x for x in self.list_commands(ctx) if x.startswith(cmd_name)]
        return click.Group.get_command(self, ctx, matches[0]) if len(matches) == 1 else None


class _Declared(click.Group):
    """Lists commands in the order they were declared, as Typer does."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@pytest.mark.parametrize("kind", [_ClickRecipe, _Declared])
def test_overrides_that_bypass_super_still_have_plugins(site: SiteDir, kind: type) -> None:
    site.add(
        "shipx-hello",
        entry_points={GROUP: {"hello": "shipx_hello:cli"}},
        modules={"shipx_hello": HELLO},
    )

    @click.group(cls=kind)
    def app() -> None:
        """App."""

    for name in ("zulu", "alpha"):
        app.command(name)(lambda: click.echo("ran"))

    cli = Host("shipx", version="1").attach(app)
    assert run(cli, "hello", "bob").output == "hello bob\n"
    assert run(cli, "zul").exit_code == (0 if kind is _ClickRecipe else 3)
    commands, _, plugins = run(cli, "--help").output.partition("Commands:")[2].partition("Plugin")
    assert plugins.split()[:2] == ["commands:", "hello"]
    listed = [line.split()[0] for line in commands.splitlines() if line[:3].strip()]
    if kind is _Declared:  # the app's order, then what pegboard adds, sorted
        assert listed == ["zulu", "alpha", "completion", "doctor", "plugins"]
    else:
        assert listed == ["alpha", "completion", "doctor", "plugins", "zulu"]
