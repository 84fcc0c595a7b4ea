from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pegboard._errors import InvalidNameError, StateFileError
from pegboard.host import config
from pegboard.host.config import environment_key
from pegboard.host.jsonstore import MAX_BYTES
from pegboard.host.state import PluginStates


@pytest.fixture
def states(tmp_path: Path) -> PluginStates:
    return PluginStates(str(tmp_path / "config" / "plugins.json"))


def write_state(states: PluginStates, content: bytes) -> None:
    Path(states.path).parent.mkdir(parents=True, exist_ok=True)
    Path(states.path).write_bytes(content)


def run_python(code: str, *args: str) -> str:
    """Run ``code`` in a fresh interpreter (fresh ``sys.modules``) and return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_plugins_are_enabled_by_default(states: PluginStates) -> None:
    assert states.disabled() == frozenset()
    assert states.is_enabled("hello")
    assert states.notices == []
    assert not os.path.exists(states.path)


def test_enabling_a_plugin_never_disabled_changes_nothing(states: PluginStates) -> None:
    assert states.enable("hello") is False
    assert not os.path.exists(states.path)


def test_choices_survive_a_new_instance(states: PluginStates) -> None:
    assert states.disable("hello") is True
    assert states.disable("hello") is False
    assert states.disable("abc") is True
    again = PluginStates(states.path)
    assert again.disabled() == {"hello", "abc"}
    assert not again.is_enabled("hello")
    assert again.is_enabled("other")
    assert json.loads(Path(states.path).read_text()) == {"schema": 1, "disabled": ["abc", "hello"]}
    assert again.enable("hello") is True
    assert again.enable("hello") is False
    assert PluginStates(states.path).disabled() == {"abc"}


def test_unknown_keys_survive_a_rewrite(states: PluginStates) -> None:
    write_state(states, b'{"schema": 1, "disabled": ["b"], "future": {"x": 1}}')
    assert states.disable("a") is True
    assert json.loads(Path(states.path).read_text()) == {
        "schema": 1,
        "disabled": ["a", "b"],
        "future": {"x": 1},
    }


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("hello", None),
        ("db-tools", None),
        ("", "it is empty"),
        ("has space", "whitespace or a path separator"),
        ("a/b", "whitespace or a path separator"),
        ("..", "whitespace or a path separator"),
    ],
)
def test_names_are_validated(states: PluginStates, name: str, error: str | None) -> None:
    if error is None:
        assert states.disable(name) is True
        assert states.disabled() == {name}
    else:
        with pytest.raises(InvalidNameError, match=error):
            states.disable(name)
        with pytest.raises(InvalidNameError, match=error):
            states.enable(name)
        assert not os.path.exists(states.path)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        pytest.param(b"{not json", "not valid JSON", id="invalid-json"),
        pytest.param(b'{"schema": 1, "disabled": ["a"', "not valid JSON", id="truncated"),
        pytest.param(b"", "not valid JSON", id="empty"),
        pytest.param(b"\x00\xff\xfe garbage", "not valid JSON", id="binary"),
        pytest.param(b"[1, 2]", "does not hold a JSON object", id="list"),
        pytest.param(b'"disabled"', "does not hold a JSON object", id="string"),
        pytest.param(b'{"disabled": "a"}', "not a list of names", id="disabled-string"),
        pytest.param(b'{"disabled": null}', "not a list of names", id="disabled-null"),
        pytest.param(b'{"disabled": [1, 2]}', "not a list of names", id="disabled-numbers"),
        pytest.param(b'{"schema": "1", "disabled": []}', "'schema' entry", id="schema-string"),
        pytest.param(None, "not a regular file", id="directory"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "nested too deeply", id="deeply-nested"),
        pytest.param(b" " * (MAX_BYTES + 1) + b"{}", "larger than", id="huge"),
    ],
)
def test_corrupt_file_is_moved_aside_and_reported_once(
    states: PluginStates, content: bytes | None, why: str
) -> None:
    if content is None:
        (Path(states.path) / "inside").mkdir(parents=True)
    else:
        write_state(states, content)

    assert states.disabled() == frozenset()
    assert states.is_enabled("a")  # reads again: the file is gone, nothing more to say

    assert len(states.notices) == 1
    assert why in states.notices[0]
    assert "was kept as" in states.notices[0]
    [kept] = [p for p in Path(states.path).parent.iterdir() if ".corrupt-" in p.name]
    assert str(kept) in states.notices[0]
    if content is None:
        assert (kept / "inside").is_dir()
    else:
        assert kept.read_bytes() == content
    assert not os.path.exists(states.path)

    again = PluginStates(states.path)
    assert again.disabled() == frozenset()
    assert again.notices == []
    assert again.disable("x") is True
    assert again.disabled() == {"x"}


def test_a_write_over_a_corrupt_file_reports_it_and_keeps_it(states: PluginStates) -> None:
    write_state(states, b"{oops")
    assert states.disable("x") is True
    assert len(states.notices) == 1
    assert "not valid JSON" in states.notices[0]
    assert PluginStates(states.path).disabled() == {"x"}
    [kept] = [p for p in Path(states.path).parent.iterdir() if ".corrupt-" in p.name]
    assert kept.read_bytes() == b"{oops"


def test_reader_never_sets_aside_the_file_a_writer_just_replaced(states: PluginStates) -> None:
    """A lock-free reader found a corrupt file; before it repairs it, a writer fixes it.

    An audit hook plays the writer at the moment the reader opens the lock file, i.e. after
    it read the corrupt content: the reader must return the writer's data and keep it.
    """
    write_state(states, b"{corrupt")
    out = run_python(
        """
        import json, sys
        from pegboard.discovery.atomic import write_atomic
        from pegboard.host.state import PluginStates

        path = sys.argv[1]
        fixed = []

        def writer(event, args):
            if event == "open" and str(args[0]) == path + ".lock" and not fixed:
                fixed.append(True)
                write_atomic(path, '{"schema": 1, "disabled": ["w"]}')

        sys.addaudithook(writer)
        states = PluginStates(path)
        print(json.dumps([sorted(states.disabled()), states.notices, fixed]))
        """,
        states.path,
    )
    assert json.loads(out) == [["w"], [], [True]]
    assert PluginStates(states.path).disabled() == {"w"}
    assert not [p for p in Path(states.path).parent.iterdir() if ".corrupt-" in p.name]


@pytest.mark.parametrize(
    "blocked",
    [
        pytest.param("folder", id="config-folder-is-a-file"),
        pytest.param("lock", id="lock-path-is-a-folder"),
    ],
)
def test_failed_write_names_the_file_and_what_to_do(tmp_path: Path, blocked: str) -> None:
    if blocked == "folder":
        (tmp_path / "config").write_text("")
    else:
        (tmp_path / "config" / "plugins.json.lock" / "x").mkdir(parents=True)
    path = str(tmp_path / "config" / "plugins.json")
    states = PluginStates(path)
    assert states.disabled() == frozenset()
    with pytest.raises(StateFileError, match=re.escape(f"Cannot save plugin state to {path}")) as e:
        states.disable("hello")
    assert states.notices == []  # no file was there: nothing is corrupt
    assert e.value.plugin == "hello"
    assert e.value.hint is not None
    assert f"Check that the folder is writable ({tmp_path / 'config'})" in e.value.hint
    assert "CONFIG_DIR" in e.value.hint


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="permission bits do not stop root (or Windows) from writing",
)
def test_read_only_config_folder_raises_state_file_error(states: PluginStates) -> None:
    folder = Path(states.path).parent
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(StateFileError, match="Cannot save plugin state"):
            states.disable("hello")
        assert states.disabled() == frozenset()
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize(
    ("host", "variables", "expected"),
    [
        ("pegboard", {}, "config/pegboard"),
        ("pegboard", {"XDG_CONFIG_HOME": "xdg"}, "xdg/pegboard"),
        ("pegboard", {"PEGBOARD_CONFIG_DIR": "elsewhere"}, "elsewhere"),
        ("pegboard", {"XDG_CONFIG_HOME": "xdg", "PEGBOARD_CONFIG_DIR": "over"}, "over"),
        ("my-tool", {"MY_TOOL_CONFIG_DIR": "mine", "PEGBOARD_CONFIG_DIR": "not-mine"}, "mine"),
    ],
)
def test_state_file_lives_in_the_host_config_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    variables: dict[str, str],
    expected: str,
) -> None:
    # conftest points XDG_CONFIG_HOME at tmp_path / "config".
    for variable, folder in variables.items():
        monkeypatch.setenv(variable, str(tmp_path / folder))
    states = PluginStates.for_host(host)
    home = tmp_path / expected / "environments" / environment_key(sys.prefix)
    assert states.path == str(home / "plugins.json")
    states.disable("hello")
    assert PluginStates(str(home / "plugins.json")).disabled() == {"hello"}
    assert json.loads((home / "plugins.json").read_text())["environment"] == sys.prefix


@pytest.mark.parametrize("variable", ["XDG_CONFIG_HOME", "HOME"])
def test_a_relative_folder_variable_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XDG_CONFIG_HOME")
    expected = config.config_dir("acme")
    monkeypatch.setenv(variable, "relative")
    assert config.config_dir("acme") == expected
    assert os.path.isabs(config.config_dir("acme"))
    assert os.path.isabs(config.cache_dir("acme"))


def test_choices_belong_to_one_environment(tmp_path: Path) -> None:
    first, second = str(tmp_path / "venv-a"), str(tmp_path / "venv-b")
    PluginStates.for_host("acme", first).disable("hello")
    assert PluginStates.for_host("acme", first).disabled() == {"hello"}
    assert PluginStates.for_host("acme", second).disabled() == frozenset()
    # The same path is the same environment, even once the folder was deleted and recreated.
    assert PluginStates.for_host("acme", first + "/").disabled() == {"hello"}
    assert environment_key(first) != environment_key(second)


def test_the_user_wide_file_of_earlier_releases_is_migrated_once(tmp_path: Path) -> None:
    legacy = Path(config.config_dir("acme")) / "plugins.json"
    legacy.parent.mkdir(parents=True)
    legacy.write_text('{"schema": 1, "disabled": ["hello"], "future": 1}')
    here = PluginStates.for_host("acme", str(tmp_path / "here"))
    assert here.disabled() == {"hello"}
    [notice] = here.notices
    assert "now apply to this environment" in notice
    assert not legacy.exists()
    assert json.loads(Path(here.path).read_text())["future"] == 1
    assert Path(f"{legacy}.migrated").exists()
    assert PluginStates.for_host("acme", str(tmp_path / "other")).disabled() == frozenset()
    assert PluginStates.for_host("acme", str(tmp_path / "here")).notices == []


def test_a_corrupt_user_wide_file_is_set_aside_not_migrated(tmp_path: Path) -> None:
    legacy = Path(config.config_dir("acme")) / "plugins.json"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"{broken")
    states = PluginStates.for_host("acme", str(tmp_path / "here"))
    assert states.disabled() == frozenset()
    assert any("not valid JSON" in notice for notice in states.notices)
    assert [p.name for p in legacy.parent.iterdir() if ".corrupt-" in p.name]


def test_a_byte_order_mark_is_read_fine(states: PluginStates) -> None:
    write_state(states, b'\xef\xbb\xbf{"schema": 1, "disabled": ["hello"]}')
    assert states.disabled() == {"hello"}
    assert states.notices == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs exist on POSIX only")
def test_a_fifo_in_place_of_the_file_never_hangs(states: PluginStates) -> None:
    Path(states.path).parent.mkdir(parents=True)
    os.mkfifo(states.path)
    assert states.disabled() == frozenset()
    assert "not a regular file" in states.notices[0]
    assert not os.path.lexists(states.path)
    assert states.disable("x") is True


def test_a_symlinked_file_is_written_through_its_link(states: PluginStates, tmp_path: Path) -> None:
    kept = tmp_path / "dotfiles" / "acme.json"
    kept.parent.mkdir()
    kept.write_text('{"schema": 1, "disabled": ["a"]}')
    Path(states.path).parent.mkdir(parents=True)
    os.symlink(kept, states.path)
    assert states.disable("b") is True
    assert os.path.islink(states.path)
    assert json.loads(kept.read_text())["disabled"] == ["a", "b"]
    assert PluginStates(states.path).disabled() == {"a", "b"}


def test_a_symlinked_lock_file_gets_an_accurate_hint(states: PluginStates, tmp_path: Path) -> None:
    Path(states.path).parent.mkdir(parents=True)
    os.symlink(tmp_path / "elsewhere", states.path + ".lock")
    with pytest.raises(StateFileError, match="Cannot save plugin state") as error:
        states.disable("hello")
    assert "is a symbolic link" in str(error.value.hint)
    assert "delete the link" in str(error.value.hint)
    assert not (tmp_path / "elsewhere").exists()


def test_reading_imports_neither_filelock_nor_the_writer(states: PluginStates) -> None:
    states.disable("x")
    out = run_python(
        """
        import sys
        from pegboard.host.state import PluginStates

        states = PluginStates(sys.argv[1])
        print(sorted(states.disabled()), states.is_enabled("x"), states.notices)
        print([m for m in ("filelock", "pegboard.discovery.atomic", "logging") if m in sys.modules])
        """,
        states.path,
    )
    assert out.splitlines() == ["['x'] False []", "[]"]


def test_concurrent_writers_lose_no_update(states: PluginStates) -> None:
    code = (
        "import sys; from pegboard.host.state import PluginStates; "
        "sys.exit(not PluginStates(sys.argv[1]).set_enabled(sys.argv[2], sys.argv[3] == 'on'))"
    )
    names = [f"plugin{i:02}" for i in range(20)]
    for name in names[10:]:
        states.disable(name)
    # All twenty start before any is waited for: ten disable, ten enable again.
    processes = [
        subprocess.Popen([sys.executable, "-c", code, states.path, name, "off" if i < 10 else "on"])
        for i, name in enumerate(names)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0] * 20  # each one changed something
    assert PluginStates(states.path).disabled() == set(names[:10])
    assert json.loads(Path(states.path).read_text())["disabled"] == names[:10]
