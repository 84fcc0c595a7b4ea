"""The recorded plugin set: what was installed through a host, per environment."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from pegboard.host.pluginset import (
    PluginSet,
    Recorded,
    canonical,
    missing_notice,
    validate_set,
)

HELLO = Recorded("Acme_Hello", ("acme-hello>=1",), ("hello",))
EDIT = Recorded("acme-edit", ("--editable=file:///src/edit",), ("edit",))


@pytest.fixture
def plugin_set(tmp_path: Path) -> PluginSet:
    return PluginSet.for_host("acme", str(tmp_path / "venv"))


def test_nothing_recorded_costs_no_file(plugin_set: PluginSet) -> None:
    assert plugin_set.entries() == {}
    assert plugin_set.notice("acme", set()) is None
    plugin_set.forget(["acme-hello"])
    assert not os.path.lexists(plugin_set.path)


def test_record_forget_and_export(plugin_set: PluginSet, tmp_path: Path) -> None:
    plugin_set.record([HELLO, EDIT])
    again = PluginSet.for_host("acme", str(tmp_path / "venv"))
    assert again.entries() == {"acme-hello": HELLO, "acme-edit": EDIT}
    assert json.loads(Path(again.path).read_text())["environment"] == str(tmp_path / "venv")
    assert PluginSet.for_host("acme", str(tmp_path / "other")).entries() == {}
    again.forget(["acme.edit"])
    exported = again.export()
    assert exported == {
        "schema": 1,
        "plugins": {
            "acme-hello": {
                "distribution": "Acme_Hello",
                "install": ["acme-hello>=1"],
                "plugins": ["hello"],
            }
        },
    }
    assert validate_set(json.loads(json.dumps(exported)))["plugins"].keys() == {"acme-hello"}


def test_missing_plugins_are_told_once_per_change(plugin_set: PluginSet) -> None:
    plugin_set.record([HELLO, EDIT])
    assert plugin_set.missing({"acme-hello", "acme-edit"}) == []
    assert plugin_set.notice("acme", {"acme-hello", "acme-edit"}) is None
    line = plugin_set.notice("acme", {"acme-edit"})
    assert line is not None
    assert line.startswith("1 plugin distribution(s) installed through acme are missing")
    assert "(acme-hello)" in line
    assert "run `acme plugins sync`" in line
    assert plugin_set.notice("acme", {"acme-edit"}) is None  # said once
    assert plugin_set.notice("acme", set()) is not None  # a change is told again
    assert plugin_set.notice("acme", {"acme-hello", "acme-edit"}) is None  # back: silent
    assert plugin_set.notice("acme", {"acme-edit"}) is not None  # gone again: told again


def test_the_start_up_function_reads_the_running_environment() -> None:
    assert missing_notice("acme", set()) is None
    PluginSet.for_host("acme", sys.prefix).record([HELLO])
    assert "1 plugin distribution(s)" in str(missing_notice("acme", set()))
    assert missing_notice("acme", set()) is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{oops", "not valid JSON"),
        (b"[]", "does not hold a JSON object"),
        (b'{"plugins": []}', "'plugins' entry is not an object"),
        (b'{"plugins": {"x": {"distribution": "x"}}}', "entry 'x' is not a distribution"),
        (b'{"plugins": {"x": {"distribution": "x", "install": []}}}', "entry 'x'"),
        (b'{"plugins": {}, "missing": "x"}', "'missing' entry is not a list"),
        (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
    ],
)
def test_a_corrupt_plugin_set_is_kept_aside_and_told(
    plugin_set: PluginSet, content: bytes, problem: str
) -> None:
    Path(plugin_set.path).parent.mkdir(parents=True)
    Path(plugin_set.path).write_bytes(content)
    assert plugin_set.entries() == {}
    [notice] = plugin_set.notices
    assert problem in notice
    assert "the plugin set starts empty" in notice
    plugin_set.record([HELLO])
    assert PluginSet(plugin_set.path).entries() == {"acme-hello": HELLO}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Acme_Hello", "acme-hello"), ("a.-_b", "a-b"), ("ABC", "abc"), ("x--y", "x-y")],
)
def test_canonical_names_follow_pep_503(name: str, expected: str) -> None:
    from packaging.utils import canonicalize_name

    assert canonical(name) == expected == canonicalize_name(name)
