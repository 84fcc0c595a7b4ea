"""Hostile plugins under ``plugins check``, ``list --timings`` and ``info``, which run plugin
code only in isolated children: what the children see, which plugins they import, and how
odd results, helpers, progress and Ctrl-C come out."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import GROUP, Invoke, add_command_plugin, by_name, json_of
from conftest import SiteDir

MARK = """
import pathlib
pathlib.Path({path!r}).write_text("imported")
"""

HEALTH = """
import click, pegboard

@click.command()
def cli():
    '''Healthy enough.'''

class Plugin:
    command = cli

    @pegboard.hookimpl
    def health(self):
        return {value}

plugin = Plugin()
"""


def marked(site: SiteDir, name: str, tmp_path: Path) -> Path:
    """Add command plugin ``name`` that leaves a file behind when imported; return the file."""
    mark = tmp_path / f"{name}.imported"
    add_command_plugin(site, name, prelude=MARK.format(path=str(mark)))
    return mark


def health_plugin(site: SiteDir, name: str, value: str) -> None:
    module = f"health_{name}"
    site.add(
        f"acmetest-{name}",
        entry_points={GROUP: {name: f"{module}:plugin"}},
        modules={module: HEALTH.format(value=value)},
    )


def test_children_see_runtime_sys_path_but_never_the_working_folder(
    site: SiteDir, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The site is on sys.path only at run time (no PYTHONPATH): children must still find it.
    mark = tmp_path / "cwd-code-ran"
    here = tmp_path / "work"
    (here / "good").mkdir(parents=True)
    for module in ("json", "click", "argparse", "acmetest_good"):
        (here / f"{module}.py").write_text(MARK.format(path=str(mark)))
    (here / "good" / "__init__.py").write_text(MARK.format(path=str(mark)))
    add_command_plugin(site, "good")
    monkeypatch.chdir(here)
    monkeypatch.syspath_prepend("")  # as `python -m` does: the working folder comes first
    monkeypatch.delenv("PYTHONPATH", raising=False)
    check = invoke("plugins", "check", "--format", "json")
    timings = invoke("plugins", "list", "--timings", "--format", "json")
    info = invoke("plugins", "info", "good", "--format", "json")
    assert [(r["name"], r["ok"]) for r in json_of(check)] == [("good", True)]
    assert by_name(json_of(timings))["good"]["import_seconds"] is not None
    assert json_of(info)["import_seconds"] is not None
    assert not mark.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("plugins", "check"),
        ("--no-plugins", "plugins", "check"),
        ("plugins", "info", "off"),
        ("--no-plugins", "plugins", "info", "off"),
        ("plugins", "list", "--all", "--timings"),
        ("--no-plugins", "plugins", "list", "--all", "--timings"),
    ],
)
def test_a_disabled_plugin_is_never_imported(
    site: SiteDir, invoke: Invoke, tmp_path: Path, args: tuple[str, ...]
) -> None:
    mark = marked(site, "off", tmp_path)
    add_command_plugin(site, "on")
    assert invoke("plugins", "disable", "off").exit_code == 0
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert not mark.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("plugins", "check"),
        ("plugins", "info", "off"),
        ("plugins", "list", "--all", "--timings"),
    ],
)
@pytest.mark.parametrize("how", ["flag", "environment"])
def test_a_plugin_switched_off_for_the_run_is_never_imported(
    site: SiteDir,
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    how: str,
) -> None:
    mark = marked(site, "off", tmp_path)
    add_command_plugin(site, "on")
    if how == "flag":
        args = ("--disable-plugin", "off", *args)
    else:
        monkeypatch.setenv("ACMETEST_DISABLE_PLUGINS", "off")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert not mark.exists()


def test_a_disabled_plugin_is_checked_when_named(
    site: SiteDir, invoke: Invoke, tmp_path: Path
) -> None:
    mark = marked(site, "off", tmp_path)
    assert invoke("plugins", "disable", "off").exit_code == 0
    result = invoke("plugins", "check", "off")
    assert result.exit_code == 0, result.output
    assert mark.exists()


@pytest.mark.parametrize(
    ("value", "shown", "problem"),
    [
        ("{('a', 1): 'x', 'n': 2}", {"('a', 1)": "x", "n": 2}, "unhealthy"),
        ("float('nan')", "NaN", "unhealthy: nan"),
        ("object()", "<object object at", "unhealthy: <object object at"),
        ("{1, 2}", [1, 2], "unhealthy: {1, 2}"),
    ],
    ids=["tuple-keys", "nan", "object", "set"],
)
def test_unusual_health_values_give_valid_json_and_a_fair_verdict(
    site: SiteDir, invoke: Invoke, value: str, shown: Any, problem: str
) -> None:
    health_plugin(site, "odd", value)
    add_command_plugin(site, "zfine")
    result = invoke("plugins", "check", "--format", "json")
    assert result.exit_code == 4, result.output
    rows = by_name(json.loads(result.stdout, parse_constant=_refuse_constant))
    assert rows["zfine"]["ok"] is True  # the plugin after the odd one is still reported
    odd = rows["odd"]
    assert any(problem in p for p in odd["problems"]), odd["problems"]
    assert not any("crashes its host" in p for p in odd["problems"])
    if isinstance(shown, str) and shown.startswith("<"):
        assert odd["health"].startswith(shown)
    else:
        assert odd["health"] == shown


def _refuse_constant(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


HELPER = """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
"""


def test_a_helper_holding_stdout_does_not_make_a_healthy_plugin_hang(
    site: SiteDir, invoke: Invoke
) -> None:
    add_command_plugin(site, "helper", prelude=HELPER)
    # The helper outlives any timeout given here: waiting for its stdout would time out.
    check = invoke("plugins", "check", "helper", "--timeout", "60", "--format", "json")
    assert check.exit_code == 0, check.output
    timings = invoke("plugins", "list", "--timings", "--timeout", "60", "--format", "json")
    assert by_name(json_of(timings))["helper"]["import_seconds"] is not None


@pytest.mark.parametrize(
    ("prelude", "problem"),
    [
        ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", "killed by SIGSEGV"),
        ("import time\ntime.sleep(600)\n", "did not finish within 3 s"),
        ("import os\nos._exit(7)\n", "exited with status 7"),
        (
            "import time\nwhile True:\n    try:\n        time.sleep(600)\n"
            "    except BaseException:\n        pass\n",
            "did not finish within 3 s",
        ),
    ],
    ids=["crashes", "hangs", "exits", "swallows-interrupts"],
)
def test_a_hostile_plugin_among_many_leaves_every_other_verdict_alone(
    site: SiteDir, invoke: Invoke, prelude: str, problem: str
) -> None:
    for n in range(8):
        add_command_plugin(site, f"fine{n}")
    add_command_plugin(site, "hostile", prelude=prelude)
    result = invoke("plugins", "check", "--timeout", "3", "--format", "json")
    assert result.exit_code == 4
    rows = by_name(json_of(result))
    assert sorted(rows) == sorted([f"fine{n}" for n in range(8)] + ["hostile"])
    assert [n for n, r in rows.items() if not r["ok"]] == ["hostile"]
    assert any(problem in p for p in rows["hostile"]["problems"]), rows["hostile"]
    timings = by_name(
        json_of(
            invoke("plugins", "list", "--all", "--timings", "--timeout", "3", "--format", "json")
        )
    )
    assert [n for n, r in timings.items() if r["import_seconds"] is None] == ["hostile"]


def _pegboard(site: SiteDir, *args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(site.path)}
    return subprocess.Popen([sys.executable, "-m", "pegboard", *args], env=env, **kwargs)


def pegboard_plugin(site: SiteDir, name: str, prelude: str = "") -> None:
    add_command_plugin(site, name, prelude=prelude, group="pegboard.plugins", requires=())


@pytest.mark.parametrize(
    ("args", "progress"),
    [
        (("plugins", "check"), True),
        (("plugins", "check", "--format", "json"), False),
        (("--quiet", "plugins", "check"), False),
    ],
    ids=["text", "json", "quiet"],
)
def test_progress_shows_on_a_terminal_only_for_people(
    site: SiteDir, args: tuple[str, ...], progress: bool
) -> None:
    pegboard_plugin(site, "one")
    pegboard_plugin(site, "two")
    controller, terminal = pty.openpty()
    with _pegboard(site, *args, stdout=subprocess.PIPE, stderr=terminal) as child:
        os.close(terminal)
        stdout, _ = child.communicate(timeout=120)
    shown = _drain(controller)
    assert child.returncode == 0, shown
    assert ("[2/2]" in shown) is progress
    assert "[2/2]" not in stdout.decode()  # progress never reaches stdout
    if "json" in args:
        assert [r["name"] for r in json.loads(stdout)] == ["one", "two"]


def _drain(descriptor: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except OSError:  # the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(descriptor)
    return b"".join(chunks).decode(errors="replace")


def test_ctrl_c_stops_the_checks_and_exits_130(site: SiteDir, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    prelude = (
        "import os, pathlib, time\n"
        f"pathlib.Path({str(pids)!r}, str(os.getpid())).write_text('')\n"
        "time.sleep(600)\n"
    )
    pegboard_plugin(site, "slow1", prelude)
    pegboard_plugin(site, "slow2", prelude)
    with _pegboard(site, "plugins", "check", "--timeout", "600", stderr=subprocess.PIPE) as child:
        while len(list(pids.iterdir())) < 2:
            with pytest.raises(subprocess.TimeoutExpired):  # it must not end by itself
                child.wait(timeout=0.05)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert b"Interrupted." in stderr
    assert b"Traceback" not in stderr
    for pid in pids.iterdir():
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid.name), 0)
