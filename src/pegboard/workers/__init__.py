"""Run jobs in isolated child interpreters: the one runner for every child pegboard starts.

``plugins check``, import timings, the verification after an install and the learning of new
plugins all run plugin code that may crash, hang, exit or print. Each of them describes its work
as :class:`Job` values (a ``"module:function"`` name and a JSON payload) and gets one
:class:`Outcome` per job from :func:`run_jobs`. This package imports only the standard library
and pegboard's base modules, so any layer may use it.
"""

from __future__ import annotations

from pegboard.workers.jobs import Job, Outcome, Status
from pegboard.workers.runner import run_jobs

__all__ = ["Job", "Outcome", "Status", "run_jobs"]
