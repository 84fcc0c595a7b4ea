"""The zygote: a child interpreter that imports shared modules once and forks one child per job.

Starting an interpreter and importing pegboard and click costs far more than most jobs. A
zygote pays that once; every job then runs in a fresh fork of it, in a session of its own, so
it is as isolated from other jobs as a new interpreter would be and cannot disturb the zygote.
The parent sends one JSON line per job on the zygote's stdin and reads JSON lines back:
``{"pid": …}`` when the job's process starts, ``{"returncode": …}`` (None on timeout) when it
has ended and everything it started has been killed.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import select
import signal
import time
from collections.abc import Mapping
from typing import Any, Final

from pegboard.workers.child import flush_streams, run_job

_POLL: Final = 0.005
"""Seconds between checks for the end of a job where no pidfd can be waited on."""


class _Running:
    """The pid of the job's process while one runs, so SIGTERM can take it down too."""

    pid: int | None = None


def serve(spec: Mapping[str, Any]) -> None:
    """Import ``spec["preload"]``, report ready, then run jobs until stdin closes."""
    commands, replies = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    # From here on nothing printed by the zygote (or a preloaded module) reaches the replies.
    for descriptor in (0, 1, 2):
        os.dup2(devnull, descriptor)
    signal.signal(signal.SIGTERM, _on_terminate)
    try:
        for module in spec["preload"]:
            importlib.import_module(module)
    except Exception as error:  # the parent falls back to fresh interpreters
        _reply(replies, {"ready": False, "error": f"{type(error).__name__}: {error}"})
        return
    # Objects that exist now are shared by every fork; kept out of the collector's reach,
    # they are never written to, so the pages stay shared instead of being copied per job.
    gc.freeze()
    _reply(replies, {"ready": True})
    with os.fdopen(commands, "rb") as lines:
        for line in lines:
            job = json.loads(line)
            pid = _fork(job, closing=(commands, replies, devnull))
            _reply(replies, {"pid": pid})
            _reply(replies, {"returncode": _finish(pid, job["timeout"])})


def _fork(job: Mapping[str, Any], *, closing: tuple[int, ...]) -> int:
    """Start the job's process and return its pid; the child never returns from here."""
    output = os.open(job["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # SIGTERM waits until _Running names the new child, so it is never left behind.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    pid = os.fork()
    if pid == 0:
        code = 70  # the runner's own failure: reported as an exit without a report
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
            os.setsid()
            os.dup2(closing[-1], 0)
            os.dup2(output, 1)
            os.dup2(output, 2)
            for descriptor in (output, *closing):
                os.close(descriptor)
            run_job(job["function"], job["payload"], job["result"])
            flush_streams()
            code = 0
        finally:
            os._exit(code)
    _Running.pid = pid
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    os.close(output)
    return pid


def _finish(pid: int, timeout: float) -> int | None:
    """Wait for the job, kill what it left running, reap it; None when it ran out of time."""
    ended, status = _wait(pid, timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    if status is None:
        _, status = os.waitpid(pid, 0)
    _Running.pid = None
    return os.waitstatus_to_exitcode(status) if ended else None


def _wait(pid: int, timeout: float) -> tuple[bool, int | None]:
    """Wait up to ``timeout`` seconds for ``pid`` to end: (ended, wait status if reaped).

    With a pidfd the process is left unreaped, so its id (and process group id) cannot be
    reused before the group is killed.
    """
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd: poll, reaping as soon as it ends
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return True, status
            time.sleep(_POLL)
        return False, None
    try:
        ready, _, _ = select.select([handle], [], [], timeout)
    finally:
        os.close(handle)
    return bool(ready), None


def _reply(descriptor: int, message: Mapping[str, Any]) -> None:
    os.write(descriptor, json.dumps(message).encode() + b"\n")


def _on_terminate(signum: int, frame: object) -> None:
    """Take the running job down with the zygote: the parent is stopping."""
    if _Running.pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(_Running.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(_Running.pid, 0)
    os._exit(1)
