"""``plugins check [NAME]``: load plugins in isolated children and report what is wrong."""

from __future__ import annotations

import click

from pegboard._text import printable
from pegboard.cli._names import plugin_name_argument
from pegboard.cli._output import chosen_format, colour, emit, format_option, user_states
from pegboard.cli._progress import interrupt_exits, terminal_progress
from pegboard.host.exit import ExitCode
from pegboard.host.options import command_option, options
from pegboard.host.root import catalog_of, host_of
from pegboard.manage.probe import DEFAULT_TIMEOUT, CheckReport, check_plugins


@click.command()
@plugin_name_argument(required=False)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds each check may take before the plugin counts as hanging.",
)
@format_option
@command_option("quiet", expose=False)
@click.pass_context
def check(ctx: click.Context, name: str | None, timeout: float, output_format: str | None) -> None:
    """Check plugins in isolated child processes (all enabled ones, or NAME).

    Each plugin is imported, started and asked for its health in a process of its own under
    a timeout, several at a time, so a plugin that crashes, hangs or exits cannot take the
    checker or another plugin's verdict down. Disabled plugins are checked only when named.
    Exits with 4 when any plugin has a problem, 3 when NAME is not installed, 130 on Ctrl-C.
    """
    host = host_of(ctx)
    if name is None:
        # The state file and the run's --disable-plugin, not the whole selection:
        # --no-plugins must not check (and so import) plugins the user disabled.
        disabled = user_states(ctx).disabled() | options(ctx).disabled
        names = [r.name for r in catalog_of(ctx).records() if r.usable and r.name not in disabled]
    else:
        names = [name]
    quiet = options(ctx).quiet
    with interrupt_exits():
        reports = check_plugins(
            host.identity,
            names,
            timeout=timeout,
            progress=terminal_progress(ctx, output_format),
        )

    def text() -> None:
        for report in reports:
            _print_text(report, quiet=quiet)
        if not reports:
            click.echo("No plugins to check.")

    emit([r.to_json() for r in reports], chosen_format(ctx, output_format), text)
    if any(not r.installed for r in reports):
        ctx.exit(int(ExitCode.NOT_FOUND))
    if any(not r.ok for r in reports):
        ctx.exit(int(ExitCode.PLUGIN_FAILED))


def _print_text(report: CheckReport, *, quiet: bool) -> None:
    mark = colour("ok", fg="green") if report.ok else colour("FAILED", fg="red")
    version = f" {report.version}" if report.version else ""
    click.echo(f"{printable(report.name)}{printable(version)}: {mark}")
    for problem in report.problems:
        click.echo(f"  problem: {printable(problem)}")
    if quiet:
        return
    if report.import_seconds is not None:
        click.echo(f"  import time: {report.import_seconds * 1000:.1f} ms")
    if report.hooks:
        click.echo(f"  hooks: {printable(', '.join(report.hooks))}")
    for command, text in report.commands.items():
        click.echo(f"  command: {printable(command)}  {printable(text)}".rstrip())
    if report.health is not None:
        click.echo(f"  health: {printable(str(report.health))}")
