"""Measure a plugin's import time in a child process.

A fresh interpreter gives an honest number (nothing is cached in ``sys.modules``) and keeps a
plugin that hangs, crashes or prints at import away from the measuring process.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Final

_MARK: Final = "pegboard-import-seconds:"
_SCRIPT: Final = f"""
import importlib, sys, time
module, _, attributes = sys.argv[1].partition(":")
start = time.perf_counter()
value = importlib.import_module(module.strip())
for name in filter(None, attributes.strip().split(".")):
    value = getattr(value, name)
print({_MARK!r}, time.perf_counter() - start)
"""

SLOW: Final = 0.1
"""Seconds of import time from which a plugin counts as slow."""


def import_seconds(
    target: str, *, timeout: float = 10.0, python: str = sys.executable
) -> float | None:
    """Return how long importing entry-point ``target`` takes, or None if it fails or hangs."""
    try:
        finished = subprocess.run(
            [python, "-c", _SCRIPT, target],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    for line in reversed(finished.stdout.splitlines()):
        if line.startswith(_MARK):
            return float(line.removeprefix(_MARK))
    return None
