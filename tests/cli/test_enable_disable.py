"""``plugins enable`` / ``plugins disable``: persisted choices, never importing plugin code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import SiteDir
from pegboard.cli import cli as pegboard_cli
from pegboard.host.state import PluginStates

from .conftest import Invoke, add_command_plugin, by_name, imported, json_of


def test_disable_enable_round_trip_is_persisted(invoke: Invoke, installed: SiteDir) -> None:
    steps = [
        ("disable", "Disabled plugin 'hello'.\n"),
        ("disable", "Plugin 'hello' is already disabled.\n"),
        ("enable", "Enabled plugin 'hello'.\n"),
        ("enable", "Plugin 'hello' is already enabled.\n"),
    ]
    for command, message in steps:
        result = invoke("plugins", command, "hello")
        assert (result.exit_code, result.stdout) == (0, message)
        disabled = PluginStates.for_host("acmetest").disabled()
        assert ("hello" in disabled) is (command == "disable")
        row = by_name(json_of(invoke("plugins", "list", "--all", "--format", "json")))["hello"]
        assert (row["state"], row["enabled"]) == (
            ("inactive", False) if command == "disable" else ("active", True)
        )
    assert not imported("acmetest_hello")


def test_a_disabled_plugin_is_not_imported_by_the_host(invoke: Invoke, installed: SiteDir) -> None:
    assert invoke("plugins", "disable", "broken").exit_code == 0
    assert invoke("--help").exit_code == 0
    assert not imported("acmetest_sleepy")
    rows = by_name(json_of(invoke("plugins", "list", "--all", "--format", "json")))
    assert rows["broken"]["state"] == "inactive"
    assert rows["broken"]["kind"] is None  # never loaded, so never failed


@pytest.mark.parametrize("command", ["enable", "disable"])
def test_unknown_names_are_refused(invoke: Invoke, installed: SiteDir, command: str) -> None:
    result = invoke("plugins", command, "helo")
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: Plugin 'helo' not found. Did you mean 'hello'?\n")
    assert PluginStates.for_host("acmetest").disabled() == {"sleepy"}


def test_a_disabled_plugin_that_was_removed_can_still_be_enabled(
    invoke: Invoke, installed: SiteDir
) -> None:
    PluginStates.for_host("acmetest").disable("gone")
    assert invoke("plugins", "enable", "gone").stdout == "Enabled plugin 'gone'.\n"
    assert PluginStates.for_host("acmetest").disabled() == {"sleepy"}
    assert invoke("plugins", "disable", "gone").exit_code == 3


def test_enabling_a_refused_plugin_says_it_still_will_not_load(
    invoke: Invoke, installed: SiteDir
) -> None:
    invoke("plugins", "disable", "old")
    result = invoke("plugins", "enable", "old")
    assert result.stdout == "Enabled plugin 'old'.\n"
    assert result.stderr.startswith("Note: it is still not loaded: it is incompatible (requires")


def test_quiet_prints_nothing(invoke: Invoke, installed: SiteDir) -> None:
    result = invoke("-q", "plugins", "disable", "hello")
    assert (result.exit_code, result.output) == (0, "")
    assert "hello" in PluginStates.for_host("acmetest").disabled()


def test_a_corrupt_state_file_is_reported_once_on_stderr(
    invoke: Invoke, installed: SiteDir
) -> None:
    path = Path(PluginStates.for_host("acmetest").path)
    path.write_text("{not json", encoding="utf-8")
    result = invoke("plugins", "disable", "hello")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Disabled plugin 'hello'.\n"
    assert result.stderr.count("Warning: The plugin state file") == 1
    assert "not valid JSON" in result.stderr
    # Defaults applied (sleepy is enabled again) and the new choice was saved.
    assert PluginStates.for_host("acmetest").disabled() == {"hello"}
    assert any(name.startswith("plugins.json.corrupt-") for name in os.listdir(path.parent))


def test_an_unwritable_state_file_is_a_short_error(
    invoke: Invoke, installed: SiteDir, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("ACMETEST_CONFIG_DIR", os.fspath(blocker / "acmetest"))
    result = invoke("plugins", "disable", "hello")
    assert result.exit_code == 1
    assert "Error: Cannot save plugin state to " in result.stderr
    assert "Check that the folder is writable" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_pegboard_command_keeps_its_own_state(invoke: Invoke, site: SiteDir) -> None:
    add_command_plugin(site, "greet", group="pegboard.plugins", requires=())
    result = invoke("plugins", "disable", "greet", cli=pegboard_cli)
    assert (result.exit_code, result.stdout) == (0, "Disabled plugin 'greet'.\n")
    assert PluginStates.for_host("pegboard").disabled() == {"greet"}
    assert PluginStates.for_host("acmetest").disabled() == frozenset()
