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
"""

from __future__ import annotations

import enum
import sys
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
from pegboard._text import printable_lines


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
        # Messages quote plugins' own errors and names: keep them from driving the terminal.
        click.echo(f"Error: {printable_lines(self.error.message)}", file=stream)
        if self.hint:
            click.echo(printable_lines(self.hint), file=stream)
