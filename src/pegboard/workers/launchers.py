"""The two ways a job's process is started: forked from a zygote, or a fresh interpreter.

Each launcher runs one job at a time for one worker thread of the runner. :class:`Forked` is
the fast path (see :mod:`pegboard.workers.zygote`); :class:`Fresh` starts ``python -I`` per job
and serves where fork is unavailable or a zygote cannot start. Both put the job in a session of
its own and kill that whole session when the job ends, so helpers it started never outlive it,
and both wait for the process, never for its output to close.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, Final, Protocol

from pegboard.workers.child import BOOTSTRAP
from pegboard.workers.jobs import Job, Outcome, Status
from pegboard.workers.verdict import judge, read_output

START_TIMEOUT: Final = 60.0
"""Seconds a zygote may take to import its preloaded modules before fresh interpreters serve."""

_MARGIN: Final = 10.0
"""Seconds past a job's timeout after which a silent zygote counts as broken."""


class Launcher(Protocol):
    """Runs jobs one at a time in isolated processes."""

    broken: bool
    """True once the launcher cannot run more jobs (the runner then starts another)."""

    def run(self, job: Job, stem: str, timeout: float) -> Outcome:
        """Run ``job``; its files are named after ``stem``."""

    def stop(self) -> None:
        """Kill the running job, from another thread; no job starts afterwards."""

    def close(self) -> None:
        """Release the launcher's processes."""


class Fresh:
    """Start a new isolated interpreter for every job."""

    def __init__(self, sys_path: Sequence[str]) -> None:
        self.broken = False
        self._sys_path = list(sys_path)
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._stopping = False

    def run(self, job: Job, stem: str, timeout: float) -> Outcome:
        """Run ``job`` in ``python -I -u`` with its spec in a file."""
        spec = {
            "sys_path": self._sys_path,
            "function": job.function,
            "payload": job.payload,
            "result": f"{stem}.result.json",
        }
        with open(f"{stem}.spec.json", "w", encoding="utf-8") as stream:
            json.dump(spec, stream)
        with open(f"{stem}.out", "wb") as output:
            child = subprocess.Popen(
                [sys.executable, "-I", "-u", "-c", BOOTSTRAP, f"{stem}.spec.json"],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started = time.monotonic()
        with self._lock:
            self._child = child
            stopping = self._stopping
        try:
            if stopping:
                kill_group(child.pid)
            finished = _wait_unreaped(child, timeout)
        finally:
            # Not reaped yet, so the process group id cannot have been reused.
            kill_group(child.pid)
            returncode = child.wait()
            with self._lock:
                self._child = None
        return judge(
            job.key,
            returncode if finished else None,
            report_path=f"{stem}.result.json",
            output_path=f"{stem}.out",
            elapsed=time.monotonic() - started,
            timeout=timeout,
        )

    def stop(self) -> None:
        """Kill the running job; refuse to start another."""
        with self._lock:
            self._stopping = True
            if self._child is not None:
                kill_group(self._child.pid)

    def close(self) -> None:
        """Nothing to release: each job's process is gone when its run returns."""


class ZygoteError(Exception):
    """A zygote could not start (its preload failed or it did not answer)."""


class Forked:
    """Run each job in a fresh fork of a zygote that imported the shared modules once."""

    def __init__(self, sys_path: Sequence[str], preload: Sequence[str], stem: str) -> None:
        self.broken = False
        with open(f"{stem}.spec.json", "w", encoding="utf-8") as stream:
            json.dump({"sys_path": list(sys_path), "preload": list(preload)}, stream)
        self._zygote = subprocess.Popen(
            [sys.executable, "-I", "-u", "-c", BOOTSTRAP, f"{stem}.spec.json"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._buffer = b""
        self._pid: int | None = None
        ready = self._read(START_TIMEOUT)
        if ready is None or not ready.get("ready"):
            self.close()
            reason = (ready or {}).get("error", "it did not answer")
            raise ZygoteError(f"the worker process could not start: {reason}")

    def run(self, job: Job, stem: str, timeout: float) -> Outcome:
        """Send ``job`` to the zygote and judge what its fork left behind."""
        command = {
            "function": job.function,
            "payload": job.payload,
            "result": f"{stem}.result.json",
            "output": f"{stem}.out",
            "timeout": timeout,
        }
        line = json.dumps(command).encode() + b"\n"  # a payload JSON cannot take is the caller's
        started = time.monotonic()
        reply: dict[str, Any] | None = None
        try:
            self._send(line)
            started_reply = self._read(_MARGIN)
            if started_reply is not None:
                self._pid = int(started_reply["pid"])
                reply = self._read(timeout + _MARGIN)
        except (OSError, ValueError, KeyError, TypeError):  # a broken pipe or a garbled reply
            reply = None
        elapsed = time.monotonic() - started
        if reply is None:
            # Only a job that attacks its own zygote gets here; its session goes with it.
            self.broken = True
            if self._pid is not None:
                kill_group(self._pid)
            self.close()
            error = "its process took down the worker process that ran it"
            return Outcome(
                job.key, Status.CRASHED, None, error, read_output(f"{stem}.out"), elapsed
            )
        self._pid = None
        return judge(
            job.key,
            reply["returncode"],
            report_path=f"{stem}.result.json",
            output_path=f"{stem}.out",
            elapsed=elapsed,
            timeout=timeout,
        )

    def stop(self) -> None:
        """Ask the zygote to kill the running job and end (it handles SIGTERM so)."""
        with contextlib.suppress(ProcessLookupError):
            self._zygote.send_signal(signal.SIGTERM)

    def close(self) -> None:
        """Close the zygote's stdin (it ends when it reads EOF) and reap it."""
        for stream in (self._zygote.stdin, self._zygote.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            self._zygote.wait(_MARGIN)
        except subprocess.TimeoutExpired:
            kill_group(self._zygote.pid)
            self._zygote.wait()

    def _send(self, line: bytes) -> None:
        assert self._zygote.stdin is not None
        self._zygote.stdin.write(line)
        self._zygote.stdin.flush()

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """Return the zygote's next message, or None on EOF or after ``timeout`` seconds."""
        assert self._zygote.stdout is not None
        descriptor = self._zygote.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready = remaining > 0 and select.select([descriptor], [], [], remaining)[0]
            chunk = os.read(descriptor, 65536) if ready else b""
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        message: dict[str, Any] = json.loads(line)
        return message


def kill_group(pid: int) -> None:
    """Kill the session (process group) led by ``pid``, if anything of it is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


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
