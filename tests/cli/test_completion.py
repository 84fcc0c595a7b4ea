"""``completion SHELL`` and completion of plugin names, answered from the manifest."""

from __future__ import annotations

import pytest

from conftest import SiteDir
from pegboard.cli import cli as pegboard_cli
from pegboard.host.state import PluginStates

from .conftest import Invoke, add_command_plugin, imported


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_clicks_script(invoke: Invoke, shell: str) -> None:
    result = invoke("completion", shell)
    assert result.exit_code == 0, result.output
    assert f"_ACMETEST_COMPLETE={shell}_complete" in result.stdout
    assert "acmetest" in result.stdout


def test_the_pegboard_script_uses_its_own_variable(invoke: Invoke) -> None:
    result = invoke("completion", "bash", cli=pegboard_cli)
    assert "_PEGBOARD_COMPLETE=bash_complete" in result.stdout
    assert "complete -o nosort -F _pegboard_completion pegboard" in result.stdout


def test_an_unknown_shell_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("completion", "tcsh")
    assert result.exit_code == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.stderr


def complete(invoke: Invoke, words: str, prog: str = "acmetest", **kwargs: object) -> list[str]:
    """Return the values bash completion offers for the last of ``words``."""
    result = invoke(
        env={
            f"_{prog.upper()}_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        },
        **kwargs,
    )
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize(
    ("command", "offered"),
    [
        ("info", ["broken", "hello", "helper", "old", "sleepy"]),
        ("enable", ["gone", "sleepy"]),  # only disabled names, installed or not
        ("disable", ["broken", "hello", "helper", "old"]),  # only enabled ones
    ],
)
def test_plugin_names_complete_without_importing_plugins(
    invoke: Invoke, installed: SiteDir, command: str, offered: list[str]
) -> None:
    add_command_plugin(installed, "helper")
    PluginStates.for_host("acmetest").disable("gone")  # uninstalled while disabled
    assert complete(invoke, f"acmetest plugins {command} ") == offered
    assert complete(invoke, f"acmetest plugins {command} h") == [
        name for name in offered if name.startswith("h")
    ]
    assert not imported("acmetest_hello")
    assert not imported("acmetest_helper")


def test_enable_and_disable_offer_what_changed(invoke: Invoke, installed: SiteDir) -> None:
    assert invoke("plugins", "disable", "hello").exit_code == 0
    assert complete(invoke, "acmetest plugins enable ") == ["hello", "sleepy"]
    assert "hello" not in complete(invoke, "acmetest plugins disable ")
    assert invoke("plugins", "enable", "hello", "--").exit_code == 0
    assert complete(invoke, "acmetest plugins enable ") == ["sleepy"]


def test_pegboard_completes_its_own_plugin_names(invoke: Invoke, site: SiteDir) -> None:
    add_command_plugin(site, "zapper", group="pegboard.plugins", requires=())
    add_command_plugin(site, "acmetestonly")
    names = complete(invoke, "pegboard plugins info z", prog="pegboard", cli=pegboard_cli)
    assert names == ["zapper"]  # whatever else is installed, only this one starts with z
    assert "acmetestonly" not in complete(
        invoke, "pegboard plugins info ", prog="pegboard", cli=pegboard_cli
    )


def test_management_commands_complete(invoke: Invoke, site: SiteDir) -> None:
    assert complete(invoke, "acmetest plugins l") == ["list"]
    assert complete(invoke, "acmetest completion ") == ["bash", "zsh", "fish"]
