"""``plugins``: list, inspect, enable and disable a host's plugins without importing them.

Listing, inspecting, enabling and disabling read the manifest and the state file only, so a
broken plugin can never block its own inspection or removal. Import times come from the
manifest (learnt at the first load) or are measured in fresh child processes (``list
--timings``, ``info``), so a plugin that hangs or prints cannot disturb the host.

The group is assembled here; each further subcommand lives in its own module and joins with
one ``plugins.add_command(...)`` line at the bottom.
"""

from __future__ import annotations

from typing import Final

import click

from pegboard._errors import CommandNotFoundError
from pegboard._text import printable
from pegboard.cli._check import check
from pegboard.cli._manage import export, install, sync, uninstall
from pegboard.cli._names import (
    disabled_names,
    enabled_names,
    find_record,
    plugin_name_argument,
)
from pegboard.cli._new import new
from pegboard.cli._output import (
    ACTIVE,
    LIST_KEYS,
    chosen_format,
    emit,
    escaped,
    format_option,
    is_quiet,
    milliseconds,
    plugin_row,
    quiet_option,
    short_reason,
    styled_state,
    table,
    user_states,
)
from pegboard.cli._progress import interrupt_exits, terminal_progress
from pegboard.host.host import MANAGEMENT_COMMANDS
from pegboard.host.options import options
from pegboard.host.root import catalog_of
from pegboard.manage.timing import import_times

_COLUMNS: Final = (
    ("name", "name"),
    ("version", "version"),
    ("state", "state"),
    ("distribution", "distribution"),
    ("reason", "reason"),
)
_IMPORT_COLUMN: Final = ("import", "import time")

_INFO_LABELS: Final = (
    ("name", "Name"),
    ("version", "Version"),
    ("state", "State"),
    ("reason", "Reason"),
    ("distribution", "Distribution"),
    ("target", "Entry point"),
    ("kind", "Kind"),
    ("help", "Command help"),
    ("groups", "Command groups"),
    ("hooks", "Hooks"),
    ("import_seconds", "Import time"),
    ("failure", "Last failure"),
)

IMPORT_TIMEOUT: Final = 10.0
"""Default seconds a measured import may take before the plugin counts as hanging."""

timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=IMPORT_TIMEOUT,
    show_default=True,
    help="Seconds a measured import may take; a plugin that takes longer has no time.",
)


_DESCRIPTION: Final = MANAGEMENT_COMMANDS["plugins"][1]
"""One description of the group, in the host's --help and in its own."""


class _Subcommands(click.Group):
    """A group whose unknown subcommands are "not found" (exit 3), as the host's commands are."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0])
        if self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            from pegboard._names import suggest

            raise CommandNotFoundError(
                f"{ctx.info_name} {name}",
                suggest(name, self.list_commands(ctx)),
                hint=f"Run `{ctx.command_path} --help` to see its commands.",
            )
        return super().resolve_command(ctx, args)


@click.group(
    cls=_Subcommands,
    help=f"{_DESCRIPTION}\n\nListing, inspecting, enabling and disabling never import plugin "
    "code; checks run it in child processes.",
)
def plugins() -> None:
    """Group the plugin management commands (the help above is shared with the host's)."""


@plugins.command("list")
@click.option(
    "--all", "show_all", is_flag=True, help="Include failed, disabled and refused plugins."
)
@click.option(
    "--timings",
    is_flag=True,
    help="Measure each plugin's import time in a child process and flag slow ones.",
)
@timeout_option
@format_option
@quiet_option
@click.pass_context
def list_plugins(
    ctx: click.Context,
    *,
    show_all: bool,
    timings: bool,
    timeout: float,
    output_format: str | None,
    quiet: bool,
) -> None:
    """List installed plugins: name, version, state, distribution and why any failed.

    By default only active plugins (usable and enabled) are shown. Plugin code is never
    imported here: enabled plugins not learnt yet are learnt in child interpreters, and
    --timings measures in children too. With --quiet, print names only.
    """
    disabled = user_states(ctx).disabled() | options(ctx).disabled  # stored, or for this run
    catalog = catalog_of(ctx)
    catalog.learn(catalog.unlearnt(), timeout=timeout)  # in children: states as known now
    records = catalog.records()
    rows = [plugin_row(record, disabled) for record in records]
    keys: tuple[str, ...] = LIST_KEYS
    if timings:
        # Only active plugins are imported: a disabled one never is, --all or not.
        with interrupt_exits():
            seconds = import_times(
                {row.name: row.target for row in rows if row.state == ACTIVE},
                timeout=timeout,
                progress=terminal_progress(ctx, output_format),
            )
        rows = [plugin_row(record, disabled, measured=seconds) for record in records]
        keys = (*LIST_KEYS, "slow")
    if not show_all:
        rows = [row for row in rows if row.state == ACTIVE]

    def text() -> None:
        if is_quiet(ctx, quiet):
            for row in rows:
                click.echo(printable(row.name))
        elif not rows:
            more = "" if show_all else " (use --all to include failed, disabled and refused ones)"
            click.echo(f"No plugins{more}.")
        else:
            columns = (*_COLUMNS[:4], _IMPORT_COLUMN, _COLUMNS[4]) if timings else _COLUMNS
            shown = [
                safe
                | {
                    "state": styled_state(safe["state"]),
                    "reason": short_reason(safe["reason"]),
                    "import": milliseconds(safe["import_seconds"]),
                }
                for safe in (escaped(row.data()) for row in rows)
            ]
            click.echo(table(shown, columns))

    emit([row.data(keys) for row in rows], chosen_format(ctx, output_format), text)


@plugins.command("info")
@plugin_name_argument()
@timeout_option
@format_option
@quiet_option
@click.pass_context
def info(
    ctx: click.Context, name: str, timeout: float, output_format: str | None, quiet: bool
) -> None:
    """Show everything known about plugin NAME.

    Facts come from the manifest; the import time is measured in a child process, so the
    plugin is never imported into this one.
    """
    disabled = user_states(ctx).disabled() | options(ctx).disabled  # stored, or for this run
    catalog = catalog_of(ctx)
    record = find_record(ctx, name)
    if record in catalog.unlearnt():  # a disabled plugin is never imported, not even in a child
        catalog.learn([record], timeout=timeout)
        record = find_record(ctx, name)
    # A disabled plugin is not imported, not even in a child, to show its import time.
    measure = record.usable and record.name not in disabled
    seconds = import_times({name: record.target}, timeout=timeout) if measure else {}
    row = plugin_row(record, disabled, measured=seconds)

    def text() -> None:
        safe = escaped(row.data())
        if is_quiet(ctx, quiet):
            click.echo(f"{safe['name']} {safe['version']} {safe['state']}")
            return
        shown = safe | {
            "state": styled_state(row.state) + ("" if row.enabled else " (disabled)"),
            "hooks": "not known yet (never loaded)"
            if safe["hooks"] is None
            else ", ".join(safe["hooks"]) or "none",
            "groups": ", ".join(safe["groups"]) or None,
            "import_seconds": "unknown"
            if row.import_seconds is None
            else milliseconds(row.import_seconds),
            "failure": None if row.failure == row.reason else safe["failure"],
        }
        for key, label in _INFO_LABELS:
            if shown[key] is not None:
                click.echo(f"{label + ':':<15} {shown[key]}")

    emit(row.data(), chosen_format(ctx, output_format), text)


@plugins.command("enable")
@plugin_name_argument(choices=disabled_names)
@click.pass_context
def enable(ctx: click.Context, name: str) -> None:
    """Enable plugin NAME again (plugins are enabled unless disabled)."""
    _set_enabled(ctx, name, enabled=True)


@plugins.command("disable")
@plugin_name_argument(choices=enabled_names)
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Disable plugin NAME: its code is not imported at all until it is enabled again."""
    _set_enabled(ctx, name, enabled=False)


def _set_enabled(ctx: click.Context, name: str, *, enabled: bool) -> None:
    """Persist the choice; a name must be installed unless it is being cleaned up."""
    states = user_states(ctx)
    # A plugin uninstalled while disabled must still be enabled, to clear its entry.
    cleanup = name in states.disabled()
    record = catalog_of(ctx).record(name) if cleanup else find_record(ctx, name)
    changed = states.set_enabled(name, enabled)
    if options(ctx).quiet:
        return
    word = "enabled" if enabled else "disabled"
    if changed:
        click.echo(f"{word.capitalize()} plugin {name!r}.")
    else:
        click.echo(f"Plugin {name!r} is already {word}.")
    if enabled and record is not None and not record.usable:
        click.echo(
            f"Note: it is still not loaded: it is {record.verdict.value} "
            f"({printable(record.reason or 'no reason recorded')}).",
            err=True,
        )


plugins.add_command(check)
plugins.add_command(install)
plugins.add_command(uninstall)
plugins.add_command(sync)
plugins.add_command(export)
plugins.add_command(new)
