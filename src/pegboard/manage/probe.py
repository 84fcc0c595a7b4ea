"""Check plugins in isolated children, so a plugin that crashes, hangs or exits cannot take
the checker (or another plugin's verdict) down.

The parent (:func:`check_plugins`) discovers the host's plugins afresh (no manifest), settles
what needs no plugin code (not installed, duplicated, incompatible) and runs one job per
remaining plugin through :mod:`pegboard.workers`. The child (:func:`check_job`) loads and
starts the plugin as a host would, asks its ``health`` hook and returns what it found.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from pegboard._names import suggest
from pegboard.discovery.entrypoints import discover
from pegboard.discovery.records import PluginRecord
from pegboard.hooks.names import HEALTH
from pegboard.host.config import HostIdentity
from pegboard.host.loading import HOST_MODULES
from pegboard.workers import Job, Outcome, Status, run_jobs
from pegboard.workers.jsonsafe import safe_repr
from pegboard.workers.runner import Progress

if TYPE_CHECKING:
    from pegboard.hooks.registry import Registry

DEFAULT_TIMEOUT: Final = 30.0
"""Seconds a check may take before the plugin is reported as hanging."""

HEALTH_TIMEOUT: Final = 10.0
"""Seconds the ``health`` hook may take inside a check."""

_WHOLE: Final = 10_000
"""A summary length no help text reaches, for summaries that are not cut."""


class CheckReport(NamedTuple):
    """What checking one plugin found; ``problems`` is empty when the plugin is fine.

    Made from the record, then once more with what the child found (:func:`check_job`
    sends that as plain data); ``plugins check`` prints its text and its JSON from it.
    ``hooks`` and ``commands`` stay empty unless the child loaded the plugin.
    """

    name: str
    problems: tuple[str, ...]
    commands: dict[str, str]
    installed: bool = True
    distribution: str | None = None
    version: str | None = None
    verdict: str | None = None
    kind: str | None = None
    import_seconds: float | None = None
    seconds: float = 0.0
    hooks: tuple[str, ...] = ()
    health: Any = None
    output: str = ""
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the plugin passed every check."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-compatible data (``ok`` included)."""
        return self._asdict() | {"ok": self.ok}


def check_plugins(
    host: HostIdentity,
    names: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> list[CheckReport]:
    """Check plugins ``names`` of ``host``, in children running side by side; one report each."""
    # Distributions may have been installed since this process looked (install verification).
    importlib.invalidate_caches()
    found: dict[str, list[PluginRecord]] = {}
    for record in discover(
        host.group,
        host_distribution=host.distribution,
        host_version=host.version,
        reserved=host.reserved,
    ):
        found.setdefault(record.name, []).append(record)
    reports = [_without_code(name, found) for name in names]
    to_load = [(report, found[report.name]) for report in reports if report.verdict == "ok"]
    host_data = host.to_payload()
    jobs = [
        Job(
            report.name,
            f"{__name__}:check_job",
            {"host": host_data, "record": _usable(records).to_row()},
        )
        for report, records in to_load
    ]
    preload = (__name__, *HOST_MODULES, *_spec_modules(host))
    outcomes = run_jobs(jobs, timeout=timeout, progress=progress, preload=preload)
    merged = {
        report.name: _merge(report, outcome, timeout)
        for (report, _), outcome in zip(to_load, outcomes, strict=True)
    }
    return [merged.get(report.name, report) for report in reports]


def check_plugin(host: HostIdentity, name: str, *, timeout: float = DEFAULT_TIMEOUT) -> CheckReport:
    """Check one plugin ``name`` of ``host`` in a child (the verification after an install)."""
    (report,) = check_plugins(host, [name], timeout=timeout)
    return report


def _without_code(name: str, found: Mapping[str, list[PluginRecord]]) -> CheckReport:
    """Return what can be said about ``name`` without importing it."""
    mine = found.get(name)
    if not mine:
        close = suggest(name, list(found))
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        problem = f"no plugin named {name!r} is installed.{hint}"
        return CheckReport(name, (problem,), {}, installed=False)
    record = _usable(mine)
    problems = [
        f"another distribution also provides {name!r}: {r.reason}" for r in mine if r is not record
    ]
    if not record.usable:
        problems.append(f"{record.verdict.value}: {record.reason}")
    return CheckReport(
        name,
        tuple(problems),
        {},
        distribution=record.distribution,
        version=record.version,
        verdict=record.verdict.value,
    )


def _usable(records: Sequence[PluginRecord]) -> PluginRecord:
    return next((r for r in records if r.usable), records[0])


def _merge(report: CheckReport, outcome: Outcome, timeout: float) -> CheckReport:
    """Return ``report`` with the child's outcome folded in."""
    # What the plugin wrote below Python's streams (os.write, subprocesses) is kept too.
    if outcome.status == Status.OK:
        found = outcome.value
        return report._replace(
            problems=(*report.problems, *found["problems"]),
            kind=found["kind"],
            import_seconds=found["import_seconds"],
            hooks=tuple(found["hooks"]),
            commands=found["commands"],
            health=found["health"],
            traceback=found["traceback"],
            output=found["output"] + outcome.output,
            seconds=outcome.seconds,
        )
    if outcome.status == Status.TIMEOUT:
        problem = (
            f"the check did not finish within {timeout:g} s: the plugin hangs while loading or "
            "starting; report it to its author or disable it"
        )
    else:
        tail = " / ".join(outcome.output.strip().splitlines()[-3:]) or "no output"
        problem = (
            f"the check process ended early: {outcome.error} (last output: {tail}); the "
            "plugin crashes its host"
        )
    return report._replace(
        problems=(*report.problems, problem), output=outcome.output, seconds=outcome.seconds
    )


def _spec_modules(host: HostIdentity) -> list[str]:
    """Return the modules of the host's hook specifications (a script's cannot be shared)."""
    return sorted({spec.__module__ for spec in host.hookspecs} - {"__main__"})


def check_job(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Load, start and ask one plugin as a host would; return what it found (in the child).

    The values are returned as they are: the runner makes them JSON-safe (a plugin's health
    value may be anything).
    """
    from pegboard.hooks.registry import Registry
    from pegboard.host.loading import load_plugins

    host = HostIdentity.from_payload(payload["host"])
    record = PluginRecord.from_row(payload["record"])
    registry = Registry(hookspecs=host.hookspecs)
    (loaded,) = load_plugins(registry, [record], api_version=host.api_version)
    printed = loaded.output.strip()[:200]
    problems = [f"it prints while loading: {printed!r}"] if loaded.output else []
    hooks: list[str] = []
    health: Any = None
    traceback = loaded.traceback
    if loaded.error is not None:
        problems.append(loaded.error)
        traceback = traceback or registry.meta(record.name).get("traceback")
    else:
        hooks = registry.implemented_hooks(record.name)
        if HEALTH in hooks:
            health, unhealthy = _health(registry, record.name)
            problems += unhealthy
    return {
        "problems": problems,
        "kind": loaded.kind,
        "import_seconds": loaded.seconds,
        "hooks": hooks,
        "commands": _commands(loaded.command, record.name) if loaded.error is None else {},
        "health": health,
        "output": loaded.output,
        "traceback": traceback,
    }


def _health(registry: Registry, name: str) -> tuple[Any, list[str]]:
    """Return what plugin ``name``'s ``health`` hook answered, and the problems it shows."""
    for outcome in registry.call_hook_detailed_sync(
        HEALTH, timeout=HEALTH_TIMEOUT, offload_sync=True
    ):
        if outcome.plugin != name:
            continue
        if not outcome.ok:
            error = safe_repr(outcome.error)
            return error, [f"its health hook failed: {error}"]
        if outcome.result is not True:
            return outcome.result, [f"it reports itself unhealthy: {safe_repr(outcome.result)}"]
        return outcome.result, []
    return None, []


def _commands(command: Any, name: str) -> dict[str, str]:
    """Return the command lines the plugin adds (it is mounted under its plugin name).

    Each with its whole summary: Click's default cuts it at 45 characters for help
    listings, but a report is read in full (and parsed, as JSON).
    """
    if command is None:
        return {}
    found = {name: command.get_short_help_str(limit=_WHOLE)}
    for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
        found[f"{name} {sub_name}"] = sub.get_short_help_str(limit=_WHOLE)
    return found
