"""Run many jobs, a few at a time, each in a process of its own.

Worker threads (as many as the machine has usable CPUs, by default) each drive one launcher:
a zygote that forks a fresh child per job where the platform can fork, a new interpreter per
job otherwise. Children never see the working folder: they get the parent's ``sys.path`` as it
is at run time, minus that folder, and start in isolated mode.
"""

from __future__ import annotations

import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Final

import pegboard
from pegboard._log import get_logger
from pegboard.workers.jobs import Job, Outcome
from pegboard.workers.launchers import Forked, Fresh, Launcher, ZygoteError

logger = get_logger(__name__)

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
    preload: Sequence[str] = (),
    fork: bool | None = None,
) -> list[Outcome]:
    """Run every job in a process of its own; return their outcomes in the order of ``jobs``.

    ``timeout`` bounds each job (seconds). ``sys_path`` is the children's ``sys.path``; by
    default the parent's current one, entries added at run time included, without the working
    folder. ``workers`` caps how many jobs run at once (default: the usable CPUs).
    ``preload`` names modules imported once and shared by every forked child (trusted code
    only: pegboard's own and its dependencies, never a plugin). ``fork=False`` starts a fresh
    interpreter per job even where fork is available. On ``KeyboardInterrupt`` every child is
    killed and the interrupt propagates.
    """
    if not jobs:
        return []
    folder = tempfile.mkdtemp(prefix="pegboard-jobs-")
    size = max(1, min(workers or usable_cpus(), len(jobs)))
    use_fork = hasattr(os, "fork") if fork is None else fork and hasattr(os, "fork")
    pool = _Pool(child_sys_path(sys_path), preload, folder, use_fork=use_fork)
    outcomes: list[Outcome | None] = [None] * len(jobs)
    started = time.monotonic()
    executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="pegboard-job")
    try:
        futures: dict[Future[Outcome], int] = {
            executor.submit(pool.run, job, os.path.join(folder, str(index)), timeout): index
            for index, job in enumerate(jobs)
        }
        for done, future in enumerate(as_completed(futures), start=1):
            outcome = future.result()
            outcomes[futures[future]] = outcome
            if progress is not None:
                progress(done, len(jobs), outcome.key, time.monotonic() - started)
    except BaseException:
        pool.stop()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        pool.close()
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


class _Pool:
    """Idle launchers for the worker threads, made on demand; every one is stopped on stop."""

    def __init__(
        self, sys_path: list[str], preload: Sequence[str], folder: str, *, use_fork: bool
    ) -> None:
        self._sys_path = sys_path
        self._preload = list(preload)
        self._folder = folder
        self._use_fork = use_fork
        self._idle: queue.SimpleQueue[Launcher] = queue.SimpleQueue()
        self._all: list[Launcher] = []
        self._lock = threading.Lock()
        self._stopping = False

    def run(self, job: Job, stem: str, timeout: float) -> Outcome:
        """Run ``job`` on an idle launcher (a new one if none is idle)."""
        try:
            launcher = self._idle.get_nowait()
        except queue.Empty:
            launcher = self._launcher()
        try:
            return launcher.run(job, stem, timeout)
        finally:
            if launcher.broken:
                launcher.close()
            else:
                self._idle.put(launcher)

    def stop(self) -> None:
        """Kill every running job; no job starts afterwards."""
        with self._lock:
            self._stopping = True
            for launcher in self._all:
                launcher.stop()

    def close(self) -> None:
        """Release every launcher's processes."""
        with self._lock:
            for launcher in self._all:
                launcher.close()

    def _launcher(self) -> Launcher:
        launcher: Launcher | None = None
        if self._use_fork:
            stem = os.path.join(self._folder, f"zygote-{threading.get_ident()}")
            try:
                launcher = Forked(self._sys_path, self._preload, stem)
            except ZygoteError as error:
                logger.warning("%s; starting a fresh interpreter per job instead", error)
                self._use_fork = False
        if launcher is None:
            launcher = Fresh(self._sys_path)
        with self._lock:
            self._all.append(launcher)
            if self._stopping:
                launcher.stop()
        return launcher
