"""``doctor``: one report of everything that can be wrong with a host's plugin setup."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

import click

from pegboard._exit import ExitCode
from pegboard._host import catalog_of
from pegboard._state import PluginStates
from pegboard._timing import SLOW
from pegboard._version import __version__
from pegboard.cli._output import chosen_format, colour, emit, format_option
from pegboard.cli._plugins import plugin_row

SLOWEST = 5
"""How many of the slowest plugins to show."""


@click.command()
@format_option
@click.pass_context
def doctor(ctx: click.Context, output_format: str | None) -> None:
    """Check the installation and report problems.

    Shows the Python and pegboard versions, where the manifest and state files are and whether
    they are healthy, plugins that failed or were refused, and the slowest plugins by import
    time. Exits with 1 when something needs attention, 0 when all is well.
    """
    catalog = catalog_of(ctx)
    host = catalog.host
    states = PluginStates.for_host(host.name)
    disabled = states.disabled()
    manifest = catalog.manifest
    catalog.learn(catalog.selected())  # as --help would: failures show up once, isolated
    rows = [plugin_row(record, disabled) for record in catalog.records()]
    problems = [row for row in rows if row["state"] not in {"active", "discovered", "inactive"}]
    timed = [row for row in rows if row["import_seconds"] is not None and row["enabled"]]
    slowest = sorted(timed, key=lambda row: -row["import_seconds"])[:SLOWEST]
    report: dict[str, Any] = {
        "python": f"{platform.python_version()} ({sys.executable})",
        "pegboard": __version__,
        "host": {"name": host.name, "version": host.version, "api_version": host.api_version},
        "manifest": {
            "path": manifest.path,
            "plugins": len(manifest.records),
            "rebuilt_now": manifest.rebuilt,
            "writable": _writable(manifest.path),
        },
        "state_file": {
            "path": states.path,
            "exists": os.path.exists(states.path),
            "disabled": sorted(disabled),
            "notices": states.notices,
        },
        "problems": [
            {"name": r["name"], "state": r["state"], "reason": r["reason"]} for r in problems
        ],
        "slowest": [{"name": r["name"], "import_seconds": r["import_seconds"]} for r in slowest],
    }
    report["ok"] = not problems and not states.notices and report["manifest"]["writable"]

    def text() -> None:
        click.echo(f"Python:      {report['python']}")
        click.echo(f"pegboard:    {__version__}")
        click.echo(f"Host:        {host.name} {host.version} (plugin API {host.api_version})")
        state = "writable" if report["manifest"]["writable"] else colour("NOT writable", fg="red")
        click.echo(f"Manifest:    {manifest.path} ({len(manifest.records)} plugins, {state})")
        click.echo(
            f"State file:  {states.path}"
            + ("" if report["state_file"]["exists"] else " (none yet)")
        )
        for notice in states.notices:
            click.echo(colour(f"  {notice}", fg="yellow"))
        if disabled:
            click.echo(f"Disabled:    {', '.join(sorted(disabled))}")
        if problems:
            click.echo(colour(f"Problems ({len(problems)}):", fg="red"))
            for row in problems:
                click.echo(f"  {row['name']} [{row['state']}]: {row['reason']}")
        if slowest:
            click.echo("Slowest imports:")
            for row in slowest:
                mark = " (slow)" if row["import_seconds"] >= SLOW else ""
                click.echo(f"  {row['name']}: {row['import_seconds'] * 1000:.1f} ms{mark}")
        click.echo("All good." if report["ok"] else "Something needs attention (see above).")

    emit(report, chosen_format(ctx, output_format), text)
    if not report["ok"]:
        ctx.exit(int(ExitCode.FAILED))


def _writable(path: str) -> bool:
    folder = os.path.dirname(path)
    while folder and not os.path.exists(folder):
        folder = os.path.dirname(folder)
    return os.access(path if os.path.exists(path) else folder or ".", os.W_OK)
