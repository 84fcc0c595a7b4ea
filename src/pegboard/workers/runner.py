"""Run many jobs, a few at a time, each in its own child interpreter.

Every job gets a fresh process in a new session, so a job that crashes, hangs, exits or
leaves helper processes behind is killed with everything it started and changes nothing for
the others. The parent waits for the child process itself (never for pipes to close: output
goes to a file), so a helper that inherits stdout cannot delay a verdict.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Final

import pegboard
from pegboard.workers.child import BOOTSTRAP
from pegboard.workers.jobs import Job, Outcome
from pegboard.workers.verdict import judge

Progress = Callable[[int, int, str, float], None]
"""``progress(done, total, key, elapsed)``: called in the caller's thread as each job ends."""

_PACKAGE_HOME: Final = os.path.dirname(os.path.dirname(os.path.abspath(pegboard.__file__)))


def run_jobs(
    jobs: Sequence[Job],
    *,
    timeout: float,
    sys_path: Sequence[str] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Run every job in a child interpreter and return their outcomes in the order of ``jobs``.

    ``timeout`` bounds each job (seconds). ``sys_path`` is the children's ``sys.path``; by
    default the parent's current one, entries added at run time included, without the working
    folder. ``workers`` caps how many children run at once (default: the usable CPUs). On
    ``KeyboardInterrupt`` every child is killed and the interrupt propagates.
    """
    if not jobs:
        return []
    children = _Children()
    folder = tempfile.mkdtemp(prefix="pegboard-jobs-")
    path = child_sys_path(sys_path)
    size = max(1, min(workers or usable_cpus(), len(jobs)))
    outcomes: list[Outcome | None] = [None] * len(jobs)
    started = time.monotonic()
    executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="pegboard-job")
    try:
        futures: dict[Future[Outcome], int] = {
            executor.submit(children.run, job, os.path.join(folder, str(index)), path, timeout): (
                index
            )
            for index, job in enumerate(jobs)
        }
        for done, future in enumerate(as_completed(futures), start=1):
            outcome = future.result()
            outcomes[futures[future]] = outcome
            if progress is not None:
                progress(done, len(jobs), outcome.key, time.monotonic() - started)
    except BaseException:
        children.stop()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(folder, ignore_errors=True)
    return [outcome for outcome in outcomes if outcome is not None]


def child_sys_path(sys_path: Sequence[str] | None = None) -> list[str]:
    """Return the ``sys.path`` a child gets: absolute entries, never the working folder.

    The folder holding pegboard is appended when missing, so the child can always start.
    """
    if sys_path is None:
        here = os.getcwd()
        entries = [os.path.abspath(e) for e in sys.path if e and os.path.abspath(e) != here]
    else:
        entries = list(sys_path)
    if _PACKAGE_HOME not in entries:
        entries.append(_PACKAGE_HOME)
    return entries


def usable_cpus() -> int:
    """Return how many CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not every platform can say
        return os.cpu_count() or 1


class _Children:
    """The live child processes, so an interrupt can kill every one of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[subprocess.Popen[bytes]] = set()
        self._stopping = False

    def run(self, job: Job, stem: str, sys_path: list[str], timeout: float) -> Outcome:
        """Run ``job`` in a fresh interpreter; its files are named after ``stem``."""
        spec = {
            "sys_path": sys_path,
            "function": job.function,
            "payload": job.payload,
            "result": f"{stem}.result.json",
        }
        with open(f"{stem}.spec.json", "w", encoding="utf-8") as stream:
            json.dump(spec, stream)
        command = [sys.executable, "-I", "-u", "-c", BOOTSTRAP, f"{stem}.spec.json"]
        with open(f"{stem}.out", "wb") as output:
            child = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started = time.monotonic()
        with self._lock:
            self._live.add(child)
            stopping = self._stopping
        try:
            if stopping:
                _kill_group(child.pid)
            finished = _wait_unreaped(child, timeout)
        finally:
            # The job is over: whatever it left running (a helper holding stdout) goes too.
            # The child is not reaped yet, so its process group id cannot have been reused.
            _kill_group(child.pid)
            returncode = child.wait()
            with self._lock:
                self._live.discard(child)
        return judge(
            job.key,
            returncode if finished else None,
            report_path=f"{stem}.result.json",
            output_path=f"{stem}.out",
            elapsed=time.monotonic() - started,
            timeout=timeout,
        )

    def stop(self) -> None:
        """Kill every live child and refuse to start new ones."""
        with self._lock:
            self._stopping = True
            for child in self._live:
                _kill_group(child.pid)


def _wait_unreaped(child: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait until ``child`` ends or ``timeout`` passes, leaving it unreaped; True if it ended."""
    try:
        handle = os.pidfd_open(child.pid)
    except (AttributeError, OSError):  # no pidfd here: reaping early risks little
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        ready, _, _ = select.select([handle], [], [], timeout)
    finally:
        os.close(handle)
    return bool(ready)


def _kill_group(pid: int) -> None:
    """Kill the session (process group) led by ``pid``, if anything of it is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
