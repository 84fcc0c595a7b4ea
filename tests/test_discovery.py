"""Discovery reads entry points and METADATA itself: hostile and odd metadata, one at a time."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SiteDir
from pegboard.discovery.entrypoints import discover
from pegboard.discovery.records import PluginRecord, Verdict
from pegboard.host.host import Host

GROUP = "testhost.plugins"

COMMAND = '''
import click

@click.command()
def cli():
    """Say hello."""
    click.echo("hello")
'''


def found(site: SiteDir) -> dict[str, PluginRecord]:
    """Return the records discovered in ``site`` alone, by plugin name."""
    records = discover(
        GROUP, host_distribution="testhost", host_version="1.0", path=[str(site.path)]
    )
    return {record.name: record for record in records}


def add_good(site: SiteDir) -> None:
    site.add("good", entry_points={GROUP: {"good": "goodmod:cli"}}, modules={"goodmod": COMMAND})


def test_records_carry_name_target_distribution_version_and_summary(site: SiteDir) -> None:
    site.add(
        "hello-dist",
        "2.1",
        entry_points={GROUP: {"hello": "hellomod:cli"}, "other.group": {"x": "y:z"}},
        metadata_text="Metadata-Version: 2.1\nName: Hello-Dist\nVersion: 2.1\n"
        "Summary: Says hello\n  politely.\n\nName: not-a-header\nSummary: the body\n",
    )
    record = found(site)["hello"]
    assert (record.target, record.distribution, record.version) == (
        "hellomod:cli",
        "Hello-Dist",
        "2.1",
    )
    assert record.summary == "Says hello politely."
    assert record.usable


def test_discovery_agrees_with_importlib_metadata(site: SiteDir) -> None:
    for index in range(5):
        site.add(
            f"dist{index}",
            entry_points={GROUP: {f"p{index}": f"mod{index}:cli", f"q{index}": "m.sub:obj.x"}},
        )
    site.add("unrelated", entry_points={"console_scripts": {"tool": "tool:main"}})
    theirs = {
        (e.name, e.value, e.dist.name if e.dist else "")
        for e in importlib.metadata.entry_points(group=GROUP)
        if e.dist is not None and str(site.path) in str(e.dist.locate_file(""))
    }
    ours = {(r.name, r.target, r.distribution) for r in found(site).values()}
    assert len(ours) == 10
    assert ours == theirs


@pytest.mark.parametrize(
    ("metadata", "entry_points", "problem"),
    [
        (b"Metadata-Version: 2.1\nName: bad\nAuthor: Jos\xe9\n", None, "METADATA is not UTF-8"),
        (b"Metadata-Version: 2.1\nVersion: 1.0\n", None, "METADATA has no Name"),
        (None, b"[testhost.plugins]\nbad = m:\xff\n", "entry_points.txt is not UTF-8"),
        (None, b"[testhost.plugins]\nbad m:cli\n", "not 'name = value'"),
        (None, b"[testhost.plugins\nbad = m:cli\n", "not a [section]"),
        (b"Name: bad\n" + b"Summary: " + b"x" * (2 << 20), None, "too large"),
    ],
    ids=["latin1-metadata", "no-name", "latin1-entry-points", "no-equals", "open-section", "huge"],
)
def test_a_corrupt_plugin_distribution_is_reported_and_others_work(
    site: SiteDir, metadata: bytes | None, entry_points: bytes | None, problem: str
) -> None:
    add_good(site)
    info = site.add("bad", entry_points={GROUP: {"bad": "badmod:cli"}})
    if metadata is not None:
        (info / "METADATA").write_bytes(metadata)
    if entry_points is not None:
        (info / "entry_points.txt").write_bytes(entry_points)
    records = found(site)
    (corrupt,) = [r for r in records.values() if r.verdict is Verdict.CORRUPT]
    assert corrupt.name == "<corrupt bad>"
    assert corrupt.reason is not None
    assert problem in corrupt.reason
    assert "reinstall" in corrupt.reason
    assert records["good"].usable


@pytest.mark.parametrize(
    ("metadata", "entry_points"),
    [
        (b"Metadata-Version: 2.1\nName: other\nAuthor: Jos\xe9\n", b""),
        (b"Metadata-Version: 2.1\nName: other\n", b"[console_scripts]\nx = \xff\xfe\n"),
        (b"Metadata-Version: 2.1\nName: other\n", b"[testhost.plugins.legacy]\nx = m:cli\n"),
        (b"Metadata-Version: 2.1\n", b"[testhost.pluginsx]\ngarbage\n"),
    ],
    ids=["latin1-metadata", "latin1-entry-points", "legacy-group", "longer-group"],
)
def test_non_plugin_distributions_are_never_reported(
    site: SiteDir, metadata: bytes, entry_points: bytes
) -> None:
    add_good(site)
    info = site.add("other")
    (info / "METADATA").write_bytes(metadata)
    (info / "entry_points.txt").write_bytes(entry_points)
    assert list(found(site)) == ["good"]


def test_a_hostile_distribution_never_breaks_a_command(site: SiteDir) -> None:
    add_good(site)
    latin = site.add("latin", entry_points={GROUP: {"latin": "latinmod:cli"}})
    (latin / "METADATA").write_bytes(b"Metadata-Version: 2.1\nName: latin\nAuthor: Jos\xe9\n")
    other = site.add("other")
    (other / "entry_points.txt").write_bytes(b"[console_scripts]\n\xff\xfe = x\n")
    legacy = site.add("legacy")
    (legacy / "entry_points.txt").write_text(f"[{GROUP}.legacy]\nold = oldmod:cli\n")
    host = Host("testhost", version="1.0")
    runner = CliRunner()
    assert runner.invoke(host.cli, ["good"]).output == "hello\n"
    help_text = runner.invoke(host.cli, ["--help"]).output
    assert "good" in help_text
    assert "old" not in help_text
    doctor = runner.invoke(host.cli, ["plugins", "list", "--all", "--format", "json"])
    assert doctor.exit_code == 0, doctor.output
    assert "<corrupt latin>" in doctor.output
    assert "legacy" not in doctor.output


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("\x1b]0;pwned\x07", "control character"),
        ("clear\x1b[2J", "control character"),
        ("del\x7f", "control character"),
        ("-rf", "starts with '-'"),
        ("--help", "starts with '-'"),
    ],
)
def test_names_with_control_characters_or_a_leading_dash_are_refused(
    site: SiteDir, name: str, problem: str
) -> None:
    add_good(site)
    site.add("evil", entry_points_text=f"[{GROUP}]\n{name} = evilmod:cli\n")
    record = found(site)[name]
    assert record.verdict is Verdict.INVALID
    assert record.reason is not None
    assert problem in record.reason
    assert found(site)["good"].usable


@pytest.mark.parametrize(
    ("value", "target", "usable"),
    [
        ("mod:attr [cli]", "mod:attr", True),
        ("mod : attr[cli,extra]", "mod:attr", True),
        ("pkg.mod:obj.attr", "pkg.mod:obj.attr", True),
        ("mod", "mod", True),
        ("not a target", "not a target", False),
        (":attr", ":attr", False),
    ],
)
def test_entry_point_targets(site: SiteDir, value: str, target: str, usable: bool) -> None:
    site.add("plug", entry_points_text=f"[{GROUP}]\nplug = {value}\n")
    record = found(site)["plug"]
    assert (record.target, record.usable) == (target, usable)


def test_a_plugin_declared_with_extras_runs(site: SiteDir) -> None:
    site.add(
        "extra",
        entry_points_text=f"[{GROUP}]\nextra = extramod:cli [cli]\n",
        modules={"extramod": COMMAND},
    )
    result = CliRunner().invoke(Host("testhost", version="1.0").cli, ["extra"])
    assert (result.exit_code, result.output) == (0, "hello\n")


def test_the_first_distribution_on_the_path_shadows_later_ones(
    site: SiteDir, tmp_path: Path
) -> None:
    site.add("plug", "1.0", entry_points={GROUP: {"plug": "first:cli"}})
    later = SiteDir(tmp_path / "later")
    later.add("plug", "2.0", entry_points={GROUP: {"plug": "second:cli"}})
    records = discover(
        GROUP,
        host_distribution="testhost",
        host_version="1.0",
        path=[str(site.path), str(later.path)],
    )
    assert [(r.name, r.target, r.version) for r in records] == [("plug", "first:cli", "1.0")]


def test_egg_info_folders_are_read(site: SiteDir) -> None:
    info = site.path / "legacy_plug.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: legacy-plug\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\nlegacy = legacymod:cli\n")
    record = found(site)["legacy"]
    assert (record.distribution, record.version, record.usable) == ("legacy-plug", "0.3", True)


def test_a_remembered_failure_keeps_what_was_learnt() -> None:
    record = PluginRecord("p", "pmod:plugin", "p-dist", "1.0").learn(
        help="Hi.", hooks=("startup",), kind="plugin", import_seconds=0.1
    )
    failed = record.with_failure("its startup raised ValueError")
    assert (failed.failure, failed.kind, failed.hooks) == (
        "its startup raised ValueError",
        "plugin",
        ("startup",),
    )
    assert PluginRecord.from_row(failed.to_row()) == failed
    assert failed.with_failure(None) == record
