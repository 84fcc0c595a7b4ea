"""Two realistic host apps, installed with their console scripts, run as users run them.

``shipx`` is a Click app (version option, ``auto_envvar_prefix``, epilog, its own
``--format`` and ``-v``); ``notes`` a Typer app whose callback reads ``-n/--notebook`` from an
environment variable. Both adopt pegboard through ``Host.attach`` (sources in tests/hosts/).
One virtual environment is built per session; each test gets its own config and cache
folders. Plugins of every kind are real distributions in that environment: a Click command,
a Click group, a Typer app, a hook-only observer, a plugin with command hooks *and* a
``command_group`` subcommand, and one that cannot be imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SiteDir, Venv, make_venv

HOSTS = Path(__file__).parent / "hosts"

PLUGINS: dict[str, tuple[str, str]] = {
    "hello": (
        "cli",
        """
import click

@click.command()
@click.option("--loud", is_flag=True)
@click.argument("who")
def cli(loud, who):
    '''Greet WHO.'''
    click.echo(("HELLO " if loud else "hello ") + who)
""",
    ),
    "tools": (
        "cli",
        """
import click

@click.group()
def cli():
    '''Tools.'''

@cli.command()
@click.argument("path")
def lint(path):
    '''Lint PATH.'''
    click.echo("lint " + path)
""",
    ),
    "widgets": (
        "app",
        """
import typer

app = typer.Typer(help="Widgets.")

@app.command()
def paint(colour: str):
    '''Paint a widget.'''
    print("painted " + colour)

@app.command()
def fail():
    '''Exit with 3.'''
    raise typer.Exit(code=3)
""",
    ),
    "spy": (
        "plugin",
        """
import json, os
import pegboard

def _log(**event):
    with open(os.environ["HOOK_LOG"], "a", encoding="utf-8") as stream:
        stream.write(json.dumps(event) + "\\n")

class Spy:
    @pegboard.hookimpl
    def pre_execute(self, name, args, kwargs):
        _log(hook="pre", name=name, kwargs=kwargs)

    @pegboard.hookimpl
    def post_execute(self, name, result, outcome):
        _log(hook="post", name=name, exit_code=outcome.exit_code)

plugin = Spy()
""",
    ),
    "slack": (
        "plugin",
        """
import click, pegboard
from pegboard import command_group

@command_group("ops")("page")
@click.argument("user")
def page(user):
    '''Page USER.'''
    click.echo("paging " + user)

class Slack:
    @pegboard.hookimpl
    def post_execute(self, name, result):
        pass

plugin = Slack()
""",
    ),
    "broken": ("plugin", "raise RuntimeError('broken on purpose')\n"),
}


@pytest.fixture(scope="session")
def hosts_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """One environment with both host apps (real installs) and every plugin."""
    root = tmp_path_factory.mktemp("hosts")
    environment = make_venv(root / "venv")
    sources = [shutil.copytree(HOSTS / name, root / name) for name in ("shipx", "notesapp")]
    environment.pip("install", *map(os.fspath, sources))
    site = SiteDir(environment.site_packages)
    for name, (attribute, source) in PLUGINS.items():
        module = f"pbtest_{name}"
        target = f"{module}:{attribute}"
        site.add(
            f"pbtest-{name}",
            entry_points={"shipx.plugins": {name: target}, "notes.plugins": {name: target}},
            modules={module: source},
        )
    return environment


class Run:
    """Runs a host's console script with this test's own folders and hook log."""

    def __init__(self, environment: Venv, home: Path):
        self.environment = environment
        self.log = home / "hooks.jsonl"
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": os.fspath(home),
            "XDG_CONFIG_HOME": os.fspath(home / "config"),
            "XDG_CACHE_HOME": os.fspath(home / "cache"),
            "HOOK_LOG": os.fspath(self.log),
            "PYTHONWARNINGS": "error",  # a duplicate-option warning would fail the run
        }

    def __call__(
        self, host: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [os.fspath(self.environment.bin / host), *args],
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=60,
            check=False,
        )

    def hooks(self) -> list[tuple[str, str]]:
        if not self.log.exists():
            return []
        events = [json.loads(line) for line in self.log.read_text("utf-8").splitlines()]
        return [(event["hook"], event["name"]) for event in events]


@pytest.fixture
def run(hosts_venv: Venv, tmp_path: Path) -> Run:
    return Run(hosts_venv, tmp_path)


KINDS: dict[str, tuple[list[str], str, str, str]] = {
    # kind: (argv, expected output, hook name, plugin that provides it)
    "host": (["status"], "status", "status", "spy"),
    "click": (["hello", "bob"], "hello bob", "hello", "hello"),
    "group": (["tools", "lint", "src"], "lint src", "tools lint", "tools"),
    "typer": (["widgets", "paint", "red"], "painted red", "widgets paint", "widgets"),
    "command_group": (["ops", "page", "bob"], "paging bob", "ops page", "slack"),
}


@pytest.mark.parametrize("host", ["shipx", "notes"])
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("observed", [True, False], ids=["hooks", "no-hooks"])
@pytest.mark.parametrize("mode", ["plain", "disabled", "strict"])
def test_every_kind_with_hooks_disabled_and_strict(
    run: Run, host: str, kind: str, observed: bool, mode: str
) -> None:
    argv, expected, name, provider = KINDS[kind]
    switches = ["--disable-plugin", "broken"]
    if not observed:
        switches += ["--disable-plugin", "spy"]
    env = {f"{host.upper()}_STRICT_PLUGINS": "1"} if mode == "strict" else {}
    if mode == "disabled":
        assert run(host, "plugins", "disable", provider).returncode == 0
    result = run(host, *switches, *argv, env=env)
    assert result.stderr.count("Warning") == 0, result.stderr
    if mode == "disabled" and kind != "host":
        assert result.returncode == 3, result.stderr
        # A group whose only contributor is disabled does not exist in this run.
        hint = "No such command 'ops'" if kind == "command_group" else f"enable {provider}"
        assert hint in result.stderr
        assert run.hooks() == []
        return
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    hooks_run = observed and not (mode == "disabled" and provider == "spy")
    assert run.hooks() == ([("pre", name), ("post", name)] if hooks_run else [])
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["shipx", "notes"])
def test_strict_mode_names_the_broken_plugin_but_management_still_works(
    run: Run, host: str
) -> None:
    strict = {f"{host.upper()}_STRICT_PLUGINS": "1"}
    result = run(host, "hello", "bob", env=strict)
    assert result.returncode == 4
    assert "broken" in result.stderr
    assert "Traceback" not in result.stderr
    assert run(host, "plugins", "disable", "broken", env=strict).returncode == 0
    assert run(host, "hello", "bob", env=strict).stdout == "hello bob\n"


@pytest.mark.parametrize(
    ("host", "args", "env", "expected"),
    [
        ("shipx", ["--version"], {}, "shipx, version 2.0\n"),
        ("shipx", ["status"], {"SHIPX_VERBOSE": "2"}, "status fmt=plain verbose=2\n"),
        ("shipx", ["--format", "table", "-v", "status"], {}, "status fmt=table verbose=1\n"),
        ("notes", ["status"], {}, "status notebook=inbox\n"),
        ("notes", ["-n", "work", "status"], {}, "status notebook=work\n"),
        ("notes", ["status"], {"NOTES_NOTEBOOK": "home"}, "status notebook=home\n"),
    ],
)
def test_the_apps_own_options_and_env_vars_work(
    run: Run, host: str, args: list[str], env: dict[str, str], expected: str
) -> None:
    result = run(host, "--disable-plugin", "broken", *args, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")


@pytest.mark.parametrize("host", ["shipx", "notes"])
def test_help_lists_everything_once_without_warnings(run: Run, host: str) -> None:
    # --help never waits for learning; the groups plugins add are known once they are learnt.
    assert run(host, "plugins", "list").returncode == 0
    result = run(host, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    options = result.stdout.partition("Commands:")[0]
    for flag in ("--version", "--no-plugins", "--disable-plugin"):
        assert options.count(flag) == 1, (flag, options)
    for command in ("status", "hello", "tools", "widgets", "ops", "plugins"):
        assert command in result.stdout


@pytest.mark.parametrize("host", ["shipx", "notes"])
def test_completion_inside_a_group_with_a_hooked_contributor(run: Run, host: str) -> None:
    assert run(host, "plugins", "list").returncode == 0  # completion never waits for learning
    env = {
        f"_{host.upper()}_COMPLETE": "bash_complete",
        "COMP_WORDS": f"{host} ops ",
        "COMP_CWORD": "2",
    }
    result = run(host, env=env)
    assert result.returncode == 0, result.stderr
    assert "page" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["shipx", "notes"])
def test_a_typer_plugins_exit_code_is_the_hosts(run: Run, host: str) -> None:
    result = run(host, "--disable-plugin", "broken", "widgets", "fail")
    assert result.returncode == 3
    assert run.hooks() == [("pre", "widgets fail"), ("post", "widgets fail")]


@pytest.mark.parametrize("use_rich", ["1", "0"], ids=["rich", "no-rich"])
def test_the_typer_hosts_help_is_typers_with_the_plugins_listed(run: Run, use_rich: str) -> None:
    # Learnt plugins show their own help; --help itself never imports them.
    assert run("notes", "plugins", "list").returncode == 0
    result = run("notes", "--help", env={"TYPER_USE_RICH": use_rich})
    assert (result.returncode, result.stderr) == (0, "")
    out = result.stdout
    if use_rich == "1":
        headings = ("╭─ Options ─", "╭─ Commands ─", "╭─ Plugin commands ─")
    else:
        headings = ("\nOptions:\n", "\nCommands:\n", "\nPlugin commands:\n")
        assert "╭" not in out
    positions = [out.find(heading) for heading in headings]
    assert -1 not in positions
    assert positions == sorted(positions)
    plugins = out[positions[2] :]
    for text in ("--notebook", "NOTES_NOTEBOOK", "--no-plugins", "Show the status.", "doctor"):
        assert text in out[: positions[2]], text
    for text in ("hello", "Greet WHO.", "tools", "Tools.", "widgets", "Widgets.", "ops"):
        assert text in plugins, text
    assert "Docs: https://notes.example" in plugins
    assert "--install-completion" not in out
