"""Incremental rescans: what a manifest keeps between them, and that keeping it changes nothing.

After an install the manifest reads only the new or replaced metadata folders; it keeps the
other records' lines, the host's distribution and the verdicts on requirements naming the
host. Each test here compares with what a scan from scratch finds, or checks when a kept fact
is found again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from conftest import SiteDir
from pegboard.discovery.manifest import Manifest, Scanner
from pegboard.discovery.records import Verdict

GROUP = "testhost.plugins"


class Lookups:
    """The host distribution as a callable, counting how often a scan asked for it."""

    def __init__(self, name: str = "testhost") -> None:
        self.name = name
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.name


def load(path: Path, entries: list[Path], host: str | Callable[[], str] = "testhost") -> Manifest:
    scanner = Scanner(GROUP, host_distribution=host, host_version="1.0", reserved={"builtin"})
    return Manifest(str(path), ["k"], scanner, sys_path=[str(e) for e in entries]).load()


def body(path: Path) -> list[str]:
    """Return every line of the manifest at ``path`` but the header."""
    return path.read_text().split("\n")[1:]


def header(path: Path) -> dict[str, object]:
    result: dict[str, object] = json.loads(path.read_text().split("\n", 1)[0])
    return result


def set_header(path: Path, **fields: object) -> None:
    """Change header fields (the CRC covers the other lines: the file stays valid)."""
    first, rest = path.read_text().split("\n", 1)
    path.write_text(json.dumps({**json.loads(first), **fields}) + "\n" + rest)


def seal(path: Path, lines: list[str]) -> None:
    """Write ``lines`` as the manifest's body with a matching CRC, as a writer would."""
    data = "\n".join(lines).encode()
    first = path.read_text().split("\n", 1)[0]
    path.write_text(json.dumps({**json.loads(first), "crc": zlib.crc32(data)}) + "\n")
    with path.open("ab") as stream:
        stream.write(data)


def plugin(site: SiteDir, dist: str, name: str, requires: Sequence[str] = ()) -> Path:
    return site.add(dist, requires=requires, entry_points={GROUP: {name: f"{name}mod:cli"}})


def replace(site: SiteDir, dist: str, name: str, target: str) -> None:
    shutil.rmtree(site.path / f"{dist}-1.0.dist-info")
    site.add(dist, entry_points={GROUP: {name: target}})


def non_utf8(site: SiteDir, dist: str) -> None:
    info = plugin(site, dist, dist)
    (info / "METADATA").write_bytes(b"Metadata-Version: 2.1\nName: \xff\xfe\nVersion: 1.0\n")


CHANGES: dict[str, Callable[[SiteDir, SiteDir], object]] = {
    "added": lambda site, _: plugin(site, "new", "new"),
    "replaced-same-name": lambda site, _: replace(site, "alpha", "alpha", "alphamod:other"),
    "removed": lambda site, _: shutil.rmtree(site.path / "beta-1.0.dist-info"),
    "duplicate-name": lambda site, _: plugin(site, "gamma", "alpha"),
    "duplicate-removed": lambda site, _: shutil.rmtree(site.path / "twin-1.0.dist-info"),
    "shadowing": lambda _, far: plugin(far, "alpha", "alpha"),
    "shadowed-removed": lambda site, _: shutil.rmtree(site.path / "far-1.0.dist-info"),
    "reserved": lambda site, _: plugin(site, "clash", "builtin"),
    "non-utf8-metadata": lambda site, _: non_utf8(site, "broken"),
    "incompatible": lambda site, _: plugin(site, "old", "old", requires=["testhost<1"]),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_rescan_writes_what_a_scan_from_scratch_writes(tmp_path: Path, change: str) -> None:
    far, site = SiteDir(tmp_path / "far"), SiteDir(tmp_path / "site")
    far.path.mkdir()
    for dist in ("alpha", "beta"):
        plugin(site, dist, dist, requires=["testhost>=1"])
    plugin(site, "twin", "beta")  # a duplicate of beta's plugin name
    plugin(far, "far", "far")
    plugin(site, "far", "shadowed")  # the same distribution, later on the path
    entries = [far.path, site.path]
    load(tmp_path / "kept.json", entries)
    CHANGES[change](site, far)
    kept = load(tmp_path / "kept.json", entries)
    fresh = load(tmp_path / "fresh.json", entries)
    assert kept.rebuilt
    assert kept.records == fresh.records
    assert body(tmp_path / "kept.json") == body(tmp_path / "fresh.json")


def test_the_host_distribution_is_looked_up_once_and_kept(tmp_path: Path) -> None:
    site = SiteDir(tmp_path / "site")
    plugin(site, "first", "first", requires=["testhost>=1"])
    lookups = Lookups()
    load(tmp_path / "m.json", [site.path], lookups)
    assert lookups.calls == 1
    assert header(tmp_path / "m.json")["distribution"] == "testhost"
    plugin(site, "late", "late", requires=["TestHost<1"])
    again = Lookups()
    manifest = load(tmp_path / "m.json", [site.path], again)
    assert again.calls == 0
    assert manifest.by_name["late"].verdict is Verdict.INCOMPATIBLE
    assert manifest.by_name["first"].usable


@pytest.mark.parametrize("change", ["replaced", "removed"])
def test_the_host_distribution_is_looked_up_again_when_its_folder_changes(
    tmp_path: Path, change: str
) -> None:
    site = SiteDir(tmp_path / "site")
    site.add("testhost")
    plugin(site, "plug", "plug", requires=["notes-app>=2"])
    load(tmp_path / "m.json", [site.path], Lookups())
    shutil.rmtree(site.path / "testhost-1.0.dist-info")
    if change == "replaced":  # reinstalled at the same version
        site.add("testhost")
    renamed = Lookups("notes-app")  # now published under another name
    manifest = load(tmp_path / "m.json", [site.path], renamed)
    assert renamed.calls == 1
    assert header(tmp_path / "m.json")["distribution"] == "notes-app"
    assert manifest.by_name["plug"].verdict is Verdict.INCOMPATIBLE


@pytest.mark.parametrize(
    "fields",
    [{"distribution": 5}, {"requirements": {"testhost<1": 7}}, {"requirements": ["x"]}],
    ids=["distribution", "verdict", "requirements"],
)
def test_malformed_kept_host_facts_are_found_again(
    tmp_path: Path, fields: dict[str, object]
) -> None:
    site = SiteDir(tmp_path / "site")
    plugin(site, "first", "first", requires=["testhost<1"])
    load(tmp_path / "m.json", [site.path])
    set_header(tmp_path / "m.json", **fields)
    plugin(site, "late", "late", requires=["testhost<1"])
    manifest = load(tmp_path / "m.json", [site.path])
    assert manifest.by_name["late"].verdict is Verdict.INCOMPATIBLE
    assert header(tmp_path / "m.json")["distribution"] == "testhost"
    assert header(tmp_path / "m.json")["requirements"] == {
        "testhost<1": "requires testhost<1 but 1.0 is installed; install a release of the "
        "plugin made for 1.0"
    }


def test_kept_verdicts_are_used_for_new_plugins(tmp_path: Path) -> None:
    site = SiteDir(tmp_path / "site")
    plugin(site, "first", "first", requires=["testhost>=1"])
    load(tmp_path / "m.json", [site.path])
    set_header(tmp_path / "m.json", requirements={"testhost>=1": "kept verdict"})
    plugin(site, "late", "late", requires=["testhost>=1"])
    manifest = load(tmp_path / "m.json", [site.path])
    assert manifest.by_name["late"].reason == "kept verdict"
    assert manifest.by_name["first"].usable  # read before, not judged again


def test_two_records_on_one_line_make_a_rescan_start_from_scratch(tmp_path: Path) -> None:
    site = SiteDir(tmp_path / "site")
    plugin(site, "alpha", "alpha")
    plugin(site, "beta", "beta")
    path = tmp_path / "m.json"
    load(path, [site.path])
    lines = body(path)
    seal(path, [*lines[:3], lines[3] + "," + lines[4]])  # same values, one line fewer
    plugin(site, "new", "new")
    manifest = load(path, [site.path])
    assert sorted(r.name for r in manifest.records) == ["alpha", "beta", "new"]
    assert len(body(path)) == 3 + 3


def test_concurrent_rescans_after_an_install_leave_a_complete_file(tmp_path: Path) -> None:
    site = SiteDir(tmp_path / "site")
    for index in range(200):
        plugin(site, f"d{index}", f"p{index}")
    path = tmp_path / "m.json"
    load(path, [site.path])
    plugin(site, "late", "late")
    script = (
        "import sys\n"
        "from pegboard.discovery.manifest import Manifest, Scanner\n"
        f"scanner = Scanner({GROUP!r}, host_distribution='testhost', host_version='1.0',"
        " reserved={'builtin'})\n"
        "Manifest(sys.argv[1], ['k'], scanner, sys_path=[sys.argv[2]]).load()\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(path), str(site.path)])
        for _ in range(8)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0] * 8
    manifest = load(path, [site.path])
    assert not manifest.rebuilt
    assert len(manifest.records) == 201
    load(tmp_path / "fresh.json", [site.path])
    assert body(path) == body(tmp_path / "fresh.json")
