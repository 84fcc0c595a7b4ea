"""The plugin's own traceback for ``--debug``, fetched without importing it in-process.

A plugin that failed when it was learnt (in a child) is never imported into the host again,
so its traceback is not at hand when the host reports the failure. With ``--debug`` the user
asks for it: it is taken from a fresh import in a child interpreter, under a time limit.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from pegboard.discovery.records import PluginRecord
    from pegboard.host.config import HostIdentity

TIMEOUT: Final = 30.0
"""Seconds the import may take before the plugin counts as hanging."""


def plugin_tracebacks(host: HostIdentity, records: Sequence[PluginRecord]) -> str | None:
    """Return the tracebacks of importing ``records``, each under its plugin's name."""
    from pegboard.workers import Job, run_jobs

    identity = host.to_payload()
    jobs = [
        Job(r.name, f"{__name__}:traceback_in_child", {"host": identity, "record": r.to_row()})
        for r in records
    ]
    found = []
    for record, outcome in zip(records, run_jobs(jobs, timeout=TIMEOUT), strict=True):
        text = outcome.value if outcome.status == "ok" else outcome.error
        if text:
            found.append(f"{record.name}:\n{str(text).rstrip()}")
    return "\n".join(found) or None


def traceback_in_child(payload: Mapping[str, Any]) -> str | None:
    """Import one plugin as the host would and return its traceback (runs in the child)."""
    sys.dont_write_bytecode = True  # a diagnosis must not change the folders' stamps
    from pegboard.discovery.records import PluginRecord
    from pegboard.hooks.registry import Registry
    from pegboard.host.config import HostIdentity
    from pegboard.host.loading import import_into

    host = HostIdentity.from_payload(payload["host"])
    record = PluginRecord.from_row(payload["record"])
    loaded = import_into(Registry(hookspecs=host.hookspecs), record, api_version=host.api_version)
    return loaded.traceback
