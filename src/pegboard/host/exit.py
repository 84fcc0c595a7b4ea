"""Exit codes, and the one place pegboard errors become what a terminal shows.

The codes are part of the public contract (documented in the README) and never change:

====  =====================================================================
 0    success
 1    the operation failed (pip failed, a file could not be written, …)
 2    usage error (bad option or argument)
 3    not found (no such plugin or command, or the plugin is disabled for this run)
 4    a plugin failed (its check, its load, …) or was refused from its metadata
130   interrupted (Ctrl-C)
====  =====================================================================

Both roots a host runs under (:class:`~pegboard.host.root.HostGroup` and the fast path's
:class:`~pegboard.host.fastpath.CommandRoot`) render errors through :func:`render` and
:func:`converted`, imported when there is an error to render.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Sequence
from typing import IO, Any

import click

from pegboard._errors import (
    CommandNotFoundError,
    HookFailedError,
    InvalidNameError,
    PegboardError,
    PluginDisabledError,
    PluginLoadError,
    PluginNotFoundError,
)


class ExitCode(enum.IntEnum):
    """Process exit codes of pegboard and of every host built on it."""

    OK = 0
    """Success."""
    FAILED = 1
    """The operation failed."""
    USAGE = 2
    """The command line was wrong."""
    NOT_FOUND = 3
    """No such plugin or command, or the plugin is disabled for this run."""
    PLUGIN_FAILED = 4
    """A plugin failed its check or its load, or was refused from its metadata."""
    INTERRUPTED = 130
    """The user pressed Ctrl-C."""


def exit_code_for(error: PegboardError) -> ExitCode:
    """Return the exit code that reports ``error``."""
    if isinstance(error, PluginNotFoundError | CommandNotFoundError | PluginDisabledError):
        return ExitCode.NOT_FOUND
    if isinstance(error, PluginLoadError | HookFailedError):
        return ExitCode.PLUGIN_FAILED
    if isinstance(error, InvalidNameError):
        return ExitCode.USAGE
    return ExitCode.FAILED


class ReportedError(click.ClickException):
    """A :class:`PegboardError` as Click shows it: two short lines and the right exit code.

    With ``debug`` the original traceback is printed first. ``prog`` is the host's command as
    typed: an error about a plugin that brings no hint of its own (it was raised where the
    host is unknown) gets one naming it, e.g. "Run `acme plugins check NAME` ...".
    """

    def __init__(self, error: PegboardError, *, debug: bool = False, prog: str | None = None):
        super().__init__(error.message)
        self.error = error
        self.debug = debug
        self.hint = error.hint
        if self.hint is None and prog is not None and error.plugin is not None:
            plugin = error.plugin
            self.hint = (
                f"Run `{prog} plugins check {plugin}` for details, or "
                f"`{prog} plugins disable {plugin}` to switch it off."
            )
        self.exit_code = int(exit_code_for(error))  # type: ignore[misc]  # Click reads it per instance

    def show(self, file: IO[Any] | None = None) -> None:
        stream = file if file is not None else sys.stderr
        if self.debug:
            details = getattr(self.error, "details", None)
            if details:  # the plugin's own traceback, where the plugin failed
                click.echo(details.rstrip(), file=stream)
            else:
                import traceback

                traceback.print_exception(self.error, file=stream)
        from pegboard._text import printable_lines  # only when there is an error to show

        # Messages quote plugins' own errors and names: keep them from driving the terminal.
        click.echo(f"Error: {printable_lines(self.error.message)}", file=stream)
        if self.hint:
            click.echo(printable_lines(self.hint), file=stream)


def render(error: BaseException) -> int:
    """Show ``error`` as a short message; return the exit code it stands for."""
    if isinstance(error, KeyboardInterrupt):
        return int(ExitCode.INTERRUPTED)
    if isinstance(error, click.exceptions.Exit):
        return error.exit_code
    if isinstance(error, PegboardError):
        error = ReportedError(error)
    assert isinstance(error, click.ClickException)
    error.show()
    return error.exit_code


def converted(ctx: click.Context, error: PegboardError) -> ReportedError:
    """Return ``error`` as Click shows it, with the plugin's traceback under ``--debug``."""
    from pegboard.host.options import options

    debug = options(ctx).debug
    if debug and isinstance(error, PluginLoadError) and not error.details:
        error.details = _plugin_tracebacks(ctx, error.failed or [error.plugin])
    return ReportedError(error, debug=debug, prog=ctx.find_root().info_name)


def interrupted() -> click.exceptions.Exit:
    """Say that Ctrl-C stopped the host; return the exit that reports it.

    Click would report Ctrl-C as a failure (1, "Aborted!"); shells expect 128 + SIGINT.
    """
    click.echo("\nInterrupted.", err=True)
    return click.exceptions.Exit(int(ExitCode.INTERRUPTED))


def _plugin_tracebacks(ctx: click.Context, names: Sequence[str | None]) -> str | None:
    """Return the named plugins' own tracebacks, from imports in child interpreters."""
    from pegboard.host.root import host_of
    from pegboard.host.tracebacks import plugin_tracebacks

    host = host_of(ctx)
    catalog = host.pipeline_for(ctx).catalog
    records = [r for r in map(catalog.record, filter(None, names)) if r is not None]
    return plugin_tracebacks(host.identity, records) if records else None
