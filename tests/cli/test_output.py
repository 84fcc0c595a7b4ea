"""Output formats: rows from records, tables, colour, JSON/YAML and the --format precedence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import click
import pytest
import yaml

from conftest import SiteDir
from pegboard.cli._output import (
    LIST_KEYS,
    STATES,
    PluginRow,
    colour,
    plugin_row,
    plugin_state,
    short_reason,
    table,
)
from pegboard.discovery.records import PluginRecord, Verdict

from .conftest import Invoke, add_command_plugin, by_name, json_of

RECORD = PluginRecord("hello", "hello:cli", "acmetest-hello", "1.0")


@pytest.mark.parametrize(
    ("record", "disabled", "state"),
    [
        (RECORD, (), "active"),
        (RECORD.learn(help="Hi.", hooks=(), kind="command"), (), "active"),
        (RECORD, ("hello",), "inactive"),
        (RECORD.learn(help=None, hooks=(), kind="failed", failure="boom"), (), "failed"),
        (RECORD.learn(help=None, hooks=(), kind="failed", failure="x"), ("hello",), "inactive"),
        (RECORD.learn(help="Hi.", hooks=(), kind="plugin", failure="startup raised"), (), "failed"),
        (RECORD.learn(help=None, hooks=(), kind="incompatible", failure="API"), (), "incompatible"),
        (RECORD.refuse(Verdict.INCOMPATIBLE, "old"), (), "incompatible"),
        (RECORD.refuse(Verdict.INCOMPATIBLE, "old"), ("hello",), "incompatible"),
        (RECORD.refuse(Verdict.INVALID, "bad"), (), "invalid"),
        (RECORD.refuse(Verdict.RESERVED, "taken"), (), "reserved"),
        (RECORD.refuse(Verdict.DUPLICATE, "twice"), (), "duplicate"),
        (RECORD.refuse(Verdict.CORRUPT, "broken"), (), "corrupt"),
    ],
)
def test_state_comes_from_the_record_and_the_state_file(
    record: PluginRecord, disabled: tuple[str, ...], state: str
) -> None:
    assert plugin_state(record, disabled) == state
    assert state in STATES


@pytest.mark.parametrize(
    ("measured", "seconds", "slow"),
    [
        (None, 0.25, True),  # what the first load learnt
        ({"hello": 0.01}, 0.01, False),  # timed just now
        ({"hello": None}, None, None),  # timed, but it could not be imported
        ({}, None, None),  # others were timed, this one was not
    ],
)
def test_a_row_takes_the_learnt_or_the_measured_import_time(
    measured: dict[str, float | None] | None, seconds: float | None, slow: bool | None
) -> None:
    record = RECORD.learn(help="Hi.", hooks=(), kind="command", import_seconds=0.25)
    row = plugin_row(record, (), measured=measured)
    assert (row.import_seconds, row.slow) == (seconds, slow)


INFO_LABELS = {
    "Name": "name",
    "Version": "version",
    "Distribution": "distribution",
    "Entry point": "target",
    "Kind": "kind",
    "Reason": "reason",
    "Command help": "help",
}


@pytest.mark.parametrize(
    ("name", "state"),
    [("hello", "active"), ("sleepy", "inactive"), ("broken", "failed"), ("old", "incompatible")],
)
def test_json_and_text_are_printed_from_one_row_with_every_field(
    invoke: Invoke, installed: SiteDir, name: str, state: str
) -> None:
    data = json_of(invoke("plugins", "info", name, "--format", "json"))
    assert set(data) == set(PluginRow._fields)
    assert data["state"] == state
    listed = by_name(json_of(invoke("plugins", "list", "--all", "--format", "json")))[name]
    assert list(listed) == sorted(LIST_KEYS)
    # The list shows the import time learnt at the first load; info measures it afresh.
    assert listed == {key: data[key] for key in LIST_KEYS} | {
        "import_seconds": listed["import_seconds"]
    }
    text = invoke("plugins", "info", name).stdout.splitlines()
    shown = {line[:15].rstrip().removesuffix(":"): line[16:] for line in text}
    assert shown["State"].split()[0] == state
    assert {label: shown.get(label) for label in INFO_LABELS} == {
        label: data[key] for label, key in INFO_LABELS.items()
    }
    (line,) = [
        line
        for line in invoke("plugins", "list", "--all").stdout.splitlines()[1:]
        if line.split()[0] == name
    ]
    assert line.split()[:4] == [data["name"], data["version"], state, data["distribution"]]


def test_states_are_the_documented_ones() -> None:
    assert sorted(STATES) == [
        "active",
        "corrupt",
        "duplicate",
        "failed",
        "inactive",
        "incompatible",
        "invalid",
        "reserved",
    ]


def test_table_aligns_styled_cells_by_their_visible_width() -> None:
    rows: list[dict[str, Any]] = [
        {"name": "a", "state": click.style("failed", fg="red"), "why": None},
        {"name": "longer", "state": "active", "why": "x"},
    ]
    lines = table(rows, [("name", "name"), ("state", "state"), ("why", "why")]).splitlines()
    assert [click.unstyle(line) for line in lines] == [
        "NAME    STATE   WHY",
        "a       failed",
        "longer  active  x",
    ]


@pytest.mark.parametrize(
    ("reason", "short"),
    [
        ("it broke; reinstall it", "it broke"),
        ("no advice here", "no advice here"),
        (None, None),
    ],
)
def test_short_reason_drops_the_advice(reason: str | None, short: str | None) -> None:
    assert short_reason(reason) == short


@pytest.mark.parametrize(
    ("tty", "no_color", "term", "styled"),
    [
        (True, None, "xterm-256color", True),
        (True, None, None, True),
        (True, "1", "xterm-256color", False),
        (True, None, "dumb", False),
        (False, None, "xterm-256color", False),
    ],
)
def test_colour_only_on_a_terminal_that_wants_it(
    monkeypatch: pytest.MonkeyPatch, tty: bool, no_color: str | None, term: str | None, styled: bool
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    for variable, value in (("NO_COLOR", no_color), ("TERM", term)):
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
    assert (colour("x", fg="red") != "x") is styled


@pytest.mark.parametrize(
    ("args", "parse"),
    [
        (("--format", "json", "plugins", "list"), json.loads),
        (("plugins", "list", "--format", "json"), json.loads),
        (("--format", "yaml", "plugins", "list", "--format", "json"), json.loads),
        (("--format", "json", "plugins", "list", "--format", "yaml"), yaml.safe_load),
        (("plugins", "list", "--format", "yaml"), yaml.safe_load),
    ],
)
def test_the_command_format_overrides_the_global_one(
    invoke: Invoke, site: SiteDir, args: tuple[str, ...], parse: Callable[[str], Any]
) -> None:
    add_command_plugin(site, "hello")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert [row["name"] for row in parse(result.stdout)] == ["hello"]


@pytest.mark.parametrize(
    "command", [("plugins", "list"), ("plugins", "info", "hello"), ("doctor",)]
)
@pytest.mark.parametrize("where", ["global", "command"])
def test_yaml_without_pyyaml_is_a_usage_error_that_says_what_to_install(
    invoke: Invoke,
    site: SiteDir,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    where: str,
) -> None:
    add_command_plugin(site, "hello")
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes "import yaml" fail, as if missing
    args = ("--format", "yaml", *command) if where == "global" else (*command, "--format", "yaml")
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "Error: --format yaml needs PyYAML, which is not installed. "
        "Install it with `pip install 'pegboard[yaml]'`, or use --format json."
    )
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(invoke: Invoke, site: SiteDir) -> None:
    result = invoke("--debug", "plugins", "info", "nope")
    assert result.exit_code == 3
    assert "Traceback" in result.stderr


NOISY = """
import os
import click

print("printed at import")
os.write(1, b"written to file descriptor 1 at import\\n")

@click.command()
def cli():
    '''Make noise.'''
"""


@pytest.mark.parametrize(
    "args",
    [
        ("doctor", "--format", "json"),
        ("plugins", "list", "--all", "--format", "json"),
        ("plugins", "info", "noisy", "--format", "json"),
        ("plugins", "check", "--format", "json"),
        ("--format", "yaml", "doctor"),
    ],
)
def test_machine_readable_output_stays_valid_whatever_plugins_print(
    site: SiteDir, args: tuple[str, ...]
) -> None:
    site.add(
        "pegboard-noisy",
        entry_points={"pegboard.plugins": {"noisy": "noisymod:cli"}},
        modules={"noisymod": NOISY},
    )
    # A real process: a write to file descriptor 1 bypasses anything done to sys.stdout.
    result = subprocess.run(
        [sys.executable, "-m", "pegboard", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(site.path)},
        check=False,
    )
    # Nothing before the document (check reports the plugin's output inside it, as data).
    assert not result.stdout.startswith(("printed", "written")), result.stdout
    parsed = yaml.safe_load(result.stdout) if "yaml" in args else json.loads(result.stdout)
    assert "noisy" in json.dumps(parsed)
