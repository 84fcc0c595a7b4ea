"""The manifest: cached records, cheap freshness, self-healing, safe under concurrent writers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import SiteDir
from pegboard.discovery.entrypoints import discover
from pegboard.discovery.manifest import MAX_BYTES, SCHEMA, Manifest, Scanner, manifest_path
from pegboard.discovery.records import Verdict
from pegboard.host.catalog import Catalog
from pegboard.host.config import HostIdentity, Selection

GROUP = "testhost.plugins"
HOST = HostIdentity("testhost", "1.0", "1.0", "testhost")


def catalog() -> Catalog:
    return Catalog(HOST, Selection())


def add_hello(site: SiteDir, target: str = "hellomod:cli", version: str = "1.0") -> None:
    site.add("hello", version, entry_points={GROUP: {"hello": target}})


def record_rows(path: Path) -> list[list[object]]:
    """Return the record rows of the manifest at ``path`` (its lines after the fourth)."""
    lines = path.read_text().split("\n")[4:]
    return [json.loads(line)[:-1] for line in lines if line]


def rewrite_row(path: Path, index: int, row: object) -> None:
    """Replace the row of record line ``index`` of the manifest at ``path``."""
    lines = path.read_text().split("\n")
    folder = json.loads(lines[4 + index])[-1]
    lines[4 + index] = json.dumps([*row, folder] if isinstance(row, list) else row)
    path.write_text("\n".join(lines))


def test_manifest_lives_in_the_user_cache_dir(site: SiteDir, tmp_path: Path) -> None:
    add_hello(site)
    path = Path(catalog().manifest.path)
    assert path.parent == tmp_path / "cache" / "testhost"
    (row,) = [row for row in record_rows(path) if row[0] == "hello"]
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
        "\xff\xfe not UTF-8",
        "[" * 100_000 + "]" * 100_000 + "\n[]\n{}\n{}\n",
    ],
    ids=[
        "empty",
        "truncated",
        "wrong-shape",
        "wrong-schema",
        "wrong-types",
        "binary",
        "latin",
        "deeply-nested",
    ],
)
def test_a_corrupt_manifest_is_rebuilt(site: SiteDir, content: str) -> None:
    add_hello(site)
    path = Path(catalog().manifest.path)
    path.write_bytes(content.encode("latin-1" if "\xff" in content else "utf-8"))
    manifest = catalog().manifest
    assert manifest.rebuilt
    assert manifest.by_name["hello"].target == "hellomod:cli"
    assert json.loads(path.read_text().split("\n")[0])["schema"] == SCHEMA


@pytest.mark.parametrize("line", [1, 2, 3], ids=["help", "index", "sections"])
def test_a_deeply_nested_section_is_rebuilt_not_a_recursion_error(site: SiteDir, line: int) -> None:
    add_hello(site)
    path = Path(catalog().manifest.path)
    lines = path.read_text().split("\n")
    lines[line] = "[" * 100_000 + "]" * 100_000
    path.write_text("\n".join(lines))
    manifest = catalog().manifest
    assert [row[0] for row in manifest.help_rows()] == ["hello"]
    assert manifest.unlearnt() == ["hello"]
    assert manifest.by_name["hello"].target == "hellomod:cli"


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
    row = record_rows(path)[0]
    row[field] = value
    rewrite_row(path, 0, row)
    manifest = catalog().manifest
    assert manifest.record("hello") is not None
    assert manifest.rebuilt
    assert manifest.by_name["hello"].target == "hellomod:cli"


@pytest.mark.parametrize(
    "row", [[], ["hello"], "hello", None], ids=["empty", "short", "text", "null"]
)
def test_a_manifest_with_a_misshapen_row_is_rebuilt(site: SiteDir, row: object) -> None:
    add_hello(site)
    path = Path(catalog().manifest.path)
    rewrite_row(path, 0, row)
    manifest = catalog().manifest
    assert manifest.by_name["hello"].target == "hellomod:cli"
    assert manifest.rebuilt


def test_a_read_only_cache_still_works(
    site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("TESTHOST_CACHE_DIR", str(blocker / "cache"))
    add_hello(site)
    assert catalog().manifest.by_name["hello"].target == "hellomod:cli"


def test_learnt_facts_survive_a_rebuild_for_unchanged_plugins(site: SiteDir) -> None:
    add_hello(site)
    learnt = catalog().manifest.by_name["hello"].learn(help="Hi.", hooks=("health",), kind="plugin")
    catalog().manifest.learn({"hello": learnt})
    site.add("other", entry_points={GROUP: {"other": "othermod:cli"}})
    manifest = catalog().manifest
    assert manifest.rebuilt
    assert manifest.by_name["hello"].help == "Hi."
    assert manifest.by_name["hello"].hooks == ("health",)
    assert manifest.by_name["other"].hooks is None


def test_concurrent_writers_leave_a_valid_file(tmp_path: Path) -> None:
    site = SiteDir(tmp_path / "site")
    for index in range(300):
        site.add(f"d{index}", entry_points={GROUP: {f"p{index}": f"m{index}:x"}})
    path = str(tmp_path / "cache" / "m.json")
    script = (
        "import sys\n"
        "from pegboard.discovery.manifest import Manifest, Scanner\n"
        f"scanner = Scanner({GROUP!r}, host_distribution='testhost', host_version='1.0')\n"
        "for attempt in range(5):\n"
        "    Manifest(sys.argv[1], [sys.argv[2]], scanner, sys_path=[sys.argv[3]]).load()\n"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, path, f"writer{i}", str(site.path)])
        for i in range(10)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0] * 10
    lines = Path(path).read_text().split("\n")
    assert len(lines) == 4 + 300
    assert not [name for name in os.listdir(tmp_path / "cache") if name.endswith(".tmp")]


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


def scanner(reserved: frozenset[str] = frozenset(), version: str = "1.0") -> Scanner:
    return Scanner(GROUP, host_distribution="testhost", host_version=version, reserved=reserved)


def manifest_of(site: SiteDir, path: Path, *, key: str = "k", **scan: Any) -> Manifest:
    return Manifest(str(path), [key], scanner(**scan), sys_path=[str(site.path)]).load()


def learn_hello(manifest: Manifest, kind: str = "plugin") -> None:
    record = manifest.by_name["hello"]
    manifest.learn({"hello": record.learn(help="Hi.", hooks=("pre_execute",), kind=kind)})


def test_a_fifo_at_the_manifest_path_is_replaced_not_waited_on(
    site: SiteDir, tmp_path: Path
) -> None:
    add_hello(site)
    path = tmp_path / "m.json"
    os.mkfifo(path)
    manifest = manifest_of(site, path)  # would block forever if the FIFO were read
    assert manifest.by_name["hello"].target == "hellomod:cli"
    assert path.is_file()


def test_an_oversized_manifest_is_not_read(site: SiteDir, tmp_path: Path) -> None:
    add_hello(site)
    path = tmp_path / "m.json"
    with path.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)  # sparse: no disk space, no time
    manifest = manifest_of(site, path)
    assert manifest.rebuilt
    assert path.stat().st_size < MAX_BYTES


def test_help_rows_show_the_summary_until_a_plugin_is_learnt(site: SiteDir, tmp_path: Path) -> None:
    site.add(
        "hello",
        metadata_text="Metadata-Version: 2.1\nName: hello\nVersion: 1.0\nSummary: Greets.\n",
        entry_points={GROUP: {"hello": "hellomod:cli"}},
    )
    manifest = manifest_of(site, tmp_path / "m.json")
    assert manifest.help_rows() == [("hello", "Greets.", None, ())]
    assert manifest.unlearnt() == ["hello"]
    learn_hello(manifest)
    again = manifest_of(site, tmp_path / "m.json")
    assert not again.rebuilt
    assert again.help_rows() == [("hello", "Hi.", "plugin", ())]
    assert again.unlearnt() == []
    assert again.implementers("pre_execute") == ["hello"]


@pytest.mark.parametrize("name", ["hello", 'quo"te', "back\\slash", "uni\u00e9", "x\ty"])
def test_one_record_is_found_by_name_without_the_others(
    site: SiteDir, tmp_path: Path, name: str
) -> None:
    site.add("dist", entry_points_text=f"[{GROUP}]\n{name} = m:cli\nzz = m:other\n")
    manifest_of(site, tmp_path / "m.json")
    manifest = manifest_of(site, tmp_path / "m.json")
    record = manifest.record(name)
    assert record is not None
    assert record.name == name
    assert manifest.record("missing") is None
    assert manifest.record(name[:-1]) is None


def test_only_changed_folders_and_dist_infos_are_read_again(site: SiteDir, tmp_path: Path) -> None:
    add_hello(site)
    second = SiteDir(tmp_path / "second")
    second.add("far", entry_points={GROUP: {"far": "farmod:cli"}})
    path = str(tmp_path / "m.json")
    entries = [str(site.path), str(second.path)]
    Manifest(path, ["k"], scanner(), sys_path=entries).load()
    # Edited in place, the files of both plugins change without changing any folder: a
    # rescan that read them again would see the new targets.
    for info in (site.path / "hello-1.0.dist-info", second.path / "far-1.0.dist-info"):
        text = (info / "entry_points.txt").read_text().replace("mod:cli", "mod:edited")
        (info / "entry_points.txt").write_text(text)
    site.add("new", entry_points={GROUP: {"new": "newmod:cli"}})
    manifest = Manifest(path, ["k"], scanner(), sys_path=entries).load()
    assert manifest.rebuilt
    targets = {r.name: r.target for r in manifest.records}
    assert targets == {"hello": "hellomod:cli", "far": "farmod:cli", "new": "newmod:cli"}


def test_reinstalling_the_same_version_drops_what_was_learnt(site: SiteDir, tmp_path: Path) -> None:
    add_hello(site)
    learn_hello(manifest_of(site, tmp_path / "m.json"))
    assert manifest_of(site, tmp_path / "m.json").by_name["hello"].learnt
    shutil.rmtree(site.path / "hello-1.0.dist-info")
    add_hello(site)
    assert not manifest_of(site, tmp_path / "m.json").by_name["hello"].learnt


def test_upgrading_a_plugin_drops_what_was_learnt(site: SiteDir, tmp_path: Path) -> None:
    add_hello(site)
    learn_hello(manifest_of(site, tmp_path / "m.json"))
    shutil.rmtree(site.path / "hello-1.0.dist-info")
    add_hello(site, version="2.0")
    record = manifest_of(site, tmp_path / "m.json").by_name["hello"]
    assert (record.version, record.learnt) == ("2.0", False)


@pytest.mark.parametrize(("kind", "kept"), [("failed", False), ("plugin", True)])
def test_failed_plugins_are_retried_after_a_rescan(
    site: SiteDir, tmp_path: Path, kind: str, kept: bool
) -> None:
    add_hello(site)
    learn_hello(manifest_of(site, tmp_path / "m.json"), kind=kind)
    assert manifest_of(site, tmp_path / "m.json").by_name["hello"].kind == kind
    site.add("other", entry_points={GROUP: {"other": "othermod:cli"}})
    assert manifest_of(site, tmp_path / "m.json").by_name["hello"].learnt is kept


@pytest.mark.parametrize(
    ("change", "verdict"),
    [
        ({"reserved": frozenset({"hello"})}, Verdict.RESERVED),
        ({"version": "0.1"}, Verdict.INCOMPATIBLE),
    ],
    ids=["reserved-names", "host-version"],
)
def test_the_host_key_decides_whether_a_manifest_is_reused(
    site: SiteDir, tmp_path: Path, change: dict[str, Any], verdict: Verdict
) -> None:
    site.add("hello", requires=["testhost>=1.0"], entry_points={GROUP: {"hello": "m:cli"}})
    path = tmp_path / "m.json"
    assert manifest_of(site, path).by_name["hello"].usable
    key = f"{change.get('version', '1.0')},{','.join(change.get('reserved', ()))}"
    manifest = manifest_of(site, path, key=key, **change)
    assert manifest.rebuilt
    assert manifest.by_name["hello"].verdict is verdict


def test_the_catalog_keys_its_manifest_by_host_version_and_reserved_names(
    site: SiteDir,
) -> None:
    base = Catalog(HOST, Selection()).manifest.host_key
    other = Catalog(
        HostIdentity("testhost", "2.0", "1.0", "testhost"), Selection()
    ).manifest.host_key
    reserved = Catalog(HOST.with_reserved(frozenset({"x"})), Selection()).manifest.host_key
    assert len({tuple(base), tuple(other), tuple(reserved)}) == 3


def test_learning_keeps_the_stamps_its_records_were_read_with(
    site: SiteDir, tmp_path: Path
) -> None:
    add_hello(site)
    manifest = manifest_of(site, tmp_path / "m.json")
    site.add("late", entry_points={GROUP: {"late": "latemod:cli"}})  # installed meanwhile
    learn_hello(manifest)
    assert "late" in manifest_of(site, tmp_path / "m.json").by_name


def test_manifest_writes_replace_the_file_atomically(site: SiteDir, tmp_path: Path) -> None:
    add_hello(site)
    path = tmp_path / "m.json"
    manifest = manifest_of(site, path)
    before = path.read_text()
    reader = tmp_path / "reader-view"
    os.link(path, reader)  # a reader holding the old file sees it whole, never half-written
    learn_hello(manifest)
    assert reader.read_text() == before
    assert path.read_text() != before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_editable_plugins_are_relearnt_after_their_source_changes(
    site: SiteDir, tmp_path: Path
) -> None:
    source = tmp_path / "work" / "hellomod.py"
    source.parent.mkdir()
    source.write_text("cli = None\n")
    info = site.add("hello", entry_points={GROUP: {"hello": "hellomod:cli"}})
    (info / "direct_url.json").write_text(
        json.dumps({"url": source.parent.as_uri(), "dir_info": {"editable": True}})
    )
    (site.path / "hello.pth").write_text(str(source.parent) + "\n")
    sys.path.append(str(source.parent))
    try:
        learn_hello(manifest_of(site, tmp_path / "m.json"))
        assert not manifest_of(site, tmp_path / "m.json").rebuilt
        old = source.stat().st_mtime_ns
        os.utime(source, ns=(old + 10**9, old + 10**9))  # the author edits the plugin
        manifest = manifest_of(site, tmp_path / "m.json")
        assert manifest.rebuilt
        assert not manifest.by_name["hello"].learnt
        assert not manifest_of(site, tmp_path / "m.json").rebuilt
    finally:
        sys.path.remove(str(source.parent))


def test_unused_manifests_are_pruned_at_the_next_cold_build(site: SiteDir, tmp_path: Path) -> None:
    add_hello(site)
    cache = tmp_path / "cache"
    cache.mkdir()
    old, recent, other = cache / "manifest-a.json", cache / "manifest-b.json", cache / "keep.txt"
    torn, writing = cache / ".manifest-a.json.1.tmp", cache / ".manifest-b.json.2.tmp"
    for path in (old, recent, other, torn, writing):
        path.write_text("")
    month_ago, two_days_ago = time.time() - 31 * 86400, time.time() - 2 * 86400
    for path, when in ((old, month_ago), (other, month_ago), (torn, two_days_ago)):
        os.utime(path, (when, when))
    manifest_of(site, cache / "manifest-mine.json")
    assert sorted(p.name for p in cache.iterdir()) == [
        ".manifest-b.json.2.tmp",
        "keep.txt",
        "manifest-b.json",
        "manifest-mine.json",
    ]


def test_a_warm_start_marks_an_old_manifest_as_used(site: SiteDir, tmp_path: Path) -> None:
    add_hello(site)
    path = tmp_path / "m.json"
    manifest_of(site, path)
    month_ago = time.time() - 31 * 86400
    os.utime(path, (month_ago, month_ago))
    assert not manifest_of(site, path).rebuilt
    assert path.stat().st_mtime > time.time() - 3600
