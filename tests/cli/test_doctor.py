"""``doctor``: one report; exit 0 when all is well, 1 when something needs attention."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from conftest import SiteDir
from pegboard._version import __version__
from pegboard.cli import cli as pegboard_cli
from pegboard.host.state import PluginStates

from .conftest import Invoke, add_command_plugin, json_of


def test_a_healthy_setup_exits_0(invoke: Invoke, site: SiteDir) -> None:
    add_command_plugin(site, "hello")
    result = invoke("doctor", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json_of(result)
    assert report["ok"] is True
    assert report["python"].startswith(platform.python_version())
    assert report["pegboard"] == __version__
    assert report["host"] == {"name": "acmetest", "version": "1.0", "api_version": "1.0"}
    assert report["manifest"]["plugins"] == 1
    assert report["manifest"]["rebuilt_now"] is True
    assert report["manifest"]["writable"] is True
    assert report["state_file"]["path"] == PluginStates.for_host("acmetest").path
    assert report["state_file"]["exists"] is False
    assert report["problems"] == []
    assert [row["name"] for row in report["slowest"]] == ["hello"]
    again = json_of(invoke("--format", "json", "doctor"))
    assert again["manifest"]["rebuilt_now"] is False
    text = invoke("doctor")
    assert text.exit_code == 0
    assert text.stdout.splitlines()[-1] == "All good."
    assert "Host:        acmetest 1.0 (plugin API 1.0)" in text.stdout


@pytest.mark.parametrize(("count", "shown"), [(0, "0 plugins"), (1, "1 plugin,"), (2, "2 plugins")])
def test_the_plugin_count_is_pluralised(
    invoke: Invoke, site: SiteDir, count: int, shown: str
) -> None:
    for name in ["alpha", "beta"][:count]:
        add_command_plugin(site, name)
    manifest_line = next(
        line for line in invoke("doctor").stdout.splitlines() if line.startswith("Manifest:")
    )
    assert f"({shown}" in manifest_line


def test_failed_and_refused_plugins_exit_1(invoke: Invoke, installed: SiteDir) -> None:
    result = invoke("doctor", "--format", "json")
    assert result.exit_code == 1
    report = json_of(result)
    assert report["ok"] is False
    problems = {row["name"]: row for row in report["problems"]}
    assert sorted(problems) == ["broken", "old"]  # sleepy is disabled: not a problem
    assert problems["broken"]["state"] == "failed"  # learnt by doctor itself
    assert "acmetest_broken_missing" in problems["broken"]["reason"]
    assert problems["old"]["state"] == "incompatible"
    assert report["state_file"]["disabled"] == ["sleepy"]
    assert [row["name"] for row in report["slowest"]] == ["hello"]
    text = invoke("doctor")
    assert text.exit_code == 1
    assert "Plugins needing attention (2):" in text.stdout
    assert (
        "  old [incompatible]: requires acmetest<0.5 but 1.0 is installed; install" in text.stdout
    )
    assert text.stdout.splitlines()[-1] == "Something needs attention (see above)."


def test_disabling_the_problems_makes_doctor_happy(invoke: Invoke, installed: SiteDir) -> None:
    for name in ("broken", "old"):
        assert invoke("plugins", "disable", name).exit_code == 0
    assert invoke("doctor").exit_code == 0


@pytest.mark.parametrize(
    ("broken", "exit_code", "stdout"),
    [
        (False, 0, ""),
        (True, 1, "Plugins needing attention (1):\n  broken [failed]: its module"),
    ],
)
def test_quiet_doctor_prints_only_problems(
    invoke: Invoke, site: SiteDir, broken: bool, exit_code: int, stdout: str
) -> None:
    add_command_plugin(site, "hello")
    if broken:
        site.add("acmetest-broken", entry_points={"acmetest.plugins": {"broken": "nowhere:plugin"}})
    result = invoke("-q", "doctor")
    assert result.exit_code == exit_code
    assert result.stdout.startswith(stdout)
    assert "Python:" not in result.stdout


def test_a_corrupt_state_file_needs_attention(invoke: Invoke, site: SiteDir) -> None:
    path = Path(PluginStates.for_host("acmetest").path)
    path.parent.mkdir(parents=True)
    path.write_text("[]", encoding="utf-8")
    result = invoke("--format", "json", "doctor")
    assert result.exit_code == 1
    notices = json_of(result)["state_file"]["notices"]
    assert len(notices) == 1
    assert "does not hold a JSON object" in notices[0]
    assert result.stderr.count("Warning: The plugin state file") == 1
    assert invoke("doctor").exit_code == 0  # moved aside: healthy from now on


def test_plugin_output_at_import_keeps_json_valid(invoke: Invoke, site: SiteDir) -> None:
    add_command_plugin(
        site,
        "noisy",
        prelude="print('NOISE at import')\nimport sys\nprint('MORE NOISE', file=sys.stderr)\n",
    )
    result = invoke("doctor", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "NOISE" not in result.output
    assert json_of(result)["ok"] is True


def test_pegboard_doctor(invoke: Invoke, site: SiteDir) -> None:
    result = invoke("--format", "json", "doctor", cli=pegboard_cli)
    assert result.exit_code == 0, result.output
    assert json_of(result)["host"]["name"] == "pegboard"
