"""``plugins check`` loads each plugin in a child process and reports what is wrong."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from conftest import SiteDir
from pegboard.host.host import Host

GROUP = "testhost.plugins"

HEALTHY = """
import click, pegboard

@click.command()
def cli():
    '''Do the thing.'''

class Plugin:
    version = "2.0"
    command = cli
    @pegboard.hookimpl
    def health(self):
        return True

plugin = Plugin()
"""


@pytest.fixture
def host(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> Host:
    monkeypatch.setenv("PYTHONPATH", str(site.path))  # the child process must see the site
    return Host("testhost", version="1.0", api_version="1.0")


def check(host: Host, *args: str) -> Result:
    return CliRunner().invoke(host.cli, ["plugins", "check", *args], prog_name="testhost")


def test_a_healthy_plugin_passes(host: Host, site: SiteDir) -> None:
    site.add(
        "healthy",
        entry_points={GROUP: {"healthy": "healthymod:plugin"}},
        modules={"healthymod": HEALTHY},
    )
    result = check(host, "healthy", "--format", "json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["ok"] is True
    assert report["hooks"] == ["health"]
    assert report["commands"] == {"healthy": "Do the thing."}
    assert report["health"] is True
    assert report["import_seconds"] >= 0


LONG_HELP = (
    "Synchronise every bucket with the archive, keeping deleted files for thirty days. "
    "Further details."
)


def test_json_carries_whole_help_summaries(host: Host, site: SiteDir) -> None:
    source = HEALTHY.replace("Do the thing.", LONG_HELP)
    site.add("sync", entry_points={GROUP: {"sync": "syncmod:plugin"}}, modules={"syncmod": source})
    result = check(host, "sync", "--format", "json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["commands"] == {"sync": LONG_HELP.partition(" Further")[0]}


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("import os\nos._exit(9)", "it exited with status 9 before returning"),
        ("import time\ntime.sleep(60)", "did not finish within 2 s"),
        ("raise SystemExit(2)", "sys.exit(2)"),
        (HEALTHY.replace("return True", "return 'disk full'"), "unhealthy: 'disk full'"),
        (HEALTHY.replace("return True", "raise RuntimeError('x')"), "health hook failed"),
        ("print('chatter')\n" + HEALTHY, "prints while loading"),
    ],
    ids=["crashes", "hangs", "exits", "unhealthy", "health-raises", "prints"],
)
def test_problems_are_reported_and_the_checker_survives(
    host: Host, site: SiteDir, source: str, problem: str
) -> None:
    site.add("bad", entry_points={GROUP: {"bad": "badmod:plugin"}}, modules={"badmod": source})
    result = check(host, "bad", "--timeout", "2")
    assert result.exit_code == 4
    assert "bad 1.0: FAILED" in result.output or "bad: FAILED" in result.output
    assert problem in result.output


def test_checking_everything_and_an_unknown_name(host: Host, site: SiteDir) -> None:
    site.add(
        "healthy",
        entry_points={GROUP: {"healthy": "healthymod:plugin"}},
        modules={"healthymod": HEALTHY},
    )
    assert check(host).exit_code == 0
    missing = check(host, "healty")
    assert missing.exit_code == 3
    assert "Did you mean 'healthy'?" in missing.output
