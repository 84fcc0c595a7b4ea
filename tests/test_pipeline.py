"""The loading pipeline as a user meets it: each run of a real host in its own process.

select → learn → import → register → start → run → shut down: plugins are learnt in child
interpreters only, imported at most once, started at most once, shut down once, and a plugin
that hangs, exits or misbehaves at any of these steps costs one report, never the host.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SiteDir

GROUP = "pipehost.plugins"

HOST = """
import click, sys
from pegboard.host.host import Host

host = Host("pipehost", version="1.0", startup_timeout=2)

@host.cli.command()
@click.option("--format", "fmt", default="text")
def report(fmt):
    '''Call every plugin's hooks and print a JSON report.'''
    registry = host.registry()
    click.echo(json.dumps({"plugins": sorted(registry.names())}))

import json
host.main()
"""

GOOD = """
import click

@click.command()
def cli():
    '''Say good things.'''
    click.echo("good ran")
"""

WATCHED = """
import click, os, pathlib, pegboard

LOG = pathlib.Path(os.environ["PIPE_LOG"])

def log(event):
    with LOG.open("a") as stream:
        stream.write(event + "\\n")

class Plugin:
    def startup(self, ctx):
        log(f"startup {ctx.host} {ctx.api_version}")
        print("chatter while starting")

    def shutdown(self):
        log("shutdown")

    @pegboard.hookimpl
    def pre_execute(self, name, args, kwargs):
        log(f"pre {name}")

plugin = Plugin()
"""


def summary_metadata(dist: str, summary: str) -> str:
    return f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\nSummary: {summary}\n"


class Pipehost:
    """Runs the test host as a user would: a fresh interpreter per command."""

    def __init__(self, site: SiteDir, tmp_path: Path):
        self.site = site
        self.script = tmp_path / "pipehost.py"
        self.script.write_text(HOST, encoding="utf-8")
        self.log = tmp_path / "plugin.log"
        self.work = tmp_path / "work"
        self.work.mkdir()
        # Bytecode is written, as a user's interpreter does: it changes the folders whose
        # stamps say that something was installed, which must not undo what was learnt.
        inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env = {
            **inherited,
            "PYTHONPATH": str(site.path),
            "PIPE_LOG": str(self.log),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
        }

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(self.script), *args],
            env={**self.env, **(env or {})},
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def events(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def pipehost(site: SiteDir, tmp_path: Path) -> Pipehost:
    site.add(
        "pipe-good",
        entry_points={GROUP: {"good": "pipe_good:cli"}},
        modules={"pipe_good": GOOD},
        metadata_text=summary_metadata("pipe-good", "Good things, from metadata."),
    )
    return Pipehost(site, tmp_path)


def test_a_cold_help_shows_metadata_and_never_imports_or_starts_a_plugin(
    pipehost: Pipehost, site: SiteDir
) -> None:
    marker = site.path / "imported.marker"
    site.add(
        "pipe-watched",
        entry_points={GROUP: {"watched": "pipe_watched:plugin"}},
        modules={"pipe_watched": f"open({str(marker)!r}, 'w').close()\n" + WATCHED},
    )
    helped = pipehost("--help")
    assert helped.returncode == 0, helped.stderr
    assert "Good things, from metadata." in helped.stdout  # the Summary, until learnt
    assert "chatter" not in helped.stdout + helped.stderr
    assert not marker.exists()
    assert pipehost.events() == []
    assert pipehost("good").stdout == "good ran\n"  # learns both (in children), then runs
    assert marker.exists()  # the learning child imported it ...
    assert pipehost.events() == ["startup pipehost 1.0", "pre good", "shutdown"]  # ... once
    assert "Say good things." in pipehost("--help").stdout  # learnt help from now on
    # A warm start takes no short cut past the observer, and the events reach the
    # telemetry file the environment names.
    telemetry = pipehost.work / "events.jsonl"
    warm = pipehost("good", env={"PIPEHOST_TELEMETRY_FILE": str(telemetry)})
    assert warm.stdout == "good ran\n"
    assert pipehost.events()[3:] == ["startup pipehost 1.0", "pre good", "shutdown"]
    assert telemetry.read_text().strip(), "no telemetry event was written"


def test_every_route_imports_starts_and_shuts_a_plugin_down_once(pipehost: Pipehost) -> None:
    pipehost.site.add(
        "pipe-watched",
        entry_points={GROUP: {"watched": "pipe_watched:plugin"}},
        modules={"pipe_watched": WATCHED},
    )
    # strict mode loads every plugin, the command's observers load it, ``report`` asks the
    # host for its registry: three routes, one start.
    result = pipehost("--strict-plugins", "report")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"plugins": ["good", "watched"]}
    assert pipehost.events() == ["startup pipehost 1.0", "pre report", "shutdown"]


def test_two_entry_points_naming_one_object_fail_one_plugin_not_the_host(
    pipehost: Pipehost,
) -> None:
    pipehost.site.add(
        "pipe-twice",
        entry_points={GROUP: {"first": "pipe_twice:plugin", "second": "pipe_twice:plugin"}},
        modules={"pipe_twice": WATCHED},
    )
    assert pipehost("--help").returncode == 0
    ran = pipehost("good")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "good ran\n"
    assert pipehost.events().count("pre good") == 1  # the object observes once, as "first"
    rows = {
        row["name"]: row
        for row in json.loads(pipehost("plugins", "list", "--all", "--format", "json").stdout)
    }
    assert rows["first"]["state"] == "active"
    assert rows["second"]["state"] == "failed"
    assert "the registry refused it" in rows["second"]["reason"]


@pytest.mark.parametrize(
    ("prelude", "reason"),
    [
        ("import time\ntime.sleep(600)\n", "did not finish within 2 s"),
        ("import os\nos._exit(7)\n", "exit"),
    ],
    ids=["hangs-at-import", "exits-at-import"],
)
def test_a_plugin_that_hangs_or_exits_at_import_costs_one_learning(
    pipehost: Pipehost, prelude: str, reason: str
) -> None:
    pipehost.site.add(
        "pipe-bad",
        entry_points={GROUP: {"bad": "pipe_bad:cli"}},
        modules={"pipe_bad": prelude + GOOD},
    )
    # Before anything is learnt, nothing waits for it.
    assert pipehost("--help", timeout=20).returncode == 0
    completion = {
        "_PIPEHOST_COMPLETE": "bash_complete",
        "COMP_WORDS": "pipehost ",
        "COMP_CWORD": "1",
    }
    assert pipehost(env=completion, timeout=20).returncode == 0
    # One learning (bounded), then it is a known failure: never imported in-process.
    listed = pipehost("plugins", "list", "--all", "--timeout", "2", "--format", "json")
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["bad"]["state"] == "failed"
    assert reason in rows["bad"]["reason"]
    for args, code in [
        (("--help",), 0),
        (("good",), 0),
        (("bad",), 4),
        (("godo",), 3),
        (("doctor",), 1),
    ]:
        result = pipehost(*args, timeout=20)
        assert result.returncode == code, (args, result.stdout, result.stderr)
    assert pipehost("good").stdout == "good ran\n"


def test_strict_mode_never_locks_the_user_out(pipehost: Pipehost) -> None:
    pipehost.site.add(
        "pipe-bad",
        entry_points={GROUP: {"bad": "pipe_bad_missing:cli"}},
    )
    strict = {"PIPEHOST_STRICT_PLUGINS": "1"}
    refused = pipehost("good", env=strict)
    assert refused.returncode == 4
    assert "pipehost plugins disable bad" in refused.stderr
    for args in [("plugins", "list", "--all"), ("doctor",), ("plugins", "info", "bad")]:
        result = pipehost(*args, env=strict)
        assert result.returncode in {0, 1}, (args, result.stderr)  # doctor: 1, a problem
    assert pipehost("plugins", "disable", "bad", env=strict).returncode == 0
    assert pipehost("good", env=strict).stdout == "good ran\n"


def test_a_reinstalled_plugin_is_judged_by_what_it_is_now(pipehost: Pipehost) -> None:
    site = pipehost.site
    info = site.add("pipe-flaky", entry_points={GROUP: {"flaky": "pipe_flaky:cli"}})

    def state() -> str:
        rows = json.loads(pipehost("plugins", "list", "--all", "--format", "json").stdout)
        return str({row["name"]: row for row in rows}["flaky"]["state"])

    assert state() == "failed"  # its module is missing
    shutil.rmtree(info)  # pip removes the old dist-info and writes a new one
    site.add("pipe-flaky", entry_points={GROUP: {"flaky": "pipe_flaky:cli"}})
    assert state() == "failed"  # reinstalled, still broken: not "active"
    shutil.rmtree(info)
    site.add(
        "pipe-flaky",
        entry_points={GROUP: {"flaky": "pipe_flaky:cli"}},
        modules={"pipe_flaky": GOOD},
    )
    assert state() == "active"


def test_streams_a_plugin_keeps_from_import_time_still_reach_the_user(
    pipehost: Pipehost,
) -> None:
    pipehost.site.add(
        "pipe-keeper",
        entry_points={GROUP: {"keeper": "pipe_keeper:cli"}},
        modules={
            "pipe_keeper": """
            import logging, sys, click
            logging.basicConfig(level=logging.INFO, format="%(message)s")
            OUT = sys.stdout
            log = logging.getLogger("keeper")
            print("said at import")

            @click.command()
            def cli():
                OUT.write("written to the kept stdout\\n")
                log.info("logged through basicConfig")
            """
        },
    )
    result = pipehost("keeper")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "written to the kept stdout\n"  # not the import chatter
    assert "logged through basicConfig" in result.stderr


def test_plugin_output_never_corrupts_machine_readable_output(pipehost: Pipehost) -> None:
    pipehost.site.add(
        "pipe-noisy",
        entry_points={GROUP: {"noisy": "pipe_noisy:plugin"}},
        modules={
            "pipe_noisy": """
            import os, subprocess, sys
            os.write(1, b"RAW BYTES AT IMPORT\\n")
            subprocess.run([sys.executable, "-c", "print('FROM A SUBPROCESS')"])

            class Plugin:
                def startup(self, ctx):
                    print("PRINTED AT STARTUP")
                    os.write(1, b"RAW BYTES AT STARTUP\\n")

            plugin = Plugin()
            """
        },
    )
    report = pipehost("report", "--format", "json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout) == {"plugins": ["good", "noisy"]}
    doctor = pipehost("doctor", "--format", "json")
    assert json.loads(doctor.stdout)["host"]["name"] == "pipehost"
    listed = pipehost("plugins", "list", "--format", "json")
    assert {row["name"] for row in json.loads(listed.stdout)} == {"good", "noisy"}


@pytest.mark.parametrize("where", ["startup", "shutdown"])
def test_ctrl_c_while_plugins_start_or_stop_exits_130(
    pipehost: Pipehost, tmp_path: Path, where: str
) -> None:
    """The user's Ctrl-C while a plugin starts or stops ends the host with 130, quietly."""
    ready = tmp_path / "ready"
    pipehost.site.add(
        "pipe-slow",
        entry_points={GROUP: {"slow": "pipe_slow:plugin"}},
        modules={
            "pipe_slow": f"""
            import pathlib, time, pegboard

            class Plugin:
                def {where}(self, *args):
                    pathlib.Path({str(ready)!r}).touch()
                    time.sleep(30)

                @pegboard.hookimpl
                def pre_execute(self, name, args, kwargs):
                    pass

            plugin = Plugin()
            """
        },
    )
    assert pipehost("plugins", "list").returncode == 0  # learnt: it observes commands
    process = subprocess.Popen(
        [sys.executable, str(pipehost.script), "good"],
        env=pipehost.env,
        cwd=pipehost.work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, (stdout, stderr)
    assert "Aborted" not in stderr
    assert "Traceback" not in stderr
