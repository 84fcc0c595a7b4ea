"""A host at run time: lazy imports, selection, execution hooks, Typer and command groups."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer
from click.testing import CliRunner, Result

from conftest import SiteDir
from pegboard.host.host import Host

GROUP = "testhost.plugins"

COMMAND = """
import click

@click.command()
def cli():
    '''Run {name}.'''
    click.echo("{name} ran")
"""

OBSERVER = """
import click, pegboard

def log(event):
    # Not echoed: what a plugin prints while it starts or stops is captured, never shown.
    with open(__file__ + ".log", "a") as stream:
        stream.write(event + "\\n")

class Observer:
    def startup(self, ctx):
        log("startup")
        click.echo("startup output")

    def shutdown(self):
        log("shutdown")
        click.echo("shutdown output")

    @pegboard.hookimpl
    def pre_execute(self, name, args, kwargs):
        click.echo(f"pre {name} {sorted(kwargs.items())}")

    @pegboard.hookimpl
    def post_execute(self, name, result):
        click.echo(f"post {name} {result!r}")

plugin = Observer()
"""

TYPER_APP = """
import typer

app = typer.Typer(help="Manage widgets.")

@app.command()
def add(name: str, count: int = 1):
    '''Add widgets.'''
    print(f"added {count} {name}")

@app.command()
def remove(name: str):
    '''Remove a widget.'''
    print(f"removed {name}")
"""

GROUPED = """
import click, pegboard

db = pegboard.command_group("db", version="2.0")

@db("migrate")
@click.option("--dry-run", is_flag=True)
def migrate(dry_run):
    '''Migrate the database.'''
    click.echo(f"migrate dry_run={dry_run}")

class Plugin:
    version = "3.0"

plugin = Plugin()
"""


def add_command(site: SiteDir, name: str) -> None:
    site.add(
        f"dist-{name}",
        entry_points={GROUP: {name: f"{name}mod:cli"}},
        modules={f"{name}mod": COMMAND.format(name=name)},
    )


def run(host: Host, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(host.cli, list(args), prog_name=host.name, env=env)


@pytest.fixture
def host() -> Host:
    return Host("testhost", version="1.0", api_version="1.0")


def test_execution_hooks_wrap_a_plugin_command(host: Host, site: SiteDir) -> None:
    add_command(site, "alpha")
    site.add(
        "observer",
        entry_points={GROUP: {"observer": "observermod:plugin"}},
        modules={"observermod": OBSERVER},
    )
    result = run(host, "alpha")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["pre alpha []", "alpha ran", "post alpha None"]
    log = site.path / "observermod.py.log"
    assert log.read_text().splitlines() == ["startup", "shutdown"]


def test_a_plugin_is_started_and_shut_down_once_whatever_asks_for_it(
    site: SiteDir,
) -> None:
    """Strict mode, the command and ``host.registry()`` all ask; one startup, one shutdown."""
    site.add(
        "observer",
        entry_points={GROUP: {"observer": "observermod:plugin"}},
        modules={"observermod": OBSERVER},
    )
    host = Host("testhost", version="1.0", api_version="1.0")

    @host.cli.command("status")
    def status() -> None:
        host.registry()
        host.registry()
        click.echo("ok")

    result = run(host, "--strict-plugins", "status")
    assert result.exit_code == 0, result.output
    assert "ok" in result.output.splitlines()
    log = site.path / "observermod.py.log"
    assert log.read_text().splitlines() == ["startup", "shutdown"]


def test_no_plugins_and_allow_list(host: Host, site: SiteDir) -> None:
    add_command(site, "alpha")
    add_command(site, "beta")
    assert "alpha" in run(host, "--help").output
    flagged = run(host, "--no-plugins", "--help")
    assert "alpha" not in flagged.output
    assert "Plugin commands" not in flagged.output
    assert "alpha" not in run(host, "--help", env={"TESTHOST_NO_PLUGINS": "1"}).output
    only = run(host, "--help", env={"TESTHOST_PLUGINS": "beta"}).output
    assert "beta" in only
    assert "alpha" not in only
    refused = run(host, "alpha", env={"TESTHOST_PLUGINS": "beta"})
    assert refused.exit_code == 3
    assert refused.output.splitlines() == [
        "Error: Plugin 'alpha' is not loaded: it is not in TESTHOST_PLUGINS, the only plugins "
        "this run may load.",
        "Add it to TESTHOST_PLUGINS, or unset the variable.",
    ]
    switched_off = run(host, "--no-plugins", "alpha")
    assert switched_off.exit_code == 3
    assert "plugins are off for this run (--no-plugins or TESTHOST_NO_PLUGINS)" in (
        switched_off.output
    )


def test_disabled_plugins_are_not_offered(host: Host, site: SiteDir) -> None:
    add_command(site, "alpha")
    assert run(host, "plugins", "disable", "alpha").exit_code == 0
    assert "alpha" not in run(host, "--help").output
    refused = run(host, "alpha")
    assert refused.exit_code == 3
    assert refused.output.splitlines() == [
        "Error: Plugin 'alpha' is not loaded: it is disabled.",
        "Run `testhost plugins enable alpha` to enable it.",
    ]
    assert run(host, "plugins", "enable", "alpha").exit_code == 0
    assert run(host, "alpha").output == "alpha ran\n"


def test_unknown_commands_suggest_and_exit_3(host: Host, site: SiteDir) -> None:
    add_command(site, "alpha")
    result = run(host, "alpah")
    assert result.exit_code == 3
    assert "Did you mean 'alpha'?" in result.output


def test_typer_plugins_run_show_help_and_complete(host: Host, site: SiteDir) -> None:
    site.add(
        "widgets",
        entry_points={GROUP: {"widgets": "widgetsmod:app"}},
        modules={"widgetsmod": TYPER_APP},
    )
    assert run(host, "widgets", "add", "bolt", "--count", "3").output == "added 3 bolt\n"
    assert "Manage widgets." in run(host, "--help").output  # learnt by the first run
    helped = run(host, "widgets", "--help")
    assert helped.exit_code == 0
    assert "Add widgets." in helped.output
    wrong = run(host, "widgets", "add")
    assert wrong.exit_code == 2
    assert "Missing argument" in wrong.output
    assert complete(host, "testhost widgets ") == ["add", "remove"]
    assert "--count" in complete(host, "testhost widgets add --")


def complete(host: Host, words: str) -> list[str]:
    result = run(
        host,
        env={
            "_TESTHOST_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split(" ")) - 1),
        },
    )
    return [line.split(",", 1)[1] for line in result.output.splitlines() if line]


def test_completion_lists_plugin_commands_from_the_manifest(host: Host, site: SiteDir) -> None:
    add_command(site, "alpha")
    add_command(site, "alps")
    assert complete(host, "testhost al") == ["alpha", "alps"]
    assert complete(host, "testhost plu") == ["plugins"]


def test_command_groups_from_plugins_are_mounted(host: Host, site: SiteDir) -> None:
    site.add(
        "dbtools", entry_points={GROUP: {"dbtools": "dbmod:plugin"}}, modules={"dbmod": GROUPED}
    )
    assert run(host, "db", "migrate", "--dry-run").output == "migrate dry_run=True\n"
    helped = run(host, "--help").output
    assert "db" in helped
    assert "Commands from plugin(s) dbtools." in helped
    assert "Version 2.0." in run(host, "db", "--help").output


def test_host_attaches_to_an_existing_click_group(site: SiteDir) -> None:
    add_command(site, "alpha")

    @click.group()
    @click.option("--verbose", is_flag=True)
    def app(verbose: bool) -> None:
        """An existing application."""
        if verbose:
            click.echo("verbose")

    @app.command()
    def status() -> None:
        """Show the status."""
        click.echo("ok")

    host = Host("testhost", version="1.0")
    cli = host.attach(app)
    assert cli is host.cli
    runner = CliRunner()
    assert runner.invoke(cli, ["--verbose", "status"]).output == "verbose\nok\n"
    assert runner.invoke(cli, ["alpha"]).output == "alpha ran\n"
    assert "An existing application." in runner.invoke(cli, ["--help"]).output


def test_host_attaches_to_a_typer_app(site: SiteDir) -> None:
    add_command(site, "alpha")
    app = typer.Typer(help="A Typer application.")

    @app.command()
    def hello(name: str) -> None:
        print(f"hello {name}")

    @app.command()
    def bye() -> None:
        print("bye")

    cli = Host("testhost", version="1.0").attach(app)
    runner = CliRunner()
    assert runner.invoke(cli, ["hello", "Ada"]).output == "hello Ada\n"
    assert runner.invoke(cli, ["alpha"]).output == "alpha ran\n"


def _python_with(site: SiteDir, tmp_path: Path, code: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(site.path), "XDG_CACHE_HOME": str(tmp_path / "c")}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    return list(json.loads(out.stdout.splitlines()[-1]))


IMPORT_CHECK = """
import io, contextlib, json, sys
from pegboard.host.host import Host
host = Host("testhost", version="1.0")
with contextlib.redirect_stdout(io.StringIO()):
    try:
        host.main({args!r})
    except SystemExit:
        pass
heavy = (
    "importlib.metadata", "pluggy", "typer", "asyncio", "packaging", "alphamod", "betamod",
    "dataclasses", "logging", "shutil",
)
print(json.dumps(sorted(m for m in sys.modules if m in heavy or m.split(".")[0] in heavy)))
"""


def test_warm_help_imports_no_plugin_and_no_heavy_module(site: SiteDir, tmp_path: Path) -> None:
    add_command(site, "alpha")
    add_command(site, "beta")
    code = IMPORT_CHECK.format(args=["--help"])
    cold = _python_with(site, tmp_path, code)
    assert not {"alphamod", "betamod", "pluggy"} & set(cold)  # never learnt in-process
    _python_with(site, tmp_path, IMPORT_CHECK.format(args=["alpha"]))  # learns, in a child
    # That import wrote __pycache__ into the site folder (pip compiles at install time), so
    # one more start rescans the folder; from then on --help is warm.
    _python_with(site, tmp_path, code)
    assert _python_with(site, tmp_path, code) == []


def test_running_one_command_imports_only_that_plugin(site: SiteDir, tmp_path: Path) -> None:
    add_command(site, "alpha")
    add_command(site, "beta")
    _python_with(site, tmp_path, IMPORT_CHECK.format(args=["alpha"]))  # learns, in children
    warm = _python_with(site, tmp_path, IMPORT_CHECK.format(args=["alpha"]))
    assert "alphamod" in warm
    assert "betamod" not in warm
    # A command-only plugin with no observers runs without the hook machinery.
    assert not {"importlib.metadata", "pluggy", "asyncio", "logging", "dataclasses"} & set(warm)


WIDTH_CHECK = """
import io, contextlib, json, click
from pegboard.host.host import Host
text = "Do a thing. " * 20
outputs = []
for cli in (Host("testhost", version="1.0", help=text).cli, click.Group("testhost", help=text)):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            cli.main(["--help"], prog_name="testhost")
        except SystemExit:
            pass
    outputs.append(out.getvalue().split("Options:")[0])
print(json.dumps(outputs))
"""


@pytest.mark.parametrize("columns", ["60", "120", "", "junk"])
def test_help_is_as_wide_as_click_would_make_it(tmp_path: Path, columns: str) -> None:
    # The width is worked out without shutil; COLUMNS must rule as in Click (CliRunner
    # forces the width, hence a real process).
    env = {**os.environ, "COLUMNS": columns, "XDG_CACHE_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", WIDTH_CHECK], env=env, capture_output=True, text=True, check=True
    )
    ours, clicks = json.loads(out.stdout)
    assert ours == clicks
    widest = max(len(line) for line in ours.splitlines())
    assert widest <= (58 if columns == "60" else 78)


def test_ctrl_c_in_a_plugin_command_exits_130(host: Host, site: SiteDir) -> None:
    site.add(
        "interrupting",
        entry_points={GROUP: {"stop": "stopmod:cli"}},
        modules={
            "stopmod": """
            import click

            @click.command()
            def cli():
                '''Pretend the user pressed Ctrl-C.'''
                raise KeyboardInterrupt
            """
        },
    )
    result = run(host, "stop")
    assert result.exit_code == 130
    assert "Interrupted." in result.output
