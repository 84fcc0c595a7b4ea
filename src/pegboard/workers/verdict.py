"""Read what a finished child left behind and turn it into one :class:`Outcome`.

The parent judges a job by two things only: the report file the child wrote (absent when the
child died before reporting) and how the child process ended. Both are read defensively; no
content of either can make the parent raise.
"""

from __future__ import annotations

import json
import signal
from typing import Any, Final

from pegboard.workers.jobs import Outcome, Status

OUTPUT_LIMIT: Final = 64 * 1024
"""Bytes of a job's output kept in its outcome; the rest is summarised by its size."""


def judge(
    key: str,
    returncode: int | None,
    *,
    report_path: str,
    output_path: str,
    elapsed: float,
    timeout: float,
) -> Outcome:
    """Return the outcome of job ``key``; ``returncode`` is None when it was killed for time."""
    output = read_output(output_path)
    if returncode is None:
        error = f"it did not finish within {timeout:g} s"
        return Outcome(key, Status.TIMEOUT, None, error, output, elapsed)
    report = _read_report(report_path)
    if report is not None:
        status = Status(report["status"])
        value = report.get("value") if status is Status.OK else None
        reason = None if status is Status.OK else str(report.get("error") or status)
        return Outcome(key, status, value, reason, output, float(report["seconds"]))
    if returncode < 0:
        return Outcome(key, Status.CRASHED, None, _signal_sentence(-returncode), output, elapsed)
    error = f"it exited with status {returncode} before returning"
    return Outcome(key, Status.EXITED, None, error, output, elapsed)


def read_output(path: str) -> str:
    """Return the first :data:`OUTPUT_LIMIT` bytes of the output file, decoded leniently."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(OUTPUT_LIMIT + 1)
            rest = stream.seek(0, 2) - OUTPUT_LIMIT
    except OSError:
        return ""
    text = head[:OUTPUT_LIMIT].decode("utf-8", errors="replace")
    if rest > 0:
        text += f"\n[… {rest} more bytes of output not shown]\n"
    return text


def _read_report(path: str) -> dict[str, Any] | None:
    """Return the child's report, or None when there is none or it is not one of ours."""
    try:
        with open(path, encoding="utf-8") as stream:
            report = json.load(stream)
        Status(report["status"])
        float(report["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return report if isinstance(report, dict) else None


def _signal_sentence(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    return f"its process was killed by {name}"
