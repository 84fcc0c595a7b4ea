"""Check one plugin in a child process, so a plugin that crashes, hangs or exits cannot take
the checker down.

The parent (:func:`check_plugin`) runs ``python -m pegboard.manage.probe`` with the host's identity
and a report file, under a timeout. The child discovers the plugin afresh (no manifest),
loads and starts it as a host would, asks its ``health`` hook, and writes a JSON report. No
report means the child died: the exit status says how.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from pegboard.host.config import HostIdentity

DEFAULT_TIMEOUT = 30.0
"""Seconds a check may take before the plugin is reported as hanging."""


@dataclasses.dataclass
class CheckReport:
    """What checking one plugin found; ``problems`` is empty when the plugin is fine."""

    name: str
    problems: list[str] = dataclasses.field(default_factory=list)
    installed: bool = True
    distribution: str | None = None
    version: str | None = None
    verdict: str | None = None
    kind: str | None = None
    import_seconds: float | None = None
    seconds: float = 0.0
    hooks: list[str] = dataclasses.field(default_factory=list)
    commands: dict[str, str] = dataclasses.field(default_factory=dict)
    health: Any = None
    output: str = ""
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the plugin passed every check."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-compatible data (``ok`` included)."""
        return {"ok": self.ok, **dataclasses.asdict(self)}


def check_plugin(
    host: HostIdentity,
    name: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    python: str = sys.executable,
) -> CheckReport:
    """Check plugin ``name`` of ``host`` in a child process of ``python``."""
    handle, report_path = tempfile.mkstemp(prefix="pegboard-check-", suffix=".json")
    os.close(handle)
    command = [
        python,
        "-m",
        "pegboard.manage.probe",
        "--report",
        report_path,
        *_host_args(host),
        name,
    ]
    start = time.perf_counter()
    try:
        try:
            finished = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return CheckReport(
                name,
                [
                    f"the check did not finish within {timeout:g} s: the plugin hangs while "
                    "loading or starting; report it to its author or disable it"
                ],
                seconds=time.perf_counter() - start,
            )
        with open(report_path, encoding="utf-8") as stream:
            text = stream.read()
    finally:
        os.unlink(report_path)
    if not text:
        tail = (finished.stderr or "").strip().splitlines()[-3:]
        return CheckReport(
            name,
            [
                f"the check process died with exit status {finished.returncode} before "
                f"reporting ({' / '.join(tail) or 'no output'}); the plugin crashes its host"
            ],
            seconds=time.perf_counter() - start,
        )
    report = CheckReport(**json.loads(text))
    report.seconds = time.perf_counter() - start
    return report


def _host_args(host: HostIdentity) -> list[str]:
    args = [
        "--host",
        host.name,
        "--host-version",
        host.version,
        "--api-version",
        host.api_version,
        "--distribution",
        host.distribution,
    ]
    for spec in host.hookspecs:
        args += ["--hookspec", f"{spec.__module__}:{spec.__qualname__}"]
    for name in sorted(host.reserved):
        args += ["--reserved", name]
    return args


def _probe(args: argparse.Namespace) -> CheckReport:
    """Run in the child: discover, load, start and ask the plugin; never raise."""
    from pegboard._names import suggest
    from pegboard.discovery.entrypoints import discover
    from pegboard.hooks.names import HEALTH
    from pegboard.hooks.registry import Registry
    from pegboard.host.loading import load_plugins

    host = HostIdentity(
        args.host,
        args.host_version,
        args.api_version,
        args.distribution,
        hookspecs=tuple(_import(spec) for spec in args.hookspec),
        reserved=frozenset(args.reserved),
    )
    records = discover(
        host.group,
        host_distribution=host.distribution,
        host_version=host.version,
        reserved=host.reserved,
    )
    mine = [r for r in records if r.name == args.name]
    if not mine:
        close = suggest(args.name, [r.name for r in records])
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        problem = f"no plugin named {args.name!r} is installed.{hint}"
        return CheckReport(args.name, [problem], installed=False)
    record = next((r for r in mine if r.usable), mine[0])
    report = CheckReport(
        record.name,
        distribution=record.distribution,
        version=record.version,
        verdict=record.verdict.value,
    )
    report.problems += [
        f"another distribution also provides {record.name!r}: {r.reason}"
        for r in mine
        if r is not record
    ]
    if not record.usable:
        report.problems.append(f"{record.verdict.value}: {record.reason}")
        return report
    registry = Registry(hookspecs=host.hookspecs)
    (loaded,) = load_plugins(registry, [record], api_version=host.api_version)
    report.kind, report.import_seconds = loaded.kind, loaded.seconds
    report.output, report.traceback = loaded.output, loaded.traceback
    if loaded.output:
        report.problems.append(f"it prints while loading: {loaded.output.strip()[:200]!r}")
    if loaded.error is not None:
        report.problems.append(loaded.error)
        report.traceback = report.traceback or registry.meta(record.name).get("traceback")
        return report
    report.hooks = registry.implemented_hooks(record.name)
    report.commands = _commands(loaded.command, record.name)
    if HEALTH in report.hooks:
        outcomes = registry.call_hook_detailed_sync(HEALTH, timeout=args.timeout, offload_sync=True)
        for outcome in outcomes:
            if outcome.plugin != record.name:
                continue
            report.health = outcome.result if outcome.ok else repr(outcome.error)
            if not outcome.ok:
                report.problems.append(f"its health hook failed: {outcome.error!r}")
            elif outcome.result is not True:
                report.problems.append(f"it reports itself unhealthy: {outcome.result!r}")
    return report


def _commands(command: Any, name: str) -> dict[str, str]:
    """Return the command lines the plugin adds (it is mounted under its plugin name)."""
    if command is None:
        return {}
    found = {name: command.get_short_help_str()}
    for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
        found[f"{name} {sub_name}"] = sub.get_short_help_str()
    return found


def _import(spec: str) -> Any:
    import importlib

    module, _, qualname = spec.partition(":")
    value: Any = importlib.import_module(module)
    for part in qualname.split("."):
        value = getattr(value, part)
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the child process."""
    parser = argparse.ArgumentParser(prog="python -m pegboard.manage.probe")
    parser.add_argument("--report", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--host-version", required=True)
    parser.add_argument("--api-version", required=True)
    parser.add_argument("--distribution", required=True)
    parser.add_argument("--hookspec", action="append", default=[])
    parser.add_argument("--reserved", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("name")
    args = parser.parse_args(argv)
    report = _probe(args)
    with open(args.report, "w", encoding="utf-8") as stream:
        json.dump(dataclasses.asdict(report), stream, default=repr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
