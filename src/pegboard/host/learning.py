"""Learn what a plugin contributes (help, kind, hooks, groups) in a child interpreter.

Discovery knows names, targets and versions from metadata, but not a command's help or which
hooks a plugin implements: that takes an import. The import happens in a child interpreter
with a timeout and captured output, never in the host's process, and the plugin is never
started: a plugin that hangs, exits or prints at import costs one child, not the command
the user typed. The manifest keeps the facts until the plugin's distribution changes.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from pegboard.discovery.records import PluginRecord
    from pegboard.host.config import HostIdentity
    from pegboard.host.loading import LoadedPlugin

TIMEOUT: Final = 30.0
"""Seconds one plugin's import may take while it is learnt before it counts as hanging."""


def learn(
    host: HostIdentity, records: Sequence[PluginRecord], *, timeout: float = TIMEOUT
) -> dict[str, PluginRecord]:
    """Return each of ``records`` with what importing it (in a child) revealed.

    A plugin that cannot be learnt (it crashes, exits or hangs its interpreter) comes back
    as kind ``failed`` with the reason, so it is reported instead of tried on every start.
    """
    from pegboard.host.loading import HOST_MODULES
    from pegboard.workers import Job, run_jobs

    identity = host.to_payload()
    jobs = [
        Job(r.name, f"{__name__}:learn_in_child", {"host": identity, "record": r.to_row()})
        for r in records
    ]
    learnt: dict[str, PluginRecord] = {}
    # The children see this process's sys.path (without the working folder) and share the
    # modules a host has imported anyway, so learning costs no interpreter start per plugin.
    outcomes = run_jobs(jobs, timeout=timeout, preload=(__name__, *HOST_MODULES))
    for record, outcome in zip(records, outcomes, strict=True):
        if outcome.status == "ok" and isinstance(outcome.value, Mapping):
            learnt[record.name] = _with_facts(record, outcome.value)
        else:
            learnt[record.name] = record.learn(
                help=None,
                hooks=(),
                kind="failed",
                failure=f"it could not be imported to learn what it adds: {outcome.error}",
            )
    return learnt


def learn_in_child(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Import one plugin into a scratch registry and report its facts (runs in the child).

    No bytecode is written: learning must not change the folders whose stamps tell the
    manifest that something was installed.
    """
    sys.dont_write_bytecode = True
    from pegboard.discovery.records import PluginRecord
    from pegboard.hooks.registry import Registry
    from pegboard.host.config import HostIdentity
    from pegboard.host.loading import import_into

    host = HostIdentity.from_payload(payload["host"])
    record = PluginRecord.from_row(payload["record"])
    registry = Registry(hookspecs=host.hookspecs)
    loaded = import_into(registry, record, api_version=host.api_version)
    hooks = registry.implemented_hooks(record.name) if loaded.error is None else []
    return facts(loaded, hooks)


def facts(loaded: LoadedPlugin, hooks: Sequence[str]) -> dict[str, Any]:
    """Return what a load revealed about a plugin, as JSON data."""
    command = loaded.command
    kind = loaded.kind or "failed"
    if kind == "plugin" and command is None:
        kind = "hooks"
    return {
        "kind": kind,
        "help": command.get_short_help_str(limit=300) if command is not None else None,
        "hooks": sorted(hooks),
        "groups": list(loaded.groups),
        "failure": loaded.error,
        "import_seconds": loaded.seconds,
    }


def _with_facts(record: PluginRecord, found: Mapping[str, Any]) -> PluginRecord:
    return record.learn(
        help=found.get("help"),
        hooks=tuple(found.get("hooks") or ()),
        kind=str(found.get("kind") or "failed"),
        groups=tuple(found.get("groups") or ()),
        failure=found.get("failure"),
        import_seconds=found.get("import_seconds"),
    )
