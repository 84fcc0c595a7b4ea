"""``plugins list`` and ``plugins info``: facts from the manifest, timings from child processes."""

from __future__ import annotations

import json

import pytest

from conftest import SiteDir
from pegboard.cli import cli as pegboard_cli

from .conftest import Invoke, add_command_plugin, by_name, imported, json_of


def test_list_shows_active_plugins_by_default(invoke: Invoke, installed: SiteDir) -> None:
    rows = json_of(invoke("plugins", "list", "--format", "json"))
    # Enabled plugins are learnt (in child interpreters) first: "broken" is known to fail.
    assert sorted(row["name"] for row in rows) == ["hello"]
    assert set(rows[0]) == {
        "name",
        "version",
        "state",
        "enabled",
        "distribution",
        "kind",
        "reason",
        "import_seconds",
    }


def test_list_does_not_import_plugin_code(invoke: Invoke, installed: SiteDir) -> None:
    result = invoke("plugins", "list", "--all")
    assert result.exit_code == 0, result.output
    assert "hello" in result.stdout
    assert not imported("acmetest_hello")
    assert not imported("acmetest_sleepy")


def test_list_all_shows_every_state_with_reasons(invoke: Invoke, installed: SiteDir) -> None:
    rows = by_name(json_of(invoke("--format", "json", "plugins", "list", "--all")))
    assert not imported("acmetest_hello")  # learnt in a child interpreter
    assert not imported("acmetest_sleepy")
    assert {name: row["state"] for name, row in rows.items()} == {
        "hello": "active",
        "broken": "failed",
        "sleepy": "inactive",
        "old": "incompatible",
    }
    assert rows["hello"] == {
        "name": "hello",
        "version": "1.2",
        "state": "active",
        "enabled": True,
        "distribution": "acmetest-hello",
        "kind": "command",
        "reason": None,
        "import_seconds": rows["hello"]["import_seconds"],
    }
    assert isinstance(rows["hello"]["import_seconds"], float)
    assert rows["sleepy"]["enabled"] is False
    assert rows["broken"]["kind"] == "failed"
    assert "acmetest_broken_missing" in rows["broken"]["reason"]
    assert "requires acmetest<0.5" in rows["old"]["reason"]
    assert [row["name"] for row in json_of(invoke("plugins", "list", "--format", "json"))] == [
        "hello"
    ]


def test_list_text_is_an_aligned_table_with_short_reasons(
    invoke: Invoke, installed: SiteDir
) -> None:
    result = invoke("plugins", "list", "--all")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "STATE", "DISTRIBUTION", "REASON"]
    column = lines[0].index("STATE")
    assert {line[column:].split()[0] for line in lines[1:]} == {
        "active",
        "failed",
        "inactive",
        "incompatible",
    }
    old = next(line for line in lines if line.startswith("old "))
    assert "requires acmetest<0.5 but 1.0 is installed" in old
    assert "install a release" not in old  # the advice is for info and doctor
    assert "\x1b[" not in result.stdout  # no colour when stdout is not a terminal


@pytest.mark.parametrize(
    "args",
    [("plugins", "list", "--quiet"), ("-q", "plugins", "list"), ("--quiet", "plugins", "list")],
)
def test_quiet_list_prints_names_only(
    invoke: Invoke, installed: SiteDir, args: tuple[str, ...]
) -> None:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["hello"]


def test_list_without_plugins_says_how_to_see_more(invoke: Invoke, site: SiteDir) -> None:
    result = invoke("plugins", "list")
    assert result.exit_code == 0
    assert result.stdout == (
        "No plugins (use --all to include failed, disabled and refused ones).\n"
    )
    assert json_of(invoke("plugins", "list", "--format", "json")) == []


def test_timings_are_measured_in_child_processes(invoke: Invoke, installed: SiteDir) -> None:
    add_command_plugin(installed, "slow", prelude="import time\ntime.sleep(0.15)\n")
    rows = by_name(json_of(invoke("plugins", "list", "--all", "--timings", "--format", "json")))
    assert not imported("acmetest_hello")
    assert not imported("acmetest_slow")
    assert isinstance(rows["hello"]["import_seconds"], float)
    assert rows["slow"]["slow"] is True
    assert rows["slow"]["import_seconds"] >= 0.15
    # A module that cannot be imported has no time; a refused plugin is not imported at all.
    assert rows["broken"]["import_seconds"] is None
    assert rows["old"]["import_seconds"] is None
    text = invoke("plugins", "list", "--timings").stdout
    assert text.splitlines()[0].split() == [
        "NAME",
        "VERSION",
        "STATE",
        "DISTRIBUTION",
        "IMPORT",
        "TIME",
        "REASON",
    ]
    assert "(slow)" in next(line for line in text.splitlines() if line.startswith("slow "))


@pytest.mark.parametrize(
    "args",
    [
        ("plugins", "list", "--all", "--timings", "--timeout", "0.5", "--format", "json"),
        ("plugins", "info", "hangs", "--timeout", "0.5", "--format", "json"),
    ],
)
def test_a_hanging_plugin_cannot_block_the_measurement(
    invoke: Invoke, site: SiteDir, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    add_command_plugin(site, "hangs", prelude="import time\ntime.sleep(60)\n")
    monkeypatch.setenv("PYTHONPATH", str(site.path))
    data = json_of(invoke(*args))
    row = data[0] if isinstance(data, list) else data
    assert (row["name"], row["import_seconds"], row["slow"]) == ("hangs", None, None)
    assert row["state"] == "failed"
    assert "did not finish within 0.5 s" in row["reason"]


def test_plugin_output_at_import_never_reaches_json(invoke: Invoke, site: SiteDir) -> None:
    add_command_plugin(
        site, "noisy", prelude="import os\nprint('NOISE at import')\nos.write(1, b'FD NOISE')\n"
    )
    result = invoke("--format", "json", "plugins", "list")
    assert "NOISE" not in result.output
    invoke("noisy")  # imported in this process too: captured at both levels
    assert imported("acmetest_noisy")
    result = invoke("--format", "json", "plugins", "list")
    assert "NOISE" not in result.output
    assert [row["name"] for row in json.loads(result.stdout)] == ["noisy"]


def test_info_reports_everything_known(invoke: Invoke, installed: SiteDir) -> None:
    data = json_of(invoke("--format", "json", "plugins", "info", "hello"))
    assert not imported("acmetest_hello")  # learnt in a child interpreter
    assert isinstance(data.pop("import_seconds"), float)
    assert isinstance(data.pop("slow"), bool)
    assert data == {
        "name": "hello",
        "version": "1.2",
        "state": "active",
        "verdict": "ok",
        "enabled": True,
        "distribution": "acmetest-hello",
        "target": "acmetest_hello:cli",
        "kind": "command",
        "help": "Say hello.",
        "hooks": [],
        "groups": [],
        "reason": None,
        "failure": None,
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("broken", ("failed", "ok", "its module 'acmetest_broken_missing' does not exist")),
        ("old", ("incompatible", "incompatible", "requires acmetest<0.5")),
        ("sleepy", ("inactive", "ok", None)),
    ],
)
def test_info_of_unusable_plugins(
    invoke: Invoke, installed: SiteDir, name: str, expected: tuple[str, str, str | None]
) -> None:
    state, verdict, reason = expected
    data = json_of(invoke("plugins", "info", name, "--format", "json"))
    assert (data["state"], data["verdict"]) == (state, verdict)
    if reason is None:
        assert data["reason"] is None
    else:
        assert reason in data["reason"]
    if name == "broken":
        assert data["failure"] == data["reason"]
        assert data["import_seconds"] is None


def test_info_text(invoke: Invoke, installed: SiteDir) -> None:
    result = invoke("plugins", "info", "sleepy")
    assert result.exit_code == 0, result.output
    fields = dict(line.split(":", 1) for line in result.stdout.splitlines())
    assert fields["Name"].strip() == "sleepy"
    assert fields["State"].strip() == "inactive (disabled)"
    assert fields["Entry point"].strip() == "acmetest_sleepy:cli"
    assert fields["Hooks"].strip() == "not known yet (never loaded)"
    assert invoke("plugins", "info", "-q", "old").stdout == "old 0.3 incompatible\n"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("helo", "Error: Plugin 'helo' not found. Did you mean 'hello'?"),
        ("zzz", "Error: Plugin 'zzz' not found."),
    ],
)
def test_info_of_an_unknown_plugin_is_not_found(
    invoke: Invoke, installed: SiteDir, name: str, message: str
) -> None:
    result = invoke("plugins", "info", name)
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == message
    assert "Run `acmetest plugins list" in lines[1]
    assert "Traceback" not in result.stderr


def test_the_pegboard_command_lists_its_own_plugins(invoke: Invoke, site: SiteDir) -> None:
    add_command_plugin(site, "zapper", group="pegboard.plugins", requires=())
    add_command_plugin(site, "acmetestonly")
    rows = json_of(invoke("plugins", "list", "--format", "json", cli=pegboard_cli))
    # Only pegboard's group counts (the example plugins may be installed too).
    names = {(row["name"], row["distribution"]) for row in rows}
    assert ("zapper", "acmetest-zapper") in names
    assert not [name for name, _ in names if name == "acmetestonly"]
    info = invoke("plugins", "info", "zaper", cli=pegboard_cli)
    assert info.exit_code == 3
    assert "Did you mean 'zapper'?" in info.stderr
