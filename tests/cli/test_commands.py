"""The host's command line tells the truth: unknown commands, refused plugins, shared help."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import SiteDir
from pegboard.host.host import Host

from .conftest import GROUP, Invoke


@pytest.fixture
def own_commands(acmetest: Host) -> Host:
    """The host with a command of its own, ``add``, next to the built-in ones."""

    @acmetest.cli.command()
    def add() -> None:
        """Add something."""

    return acmetest


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (
            ("ad",),
            "Error: No such command 'ad'. Did you mean 'add'?",
            "Run `acmetest --help` to see the commands, or `acmetest plugins list --all` for "
            "every installed plugin.",
        ),
        (
            ("doctr",),
            "Error: No such command 'doctr'. Did you mean 'doctor'?",
            "Run `acmetest --help` to see the commands, or `acmetest plugins list --all` for "
            "every installed plugin.",
        ),
        (
            ("hel",),
            "Error: No such command 'hel'. Did you mean 'hello'?",
            "Run `acmetest --help` to see the commands, or `acmetest plugins list --all` for "
            "every installed plugin.",
        ),
        (
            ("plugins", "lsit"),
            "Error: No such command 'plugins lsit'. Did you mean 'list'?",
            "Run `acmetest plugins --help` to see its commands.",
        ),
        (("zzz",), "Error: No such command 'zzz'.", None),
    ],
)
def test_unknown_commands_are_not_found_with_suggestions(
    invoke: Invoke,
    own_commands: Host,
    installed: SiteDir,
    args: tuple[str, ...],
    message: str,
    hint: str | None,
) -> None:
    result = invoke(*args)
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == message
    if hint is not None:
        assert lines[1:] == [hint]
    assert "not found" not in result.stderr  # a command error, not a plugin lookup


def test_a_refused_plugin_says_why_it_cannot_run(invoke: Invoke, installed: SiteDir) -> None:
    result = invoke("old")
    assert result.exit_code == 4
    message, hint = result.stderr.splitlines()
    assert message.startswith(
        "Error: Plugin 'old' cannot run: it is incompatible (requires acmetest<0.5 but 1.0 is "
        "installed"
    )
    assert hint == "Run `acmetest plugins info old` for details."


def test_the_plugins_group_is_described_one_way(invoke: Invoke) -> None:
    description = (
        "Manage plugins: list, inspect, check, install, uninstall, enable, disable or create them."
    )
    host_help = " ".join(invoke("--help").stdout.split())
    assert f"plugins {description}" in host_help
    own_help = " ".join(invoke("plugins", "--help").stdout.split())
    assert own_help.startswith(f"Usage: acmetest plugins [OPTIONS] COMMAND [ARGS]... {description}")


@pytest.mark.parametrize("prog", ["acmetest", "acme-tool"])
def test_completion_help_names_the_host(acmetest: Host, prog: str) -> None:
    result = CliRunner().invoke(acmetest.cli, ["completion", "--help"], prog_name=prog)
    assert result.exit_code == 0, result.output
    assert f'eval "$({prog} completion bash)"' in result.stdout
    assert f"{prog} completion fish > ~/.config/fish/completions/{prog}.fish" in result.stdout
    assert "HOST" not in result.stdout
    assert "{prog}" not in result.stdout


EXITING_HEALTH = """
import pegboard

class Plugin:
    @pegboard.hookimpl
    def health(self):
        raise SystemExit(7)

plugin = Plugin()
"""


def test_a_hook_failure_names_the_hosts_command(acmetest: Host, site: SiteDir) -> None:
    site.add(
        "acmetest-quitter",
        entry_points={GROUP: {"quitter": "acmetest_quitter:plugin"}},
        modules={"acmetest_quitter": EXITING_HEALTH},
    )

    @acmetest.cli.command()
    def status() -> None:
        """Ask every plugin for its health."""
        acmetest.registry().call_hook_sync("health")

    result = CliRunner().invoke(acmetest.cli, ["status"], prog_name="acme-tool")
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "Error: Plugin 'quitter' raised SystemExit(7) in hook 'health'.",
        "Run `acme-tool plugins check quitter` for details, or `acme-tool plugins disable "
        "quitter` to switch it off.",
    ]
