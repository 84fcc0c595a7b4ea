"""``doctor``: one report of everything that can be wrong with a host's plugin setup."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any, Final

import click

from pegboard._text import printable
from pegboard._version import __version__
from pegboard.cli._output import (
    ACTIVE,
    chosen_format,
    colour,
    emit,
    escaped,
    format_option,
    is_quiet,
    milliseconds,
    needs_attention,
    plugin_row,
    plural,
    quiet_option,
    user_states,
)
from pegboard.host.exit import ExitCode
from pegboard.host.root import catalog_of

SLOWEST: Final = 5
"""How many of the slowest plugins to show."""


@click.command()
@format_option
@quiet_option
@click.pass_context
def doctor(ctx: click.Context, output_format: str | None, quiet: bool) -> None:
    """Check the installation and report problems.

    Shows the Python and pegboard versions, the host, where the manifest and state files are
    and whether they are healthy, enabled plugins that failed or were refused (with the
    reason), and the slowest plugins by import time. Enabled plugins not learnt yet are
    learnt first, in child interpreters, so their failures show up.

    Exit status: 0 when all is well, 1 when something needs attention. With --quiet only the
    problems are printed.
    """
    states = user_states(ctx)  # first: a corrupt state file must show up in this report
    disabled = states.disabled()
    catalog = catalog_of(ctx)
    manifest = catalog.manifest
    catalog.learn(catalog.unlearnt())
    rows = [plugin_row(record, disabled) for record in catalog.records()]
    problems = [row for row in rows if row.enabled and needs_attention(row)]
    timed = [row for row in rows if row.state == ACTIVE and row.import_seconds is not None]
    slowest = sorted(timed, key=lambda row: -(row.import_seconds or 0.0))[:SLOWEST]
    host = catalog.host
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
            "notices": list(states.notices),
        },
        "problems": [row.data(("name", "state", "reason")) for row in problems],
        "slowest": [row.data(("name", "import_seconds")) for row in slowest],
    }
    report["ok"] = not problems and not states.notices and report["manifest"]["writable"]

    def text() -> None:
        if not is_quiet(ctx, quiet):
            _print_setup(report)
        for notice in states.notices:
            click.echo(colour(f"State file: {printable(notice)}", fg="yellow"))
        if not report["manifest"]["writable"]:
            click.echo(colour("Manifest: its folder is not writable; starts stay slow.", fg="red"))
        if problems:
            click.echo(colour(f"Plugins needing attention ({len(problems)}):", fg="red"))
            for problem in map(escaped, report["problems"]):
                click.echo(f"  {problem['name']} [{problem['state']}]: {problem['reason']}")
        if is_quiet(ctx, quiet):
            return
        if slowest:
            click.echo("Slowest imports:")
            for slow in map(escaped, report["slowest"]):
                click.echo(f"  {slow['name']}: {milliseconds(slow['import_seconds'])}")
        click.echo("All good." if report["ok"] else "Something needs attention (see above).")

    emit(report, chosen_format(ctx, output_format), text)
    if not report["ok"]:
        ctx.exit(int(ExitCode.FAILED))


def _print_setup(report: dict[str, Any]) -> None:
    host, manifest, state_file = (
        escaped(report[key]) for key in ("host", "manifest", "state_file")
    )
    freshness = "rebuilt now" if manifest["rebuilt_now"] else "fresh"
    plugins = plural(manifest["plugins"], "plugin")
    click.echo(f"Python:      {printable(report['python'])}")
    click.echo(f"pegboard:    {report['pegboard']}")
    click.echo(f"Host:        {host['name']} {host['version']} (plugin API {host['api_version']})")
    click.echo(f"Manifest:    {manifest['path']} ({plugins}, {freshness})")
    exists = "" if state_file["exists"] else " (none yet: every plugin is enabled)"
    click.echo(f"State file:  {state_file['path']}{exists}")
    if state_file["disabled"]:
        click.echo(f"Disabled:    {', '.join(state_file['disabled'])}")


def _writable(path: str) -> bool:
    """Whether the manifest can be (re)written: an atomic replace needs its folder writable.

    A folder that does not exist yet is created on the first write, so its nearest existing
    parent decides.
    """
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return os.access(folder, os.W_OK)
