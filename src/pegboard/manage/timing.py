"""Measure plugins' import times in isolated children.

Each import runs in a fresh fork of a worker that has already imported what a host has
imported when it loads plugins (:data:`HOST_MODULES`: pegboard, click, pluggy). The number is
therefore what the plugin itself adds to a host's start-up: its own modules and any
dependencies pegboard does not already pull in, the same as
``python -c "import click, pluggy, pegboard; ...; import plugin"`` would time, and nothing is
cached from an earlier import. A plugin that hangs, crashes or prints stays in its child.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Mapping
from typing import Any, Final

from pegboard.host.loading import HOST_MODULES
from pegboard.workers import Job, Status, run_jobs
from pegboard.workers.runner import Progress

SLOW: Final = 0.1
"""Seconds of import time from which a plugin counts as slow."""


def import_times(
    targets: Mapping[str, str], *, timeout: float = 10.0, progress: Progress | None = None
) -> dict[str, float | None]:
    """Return each plugin's import time by name (``targets`` maps names to entry points).

    None stands for an import that fails, exits, crashes or outlasts ``timeout``.
    """
    jobs = [Job(name, f"{__name__}:import_job", {"target": t}) for name, t in targets.items()]
    outcomes = run_jobs(jobs, timeout=timeout, progress=progress, preload=(__name__, *HOST_MODULES))
    return {o.key: float(o.value) if o.status == Status.OK else None for o in outcomes}


def import_job(payload: Mapping[str, Any]) -> float:
    """Import entry-point target ``payload["target"]`` and return the seconds it took.

    Runs in the child. Extras (``module:attr [extra]``) are not part of the target.
    """
    module, _, attributes = str(payload["target"]).partition(":")
    started = time.perf_counter()
    value: Any = importlib.import_module(module.strip())
    for name in filter(None, attributes.partition("[")[0].strip().split(".")):
        value = getattr(value, name)
    return time.perf_counter() - started
