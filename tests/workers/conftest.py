"""Job functions for the runner's tests, written as a real module on a runtime ``sys.path``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from conftest import SiteDir
from pegboard.workers import Job, Outcome, run_jobs

JOBS_SOURCE = """
import asyncio, os, signal, subprocess, sys, time

def double(payload):
    return payload["x"] * 2

def raise_value_error(payload):
    raise ValueError("boom")

def raise_keyboard_interrupt(payload):
    raise KeyboardInterrupt

def raise_cancelled(payload):
    raise asyncio.CancelledError

def call_sys_exit(payload):
    sys.exit(3)

def call_os_exit(payload):
    os._exit(7)

def kill_self(payload):
    os.kill(os.getpid(), getattr(signal, payload["signal"]))

def hang(payload):
    time.sleep(600)

def swallow_interrupts(payload):
    while True:
        try:
            time.sleep(600)
        except BaseException:
            pass

def swallow_cancellation(payload):
    async def stubborn():
        while True:
            try:
                await asyncio.sleep(600)
            except asyncio.CancelledError:
                pass
    asyncio.run(stubborn())

def write_everywhere(payload):
    print("from print")
    print("from stderr", file=sys.stderr)
    os.write(1, b"from fd 1\\n")
    os.write(2, b"from fd 2\\n")
    subprocess.run([sys.executable, "-c", "print('from a subprocess')"], check=True)
    return "the value"

def start_helper(payload):
    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    print("helper started")
    return helper.pid

def write_a_lot(payload):
    sys.stdout.write("x" * payload["bytes"])
    return "done"

def loaded_modules(payload):
    return sorted(sys.modules)

def read_stdin(payload):
    return sys.stdin.read()

def where_am_i(payload):
    import click, json
    return {
        "cwd": os.getcwd(),
        "sys_path": sys.path,
        "json": json.__file__,
        "click": click.__file__,
    }

def unusual_values(payload):
    return {
        ("a", 1): "tuple key",
        1: "int key",
        "nan": float("nan"),
        "inf": float("inf"),
        "set": {3, 1, 2},
        "tuple": (1, 2),
        "object": object(),
    }

class _BadRepr:
    def __repr__(self):
        raise RuntimeError("no repr")

def bad_repr(payload):
    return [_BadRepr()]

class _BadDict(dict):
    def items(self):
        raise RuntimeError("no items")

def unconvertible(payload):
    return _BadDict(a=1)

def kill_the_zygote(payload):
    if os.getppid() == payload["runner"]:
        raise RuntimeError("not forked: refusing to kill the test run")
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(600)

def write_pid_and_hang(payload):
    with open(payload["file"] + ".part", "w") as stream:
        stream.write(str(os.getpid()))
    os.replace(payload["file"] + ".part", payload["file"])
    time.sleep(600)
"""


@pytest.fixture
def jobs_module(site: SiteDir) -> str:
    """Return the name of a module of job functions, importable only via a runtime path."""
    site.write_module("hostile_jobs", JOBS_SOURCE)
    return "hostile_jobs"


@pytest.fixture(params=[True, False], ids=["forked", "fresh"])
def runner(request: pytest.FixtureRequest) -> Callable[..., list[Outcome]]:
    """``run_jobs`` with forked children from a zygote, then with a fresh interpreter per job."""
    return functools.partial(run_jobs, fork=request.param)


@pytest.fixture
def run_one(runner: Callable[..., list[Outcome]], jobs_module: str) -> Callable[..., Outcome]:
    """Run one function of the jobs module with ``payload``; return its outcome."""

    def run(function: str, timeout: float = 20.0, **payload: Any) -> Outcome:
        jobs: Sequence[Job] = [Job(function, f"{jobs_module}:{function}", payload)]
        (outcome,) = runner(jobs, timeout=timeout)
        return outcome

    return run
