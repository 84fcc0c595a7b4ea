"""Every kind of broken plugin leaves the host working and is reported with a reason."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import SiteDir
from pegboard.discovery.records import PluginRecord
from pegboard.host.host import Host
from pegboard.host.loading import import_plugin

GROUP = "testhost.plugins"

GOOD = """
import click

@click.command()
@click.option("--who", default="world")
def good(who):
    '''Greet someone.'''
    click.echo(f"hello {who}")
"""


def run(host: Host, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(host.cli, list(args), prog_name=host.name, env=env)


@pytest.fixture
def host() -> Host:
    return Host("testhost", version="1.0", api_version="1.0", startup_timeout=0.5)


@pytest.fixture
def good(site: SiteDir) -> None:
    site.add(
        "good-plugin", entry_points={GROUP: {"good": "goodmod:good"}}, modules={"goodmod": GOOD}
    )


@dataclass
class Case:
    """One broken plugin: how it is built and what the host must say about it."""

    name: str
    target: str
    source: str | None
    state: str
    reason: str
    requires: list[str] = field(default_factory=list)
    entry_name: str | None = None


CASES = [
    Case("missing-module", "no_such_module:plugin", None, "failed", "does not exist"),
    Case("missing-attribute", "{m}:nothing", "x = 1", "failed", "has no attribute 'nothing'"),
    Case(
        "missing-dependency",
        "{m}:plugin",
        "import not_installed_dependency\nplugin = 1",
        "failed",
        "needs the module 'not_installed_dependency'",
    ),
    Case(
        "constructor-raises",
        "{m}:Plugin",
        "class Plugin:\n    version = '1'\n"
        "    def __init__(self):\n        raise RuntimeError('ctor boom')",
        "failed",
        "ctor boom",
    ),
    Case("exits-at-import", "{m}:plugin", "import sys\nsys.exit(3)", "failed", "sys.exit(3)"),
    Case(
        "startup-raises",
        "{m}:plugin",
        "class P:\n    def startup(self, ctx):\n        raise ValueError('no db')\nplugin = P()",
        "failed",
        "startup raised ValueError: no db",
    ),
    Case(
        "startup-hangs",
        "{m}:plugin",
        "import time\nclass P:\n    def startup(self, ctx):\n        time.sleep(30)\nplugin = P()",
        "failed",
        "did not finish within 0.5 s",
    ),
    Case(
        "async-startup-hangs",
        "{m}:plugin",
        "import asyncio\nclass P:\n    async def startup(self, ctx):\n"
        "        await asyncio.sleep(30)\nplugin = P()",
        "failed",
        "did not finish within 0.5 s",
    ),
    Case(
        "bad-hookimpl",
        "{m}:plugin",
        "import pegboard\nclass P:\n    @pegboard.hookimpl\n"
        "    def pre_execute(self, nonsense):\n        pass\nplugin = P()",
        "failed",
        "pluggy rejected",
    ),
    Case("builtin-name", "{m}:plugin", "plugin = 1", "reserved", "built-in command", [], "plugins"),
    Case(
        "incompatible-requires-dist",
        "{m}:plugin",
        "open('MARKER', 'w').write('imported')\nplugin = 1",
        "incompatible",
        "requires testhost<0.5 but 1.0 is installed",
        ["testhost<0.5"],
    ),
    Case(
        "incompatible-api",
        "{m}:plugin",
        "class P:\n    requires_api_version = '>=2'\nplugin = P()",
        "incompatible",
        "requires host API >=2 but this host provides API 1.0",
    ),
    Case(
        "not-a-plugin-int", "{m}:plugin", "plugin = 42", "failed", "is a int, not a Click command"
    ),
    Case(
        "not-a-plugin-function",
        "{m}:plugin",
        "def plugin():\n    pass",
        "failed",
        "is a function, not a Click command",
    ),
    Case("name-with-space", "{m}:plugin", "plugin = 1", "invalid", "whitespace", [], "bad name"),
    Case("name-with-path", "{m}:plugin", "plugin = 1", "invalid", "path separator", [], "../x"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_plugin_is_reported_and_the_host_keeps_working(
    host: Host,
    site: SiteDir,
    good: None,
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    module = "broken_" + case.name.replace("-", "_")
    site.add(
        case.name,
        requires=case.requires,
        entry_points={GROUP: {case.entry_name or case.name: case.target.format(m=module)}},
        modules={module: case.source} if case.source is not None else {},
    )
    helped = run(host, "--help")
    assert helped.exit_code == 0, helped.output
    assert "good" in helped.output
    assert run(host, "good", "--who", "Ada").output == "hello Ada\n"
    assert "Greet someone." in run(host, "--help").output  # learnt by the first run
    if "startup" in case.name:  # only a start shows it: strict mode starts every plugin
        strict = run(host, "--strict-plugins", "good")
        assert strict.exit_code == 4, strict.output

    listed = run(host, "plugins", "list", "--all", "--format", "json")
    assert listed.exit_code == 0, listed.output
    rows = {row["name"]: row for row in json.loads(listed.output)}
    assert rows["good"]["state"] == "active"
    bad = rows[case.entry_name or case.name]
    assert bad["state"] == case.state
    assert case.reason in bad["reason"]
    if case.state == "incompatible" and case.requires:
        assert not (tmp_path / "MARKER").exists()  # never imported


def test_output_printed_at_import_is_captured_not_shown(
    host: Host, site: SiteDir, good: None
) -> None:
    site.add(
        "noisy",
        entry_points={GROUP: {"noisy": "noisymod:cli"}},
        modules={"noisymod": "print('NOISE at import')\n" + GOOD.replace("def good", "def cli")},
    )
    listed = run(host, "plugins", "list", "--format", "json")
    assert "NOISE" not in listed.output
    assert {row["name"] for row in json.loads(listed.output)} >= {"good", "noisy"}
    ran = run(host, "noisy")
    assert ran.output == "hello world\n"


def test_import_output_is_kept_for_the_report(site: SiteDir) -> None:
    site.write_module(
        "chatty", "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\nx = 1"
    )
    loaded = import_plugin(PluginRecord("chatty", "chatty:x", "chatty", "1.0"), api_version="1.0")
    assert loaded.output == "to stdout\nto stderr\n"


def test_keyboard_interrupt_at_import_is_not_swallowed(site: SiteDir) -> None:
    site.write_module("interrupting", "raise KeyboardInterrupt")
    record = PluginRecord("x", "interrupting:plugin", "x", "1.0")
    with pytest.raises(KeyboardInterrupt):
        import_plugin(record, api_version="1.0")


def test_two_distributions_with_one_name_have_a_deterministic_winner(
    host: Host, site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = tmp_path / "second-site"
    second.mkdir()
    monkeypatch.setattr("sys.path", [*sys.path, str(second)])
    site.add(
        "first-dist", entry_points={GROUP: {"same": "samemod:good"}}, modules={"samemod": GOOD}
    )
    SiteDir(second).add("second-dist", entry_points={GROUP: {"same": "othermod:good"}})
    rows = json.loads(run(host, "plugins", "list", "--all", "--format", "json").output)
    same = [row for row in rows if row["name"] == "same"]
    assert [(r["distribution"], r["state"]) for r in same] == [
        ("first-dist", "active"),
        ("second-dist", "duplicate"),
    ]
    assert "already provided by first-dist 1.0" in same[1]["reason"]
    assert run(host, "same").output == "hello world\n"


@pytest.mark.parametrize(
    ("entry_points_text", "metadata_text"),
    [
        (f"[{GROUP}\nbroken = = x\n", None),
        (f"[{GROUP}]\nx = m:x\n", "garbage without a name\n"),
    ],
    ids=["corrupt-entry-points", "corrupt-metadata"],
)
def test_corrupt_metadata_is_reported(
    host: Host, site: SiteDir, good: None, entry_points_text: str, metadata_text: str | None
) -> None:
    site.add("corrupt", entry_points_text=entry_points_text, metadata_text=metadata_text)
    assert run(host, "--help").exit_code == 0
    rows = json.loads(run(host, "plugins", "list", "--all", "--format", "json").output)
    corrupt = [row for row in rows if row["state"] == "corrupt"]
    assert len(corrupt) == 1
    assert "reinstall" in corrupt[0]["reason"]


def test_a_failing_hook_is_attributed_and_the_command_still_runs(
    host: Host, site: SiteDir, good: None
) -> None:
    site.add(
        "observer",
        entry_points={GROUP: {"observer": "observermod:plugin"}},
        modules={
            "observermod": """
            import click, pegboard
            class P:
                @pegboard.hookimpl
                def pre_execute(self, name, args, kwargs):
                    raise RuntimeError("observer broke")
                @pegboard.hookimpl
                def post_execute(self, name, result):
                    click.echo(f"post {name}")
            plugin = P()
            """
        },
    )
    result = run(host, "good")
    assert result.exit_code == 0
    assert result.stdout == "hello world\npost good\n"
    assert result.stderr == (
        "Warning: plugin 'observer' failed in pre_execute: RuntimeError: observer broke.\n"
    )


def test_strict_mode_fails_on_any_broken_plugin(host: Host, site: SiteDir, good: None) -> None:
    site.add("broken", entry_points={GROUP: {"broken": "missing_module:x"}})
    assert run(host, "good").exit_code == 0
    strict = run(host, "--strict-plugins", "good")
    assert strict.exit_code == 4
    assert "broken: its module 'missing_module' does not exist" in strict.output
    by_env = run(host, "good", env={"TESTHOST_STRICT_PLUGINS": "1"})
    assert by_env.exit_code == 4


def test_tracebacks_only_with_debug(host: Host, site: SiteDir) -> None:
    site.add("broken", entry_points={GROUP: {"broken": "missing_module:x"}})
    normal = run(host, "broken")
    assert normal.exit_code == 4
    assert "Traceback" not in normal.output
    assert "Run `testhost plugins check broken` for details." in normal.output
    debug = run(host, "--debug", "broken")
    assert debug.exit_code == 4
    assert "Traceback" in debug.output


def test_linux_folders_match_platformdirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    from pegboard.host import config

    for variable in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(variable)
    assert config.cache_dir("acme") == platformdirs.user_cache_dir("acme", appauthor=False)
    assert config.config_dir("acme") == platformdirs.user_config_dir("acme", appauthor=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert config.cache_dir("acme") == platformdirs.user_cache_dir("acme", appauthor=False)
