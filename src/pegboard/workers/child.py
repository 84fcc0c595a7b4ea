"""The child side of the runner: call one job's function and report on a separate channel.

The parent starts ``python -I -u -c BOOTSTRAP SPEC``: isolated mode keeps the working folder and
``PYTHON*`` variables out, and the bootstrap installs the parent's ``sys.path`` (passed in the
spec file) before anything of pegboard's is imported. File descriptors 1 and 2 already point to
the job's output file and 0 to ``/dev/null``; the report goes to its own file, written whole
and renamed into place, so what the job prints can never corrupt it.
"""

from __future__ import annotations

import json
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Mapping
from typing import Any, Final

from pegboard.workers.jobs import Status
from pegboard.workers.jsonsafe import json_safe, safe_repr

BOOTSTRAP: Final = (
    "import sys, json\n"
    "with open(sys.argv[1], encoding='utf-8') as stream:\n"
    "    spec = json.load(stream)\n"
    "sys.path[:] = spec['sys_path']\n"
    "from pegboard.workers.child import main\n"
    "main(spec)\n"
)
"""What ``python -c`` runs: only the standard library is imported before ``sys.path`` is set."""


def main(spec: Mapping[str, Any]) -> None:
    """Serve as a zygote, or run the job described by ``spec`` and end the process at once.

    ``os._exit`` skips waiting for threads the job left running and atexit handlers it
    registered: once the report is written, the job is over.
    """
    if "preload" in spec:
        from pegboard.workers.zygote import serve

        serve(spec)
        os._exit(0)
    run_job(spec["function"], spec["payload"], spec["result"])
    flush_streams()
    os._exit(0)


def run_job(function: str, payload: Any, result: str) -> None:
    """Call ``function(payload)`` and write what happened to the file ``result``; never raise."""
    started = time.perf_counter()
    report: dict[str, Any]
    try:
        # Converting is part of the job: a value whose conversion fails is the job's error.
        report = {"status": Status.OK, "value": json_safe(pkgutil.resolve_name(function)(payload))}
    except SystemExit as stop:
        report = {"status": Status.EXITED, "error": f"it called sys.exit({safe_repr(stop.code)})"}
    except BaseException as error:  # every failure of the job is its outcome, not ours
        _print_traceback()
        report = {"status": Status.RAISED, "error": f"it raised {_describe(error)}"}
    report["seconds"] = time.perf_counter() - started
    write_report(result, report)


def write_report(path: str, report: Mapping[str, Any]) -> None:
    """Write ``report`` as JSON under a temporary name and rename it into place."""
    text = json.dumps(report, allow_nan=False)
    temporary = f"{path}.part"
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


def _describe(error: BaseException) -> str:
    try:
        message = str(error)
    except Exception:  # a hostile __str__ still gets its type named
        message = ""
    name = type(error).__name__
    return f"{name}: {message}" if message else name


def _print_traceback() -> None:
    try:
        traceback.print_exc()
    except Exception:  # the traceback is a courtesy; the report must still be written
        os.write(2, b"(the traceback could not be printed)\n")


def flush_streams() -> None:
    """Flush what the job left in Python's stream buffers before the process ends."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a job may have replaced or closed the streams
            continue
