"""The command-hook contract, for every kind of command a host runs.

``pre_execute(name, args, kwargs)`` once before every command that runs, ``post_execute``
once after it with the outcome, never for ``--help``, ``--version``, completion or usage
errors. Observers are real distributions that write what they see to a JSON-lines file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from conftest import SiteDir
from pegboard.host.host import Host
from plugin_sources import HELLO, SPY, TOOLS, TYPER, observer, slack

GROUP = "hooked.plugins"

OLD_STYLE = """
import json, os
import pegboard

class Old:
    @pegboard.hookimpl
    def post_execute(self, name, result):
        with open(os.environ["HOOK_LOG"], "a", encoding="utf-8") as stream:
            stream.write(json.dumps({"hook": "old-post", "name": name}) + "\\n")

plugin = Old()
"""

SLACK = slack(
    """
    @pegboard.hookimpl
    def pre_execute(self, name, args, kwargs):
        click.echo("slack saw " + name)
"""
)


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "hooks.jsonl"
    monkeypatch.setenv("HOOK_LOG", os.fspath(path))
    return path


@pytest.fixture
def host(site: SiteDir, log: Path) -> Host:
    """A host with its own commands, a Click, a group, a Typer and a group-adding plugin."""
    plugins = {"spy": SPY, "hello": HELLO, "tools": TOOLS, "slack": SLACK, "notes": TYPER}
    for name, source in plugins.items():
        target = "app" if name == "notes" else ("plugin" if "plugin =" in source else "cli")
        site.add(
            f"hooked-{name}",
            entry_points={GROUP: {name: f"hooked_{name}:{target}"}},
            modules={f"hooked_{name}": source},
        )
    host = Host("hooked", version="1.0")

    @host.cli.command()
    @click.option("--count", type=int, default=1)
    def status(count: int) -> str:
        """Show the status."""
        click.echo(f"status x{count}")
        return "fine"

    @host.cli.group(invoke_without_command=True)
    @click.pass_context
    def db(ctx: click.Context) -> None:
        """Database commands."""
        if ctx.invoked_subcommand is None:
            click.echo("db summary")

    @db.command()
    @click.argument("names", nargs=-1)
    def migrate(names: tuple[str, ...]) -> None:
        """Migrate."""
        click.echo("migrated " + ",".join(names))

    return host


def run(host: Host, *args: str) -> Result:
    return CliRunner().invoke(host.cli, list(args))


def events(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def pairs(log: Path) -> list[tuple[str, str]]:
    return [(e["hook"], e["name"]) for e in events(log)]


@pytest.mark.parametrize(
    ("argv", "name", "kwargs", "args"),
    [
        (["status", "--count", "2"], "status", {"count": 2}, []),
        (["db"], "db", {}, []),
        (["db", "migrate", "a", "b"], "db migrate", {"names": ["a", "b"]}, []),
        (["hello", "--loud", "bob"], "hello", {"loud": True, "who": "bob"}, []),
        (["tools", "lint", "src"], "tools lint", {"path": "src"}, []),
        (["ops", "page", "bob"], "ops page", {"user": "bob"}, []),
        (["notes", "add", "milk", "--pin"], "notes add", {"text": "milk", "pin": True}, []),
    ],
    ids=["host", "host-group-alone", "host-subcommand", "click", "group", "command-group", "typer"],
)
def test_hooks_fire_once_around_every_kind_of_command(
    host: Host, log: Path, argv: list[str], name: str, kwargs: dict[str, Any], args: list[str]
) -> None:
    result = run(host, *argv)
    assert result.exit_code == 0, result.output
    pre, post = events(log)
    assert pre == {"hook": "pre", "name": name, "args": args, "kwargs": kwargs}
    assert (post["hook"], post["name"], post["exit_code"], post["error"]) == ("post", name, 0, None)


def test_post_execute_gets_the_result(host: Host, log: Path) -> None:
    run(host, "status")
    assert events(log)[1]["result"] == "fine"


@pytest.mark.parametrize(
    ("argv", "name", "exit_code", "error"),
    [
        (["tools", "fail"], "tools fail", 1, "ClickException"),
        (["notes", "crash", "--code", "3"], "notes crash", 3, "Exit"),
    ],
)
def test_post_execute_fires_on_failure_and_exit_with_the_exit_code(
    host: Host, log: Path, argv: list[str], name: str, exit_code: int, error: str
) -> None:
    result = run(host, *argv)
    assert result.exit_code == exit_code, result.output
    assert pairs(log) == [("pre", name), ("post", name)]
    post = events(log)[1]
    assert (post["exit_code"], post["error"]) == (exit_code, error)


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--help"],
        ["--help"],
        ["--version"],
        ["hello", "--help"],
        ["hello"],  # missing argument: a usage error
        ["status", "--count", "many"],
        ["tools", "lint", "--help"],
        ["ops", "page", "--help"],
        ["notes", "add", "--help"],
        ["notes", "add"],
    ],
)
def test_no_hooks_for_help_version_and_usage_errors(host: Host, log: Path, argv: list[str]) -> None:
    result = run(host, *argv)
    assert result.exit_code in {0, 2}, result.output
    assert events(log) == []


def test_no_hooks_during_completion(host: Host, log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Completion never waits for learning: a management command learns the plugins first.
    assert run(host, "plugins", "list").exit_code == 0
    monkeypatch.setenv("_HOOKED_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "hooked tools l")
    monkeypatch.setenv("COMP_CWORD", "2")
    result = CliRunner().invoke(host.cli, [], prog_name="hooked")
    assert "lint" in result.output
    assert events(log) == []


def test_a_plugin_with_hooks_and_a_group_subcommand_runs(host: Host, log: Path) -> None:
    result = run(host, "ops", "page", "bob")
    assert result.exit_code == 0, result.output
    assert "paging bob" in result.output
    assert "slack saw ops page" in result.output


def test_old_post_execute_signature_keeps_working(site: SiteDir, host: Host, log: Path) -> None:
    site.add(
        "hooked-old",
        entry_points={GROUP: {"old": "hooked_old:plugin"}},
        modules={"hooked_old": OLD_STYLE},
    )
    assert run(host, "status").exit_code == 0
    assert ("old-post", "status") in pairs(log)


def test_management_commands_are_not_observed(host: Host, log: Path) -> None:
    assert run(host, "plugins", "list").exit_code == 0
    assert events(log) == []


def test_disabled_observers_are_not_called(host: Host, log: Path) -> None:
    result = run(host, "--disable-plugin", "spy", "status")
    assert result.exit_code == 0, result.output
    assert events(log) == []


def add_observer(site: SiteDir, hook: str, body: str) -> None:
    site.add(
        "hooked-grumpy",
        entry_points={GROUP: {"grumpy": "hooked_grumpy:plugin"}},
        modules={"hooked_grumpy": observer(hook, body)},
    )


RAISES = "raise RuntimeError('observer broke')"
QUIET_SLACK = ("--disable-plugin", "slack")  # its pre_execute echoes to stdout


@pytest.mark.parametrize(
    ("hook", "argv", "code", "stdout"),
    [
        ("pre_execute", ["status"], 0, "status x1\n"),
        ("post_execute", ["status"], 0, "status x1\n"),
        ("pre_execute", ["hello", "bob"], 0, "hello bob\n"),
        ("post_execute", ["notes", "crash", "--code", "5"], 5, ""),
        ("post_execute", ["tools", "fail"], 1, ""),
    ],
)
def test_a_failing_observer_is_reported_on_stderr_and_the_command_runs_on(
    site: SiteDir, host: Host, log: Path, hook: str, argv: list[str], code: int, stdout: str
) -> None:
    add_observer(site, hook, RAISES)
    result = run(host, *QUIET_SLACK, *argv)
    assert (result.exit_code, result.stdout) == (code, stdout)
    warning = f"Warning: plugin 'grumpy' failed in {hook}: RuntimeError: observer broke.\n"
    assert result.stderr.startswith(warning) or f"\n{warning}" in result.stderr
    assert result.stderr.count("grumpy") == 1
    assert "Traceback" not in result.stderr
    name = " ".join(a for a in argv if not a.startswith("-") and a not in {"bob", "5"})
    assert pairs(log) == [("pre", name), ("post", name)]  # the other observers still ran


def test_a_failing_observer_never_writes_to_stdout(site: SiteDir, host: Host) -> None:
    add_observer(site, "pre_execute", "print('observer noise'); " + RAISES)
    result = run(host, *QUIET_SLACK, "status")
    assert result.exit_code == 0
    assert "grumpy" not in result.stdout
    assert "failed in pre_execute" in result.stderr


def test_quiet_silences_and_debug_explains_a_failing_observer(site: SiteDir, host: Host) -> None:
    add_observer(site, "pre_execute", RAISES)
    quiet = run(host, *QUIET_SLACK, "-q", "status")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "status x1\n", "")
    debug = run(host, *QUIET_SLACK, "--debug", "status")
    assert debug.exit_code == 0
    assert "Warning: plugin 'grumpy' failed in pre_execute" in debug.stderr
    assert "Traceback" in debug.stderr
    assert "in pre_execute" in debug.stderr  # the plugin's own frame
    assert debug.stdout == "status x1\n"


def test_an_observer_that_overruns_its_bound_is_reported(site: SiteDir, host: Host) -> None:
    # pre_execute is bounded by the registry's default (10 s); the thread is abandoned.
    add_observer(site, "pre_execute", "time.sleep(600)")
    result = run(host, *QUIET_SLACK, "status")
    assert (result.exit_code, result.stdout) == (0, "status x1\n")
    assert "Warning: plugin 'grumpy' failed in pre_execute: TimeoutError: no result within" in (
        result.stderr
    )


PAGER = """
import click
from pegboard import command_group

@command_group("ops")("call")
def call():
    '''Call the on-call.'''
    click.echo("calling")

class Pager:
    version = "1.0"

plugin = Pager()
"""


def test_a_command_group_lives_while_one_provider_is_on_and_names_them_all_when_none_is(
    site: SiteDir, host: Host
) -> None:
    site.add(
        "hooked-pager",
        entry_points={GROUP: {"pager": "hooked_pager:plugin"}},
        modules={"hooked_pager": PAGER},
    )
    assert run(host, "plugins", "list").exit_code == 0  # what they provide is learnt
    assert run(host, "plugins", "disable", "slack").exit_code == 0
    assert run(host, "ops", "call").output == "calling\n"
    assert run(host, "plugins", "disable", "pager").exit_code == 0
    result = run(host, "ops", "call")
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: Command group 'ops' comes from plugins 'pager', 'slack', none of which is loaded"
        " ('pager': it is disabled).\n"
        "Run `hooked plugins enable pager slack` to enable them.\n"
    )
