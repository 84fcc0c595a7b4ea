from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pegboard._errors import InvalidNameError, StateFileError
from pegboard._state import PluginStates


@pytest.fixture
def states(tmp_path: Path) -> PluginStates:
    return PluginStates(str(tmp_path / "config" / "plugins.json"))


def test_plugins_are_enabled_by_default(states: PluginStates) -> None:
    assert states.disabled() == frozenset()
    assert states.is_enabled("hello")
    assert not os.path.exists(states.path)


def test_disable_and_enable_round_trip_and_persist(states: PluginStates) -> None:
    assert states.disable("hello") is True
    assert states.disable("hello") is False
    assert PluginStates(states.path).disabled() == {"hello"}
    assert states.enable("hello") is True
    assert states.enable("hello") is False
    assert PluginStates(states.path).disabled() == frozenset()


def test_unknown_keys_survive_a_rewrite(states: PluginStates) -> None:
    Path(states.path).parent.mkdir(parents=True)
    Path(states.path).write_text('{"schema": 1, "disabled": [], "future": {"x": 1}}')
    states.disable("a")
    assert '"future"' in Path(states.path).read_text()


@pytest.mark.parametrize("name", ["", "has space", "../x", "a/b"])
def test_bad_names_are_rejected(states: PluginStates, name: str) -> None:
    with pytest.raises(InvalidNameError, match="Invalid plugin name"):
        states.disable(name)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"disabled": ["a"', "not valid JSON"),
        (b"\x00\xff\xfe garbage", "not valid JSON"),
        (b"[1, 2]", "does not hold a JSON object"),
        (b'{"disabled": "a"}', "not a list of names"),
        (b'{"disabled": [1, 2]}', "not a list of names"),
    ],
)
def test_corrupt_file_is_moved_aside_and_reported_once(
    states: PluginStates, content: bytes, why: str
) -> None:
    Path(states.path).parent.mkdir(parents=True)
    Path(states.path).write_bytes(content)
    assert states.disabled() == frozenset()
    assert len(states.notices) == 1
    assert why in states.notices[0]
    kept = [p for p in Path(states.path).parent.iterdir() if ".corrupt-" in p.name]
    assert [p.read_bytes() for p in kept] == [content]
    assert not os.path.exists(states.path)
    # Once moved aside the file is gone, so nothing more is said.
    again = PluginStates(states.path)
    assert again.disabled() == frozenset()
    assert again.notices == []
    assert again.disable("x") is True


def test_unwritable_folder_raises_an_actionable_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    states = PluginStates(str(blocker / "plugins.json"))
    with pytest.raises(StateFileError, match="Cannot save plugin state") as caught:
        states.disable("hello")
    assert caught.value.hint is not None
    assert "CONFIG_DIR" in caught.value.hint


def test_config_folder_follows_xdg_and_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert PluginStates.for_host("acme").path == str(tmp_path / "config" / "acme" / "plugins.json")
    monkeypatch.setenv("ACME_CONFIG_DIR", str(tmp_path / "elsewhere"))
    assert PluginStates.for_host("acme").path == str(tmp_path / "elsewhere" / "plugins.json")


def test_reading_does_not_import_filelock(states: PluginStates) -> None:
    states.disable("x")
    code = (
        "import sys; from pegboard._state import PluginStates; "
        f"print(sorted(PluginStates({states.path!r}).disabled())); "
        "print('filelock' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['x']", "False"]


def test_concurrent_writers_lose_no_update(states: PluginStates) -> None:
    code = (
        "import sys; from pegboard._state import PluginStates; "
        "PluginStates(sys.argv[1]).set_enabled(sys.argv[2], sys.argv[3] == 'on')"
    )
    names = [f"plugin{i}" for i in range(20)]
    for name in names[10:]:
        states.disable(name)
    # The first ten get disabled, the last ten enabled again, all at once.
    processes = [
        subprocess.Popen([sys.executable, "-c", code, states.path, name, "off" if i < 10 else "on"])
        for i, name in enumerate(names)
    ]
    assert [p.wait(timeout=60) for p in processes] == [0] * 20
    assert PluginStates(states.path).disabled() == set(names[:10])
