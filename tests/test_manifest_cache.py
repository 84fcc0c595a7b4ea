"""The manifest: cached records, cheap freshness, self-healing, safe under concurrent writers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SiteDir
from pegboard.discovery.entrypoints import discover
from pegboard.discovery.manifest import SCHEMA, Manifest, manifest_path
from pegboard.discovery.records import PluginRecord, Verdict
from pegboard.host.catalog import Catalog
from pegboard.host.config import HostIdentity, Selection

GROUP = "testhost.plugins"
HOST = HostIdentity("testhost", "1.0", "1.0", "testhost")


def catalog() -> Catalog:
    return Catalog(HOST, Selection())


def add_hello(site: SiteDir, target: str = "hellomod:cli", version: str = "1.0") -> None:
    site.add("hello", version, entry_points={GROUP: {"hello": target}})


def test_manifest_lives_in_the_user_cache_dir(site: SiteDir, tmp_path: Path) -> None:
    add_hello(site)
    path = Path(catalog().manifest.path)
    assert path.parent == tmp_path / "cache" / "testhost"
    data = json.loads(path.read_text())
    (row,) = [row for row in data["plugins"] if row[0] == "hello"]
    assert row[:5] == ["hello", "hellomod:cli", "hello", "1.0", "ok"]


def test_cache_dir_override(site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTHOST_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert Path(catalog().manifest.path).parent == tmp_path / "elsewhere"


def test_a_warm_start_does_not_rebuild(site: SiteDir) -> None:
    add_hello(site)
    assert catalog().manifest.rebuilt
    again = catalog().manifest
    assert not again.rebuilt
    assert again.by_name["hello"].target == "hellomod:cli"


def test_new_and_removed_distributions_are_noticed(site: SiteDir) -> None:
    add_hello(site)
    assert set(catalog().manifest.by_name) >= {"hello"}
    site.add("other", entry_points={GROUP: {"other": "othermod:cli"}})
    assert set(catalog().manifest.by_name) >= {"hello", "other"}
    shutil.rmtree(site.path / "other-1.0.dist-info")
    assert "other" not in catalog().manifest.by_name


def test_reinstall_within_the_same_second_is_noticed(site: SiteDir) -> None:
    add_hello(site)
    assert catalog().manifest.by_name["hello"].target == "hellomod:cli"
    # pip removes the old .dist-info and writes a new one: do that at once.
    shutil.rmtree(site.path / "hello-1.0.dist-info")
    add_hello(site, target="hellomod:new_cli", version="1.0")
    assert catalog().manifest.by_name["hello"].target == "hellomod:new_cli"


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{",
        "[]",
        '{"schema": 999}',
        '{"schema": 1, "plugins": "nope"}',
        "\x00\x01binary",
    ],
    ids=["empty", "truncated", "wrong-shape", "wrong-schema", "wrong-types", "binary"],
)
def test_a_corrupt_manifest_is_rebuilt(site: SiteDir, content: str) -> None:
    add_hello(site)
    path = Path(catalog().manifest.path)
    path.write_text(content)
    manifest = catalog().manifest
    assert manifest.rebuilt
    assert manifest.by_name["hello"].target == "hellomod:cli"
    assert json.loads(path.read_text())["schema"] == SCHEMA


@pytest.mark.parametrize(
    ("field", "value"),
    [(0, None), (1, 3), (4, "not a verdict"), (7, ["health"]), (10, None), (11, "1.5")],
    ids=["name", "target", "verdict", "hooks", "groups", "import-seconds"],
)
def test_a_manifest_with_malformed_records_is_rebuilt(
    site: SiteDir, field: int, value: object
) -> None:
    add_hello(site)
    path = Path(catalog().manifest.path)
    data = json.loads(path.read_text())
    data["plugins"][0][field] = value
    path.write_text(json.dumps(data))
    manifest = catalog().manifest
    assert manifest.rebuilt
    assert manifest.by_name["hello"].target == "hellomod:cli"


@pytest.mark.parametrize(
    "row", [[], ["hello"], "hello", None], ids=["empty", "short", "text", "null"]
)
def test_a_manifest_with_a_misshapen_row_is_rebuilt(site: SiteDir, row: object) -> None:
    add_hello(site)
    path = Path(catalog().manifest.path)
    data = json.loads(path.read_text())
    data["plugins"].append(row)
    path.write_text(json.dumps(data))
    assert catalog().manifest.rebuilt


def test_a_read_only_cache_still_works(
    site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("TESTHOST_CACHE_DIR", str(blocker / "cache"))
    add_hello(site)
    assert catalog().manifest.by_name["hello"].target == "hellomod:cli"


def test_learnt_facts_survive_a_rebuild_for_unchanged_plugins(tmp_path: Path) -> None:
    path = str(tmp_path / "m.json")
    known = PluginRecord("a", "amod:x", "a", "1.0").learn(
        help="A.", hooks=("health",), kind="plugin"
    )
    Manifest(path, ["k"], sys_path=[str(tmp_path)]).load(lambda: [known])
    (tmp_path / "touch").write_text("")  # the path changed: the next load rebuilds
    fresh = [PluginRecord("a", "amod:x", "a", "1.0"), PluginRecord("b", "bmod:x", "b", "1.0")]
    manifest = Manifest(path, ["k"], sys_path=[str(tmp_path)])
    manifest.load(lambda: fresh)
    assert manifest.rebuilt
    assert manifest.by_name["a"].help == "A."
    assert manifest.by_name["a"].hooks == ("health",)
    assert manifest.by_name["b"].hooks is None


def test_concurrent_writers_leave_a_valid_file(tmp_path: Path) -> None:
    path = str(tmp_path / "m.json")
    script = (
        "import sys\n"
        "from pegboard.discovery.manifest import Manifest\n"
        "from pegboard.discovery.records import PluginRecord\n"
        "records = [PluginRecord(f'p{i}', f'm{i}:x', f'd{i}', '1.0') for i in range(300)]\n"
        "for attempt in range(5):\n"
        "    Manifest(sys.argv[1], [sys.argv[2]], sys_path=[]).load(lambda: records)\n"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, path, f"writer{i}"]) for i in range(10)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0] * 10
    data = json.loads(Path(path).read_text())
    assert len(data["plugins"]) == 300
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_manifest_files_are_keyed_by_interpreter_and_path(tmp_path: Path) -> None:
    first = manifest_path(str(tmp_path), GROUP, ["/a", "/b"])
    assert first == manifest_path(str(tmp_path), GROUP, ["/a", "/b"])
    assert first != manifest_path(str(tmp_path), GROUP, ["/b", "/a"])


@pytest.mark.parametrize(
    ("requirement", "verdict"),
    [
        ("testhost>=0.5", Verdict.OK),
        ("testhost<0.5", Verdict.INCOMPATIBLE),
        ("testhost>=2; python_version > '3'", Verdict.INCOMPATIBLE),
        ("testhost>=2; extra == 'docs'", Verdict.OK),
        ("TestHost>=2", Verdict.INCOMPATIBLE),
        ("testhost", Verdict.OK),
        ("other>=99", Verdict.OK),
        ("not a valid requirement!!", Verdict.OK),
    ],
)
def test_compatibility_from_requires_dist(
    site: SiteDir, requirement: str, verdict: Verdict
) -> None:
    site.add("plug", requires=[requirement], entry_points={GROUP: {"plug": "plugmod:x"}})
    (record,) = [
        r
        for r in discover(GROUP, host_distribution="testhost", host_version="1.0")
        if r.name == "plug"
    ]
    assert record.verdict is verdict
    if verdict is Verdict.INCOMPATIBLE:
        assert record.reason is not None
        assert "1.0 is installed" in record.reason
