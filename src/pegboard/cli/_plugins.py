"""``plugins``: list, inspect, enable and disable plugins, without importing plugin code.

Listing, inspecting, enabling and disabling read the manifest and the state file only, so a
broken plugin can never block its own removal. Import times come from the manifest (learnt at
first load) or, with ``--timings``, from fresh child processes.
"""

from __future__ import annotations

from typing import Any

import click

from pegboard._host import catalog_of, options
from pegboard._records import PluginRecord
from pegboard._state import PluginStates
from pegboard._timing import SLOW, import_seconds
from pegboard.cli._check import check
from pegboard.cli._manage import install, new, uninstall
from pegboard.cli._names import find_record, plugin_name_argument
from pegboard.cli._output import chosen_format, colour, emit, format_option, table

_COLUMNS = (
    ("name", "name"),
    ("version", "version"),
    ("state", "state"),
    ("distribution", "distribution"),
    ("reason", "reason"),
)


def plugin_row(record: PluginRecord, disabled: frozenset[str]) -> dict[str, Any]:
    """Describe one record for ``list``/``info`` (the JSON shape in ``_output``)."""
    enabled = record.name not in disabled
    reason = record.reason or record.failure
    if not record.usable:
        state = record.verdict.value
    elif not enabled:
        state, reason = "inactive", "disabled by the user"
    elif record.kind == "failed":
        state = "failed"
    elif not record.learnt:
        state = "discovered"  # never loaded yet: nothing known beyond its metadata
    else:
        state = "active"
    return {
        "name": record.name,
        "version": record.version,
        "state": state,
        "enabled": enabled,
        "distribution": record.distribution,
        "kind": record.kind,
        "reason": reason,
        "import_seconds": record.import_seconds,
    }


@click.group()
def plugins() -> None:
    """List, inspect, check, install and manage plugins."""


@plugins.command("list")
@click.option(
    "--all", "show_all", is_flag=True, help="Include failed, disabled and refused plugins."
)
@click.option(
    "--timings", is_flag=True, help="Measure each plugin's import time in a child process."
)
@format_option
@click.pass_context
def list_plugins(
    ctx: click.Context, show_all: bool, timings: bool, output_format: str | None
) -> None:
    """List installed plugins with their version, state and distribution."""
    catalog = catalog_of(ctx)
    disabled = catalog.selection.disabled
    rows = [plugin_row(record, disabled) for record in catalog.records()]
    if not show_all:
        rows = [row for row in rows if row["state"] in {"active", "discovered"}]
    if timings:
        for row, record in zip(rows, _records_for(rows, catalog.records()), strict=True):
            if record.usable:
                row["import_seconds"] = import_seconds(record.target)
    fmt = chosen_format(ctx, output_format)

    def text() -> None:
        if options(ctx).quiet:
            for row in rows:
                click.echo(row["name"])
            return
        if not rows:
            hint = "" if show_all else " (use --all to include failed and disabled ones)"
            click.echo(f"No plugins{hint}.")
            return
        columns: tuple[tuple[str, str], ...] = _COLUMNS
        if timings:
            columns = (*_COLUMNS[:3], ("import", "import ms"), *_COLUMNS[3:])
            for row in rows:
                row["import"] = _milliseconds(row["import_seconds"])
        for row in rows:
            if row["state"] not in {"active", "discovered"}:
                row["state"] = colour(row["state"], fg="red" if row["enabled"] else "yellow")
        click.echo(table(rows, columns))

    emit(rows, fmt, text)


@plugins.command("info")
@plugin_name_argument()
@format_option
@click.pass_context
def info(ctx: click.Context, name: str, output_format: str | None) -> None:
    """Show everything known about plugin NAME."""
    record = find_record(ctx, name)
    row = plugin_row(record, catalog_of(ctx).selection.disabled)
    measured = import_seconds(record.target) if record.usable else None
    row.update(
        target=record.target,
        help=record.help,
        hooks=list(record.hooks) if record.hooks is not None else None,
        groups=list(record.groups),
        failure=record.failure,
        import_seconds=measured if measured is not None else record.import_seconds,
    )

    def text() -> None:
        labels = [
            ("name", "Name"),
            ("version", "Version"),
            ("state", "State"),
            ("distribution", "Distribution"),
            ("target", "Entry point"),
            ("kind", "Kind"),
            ("help", "Command help"),
            ("hooks", "Hooks"),
            ("groups", "Command groups"),
            ("import_seconds", "Import time"),
            ("reason", "Reason"),
        ]
        for key, label in labels:
            value = row[key]
            if key == "hooks":
                value = "not known yet (never loaded)" if value is None else ", ".join(value) or "-"
            elif key == "groups":
                value = ", ".join(value) or "-"
            elif key == "import_seconds":
                value = _milliseconds(value) + " ms" if value is not None else "unknown"
            if value is not None:
                click.echo(f"{label + ':':<15} {value}")

    emit(row, chosen_format(ctx, output_format), text)


@plugins.command("enable")
@plugin_name_argument()
@click.pass_context
def enable(ctx: click.Context, name: str) -> None:
    """Enable plugin NAME (plugins are enabled unless disabled)."""
    _set_enabled(ctx, name, True)


@plugins.command("disable")
@plugin_name_argument()
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Disable plugin NAME: it will not be imported at all until enabled again."""
    _set_enabled(ctx, name, False)


def _set_enabled(ctx: click.Context, name: str, enabled: bool) -> None:
    catalog = catalog_of(ctx)
    states = PluginStates.for_host(catalog.host.name)
    # A plugin uninstalled while disabled can still be enabled, to clean up its entry.
    if name not in states.disabled():
        find_record(ctx, name)
    changed = states.set_enabled(name, enabled)
    for notice in states.notices:
        click.echo(f"Warning: {notice}", err=True)
    word = "enabled" if enabled else "disabled"
    if options(ctx).quiet:
        return
    if changed:
        click.echo(f"{word.capitalize()} plugin {name!r}.")
    else:
        click.echo(f"Plugin {name!r} is already {word}.")


def _records_for(rows: list[dict[str, Any]], records: list[PluginRecord]) -> list[PluginRecord]:
    by_key = {(r.name, r.distribution): r for r in records}
    return [by_key[(row["name"], row["distribution"])] for row in rows]


def _milliseconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    text = f"{seconds * 1000:.1f}"
    return text + " (slow)" if seconds >= SLOW else text


for _command in (check, install, uninstall, new):
    plugins.add_command(_command)
