"""Progress of long runs (checks, timings) for people, and Ctrl-C as exit code 130.

Progress goes to stderr, and only when stderr is a terminal and the output is text for
people: never into JSON, YAML or ``--quiet`` output, never into a log file.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import click

from pegboard.cli._output import chosen_format
from pegboard.host.exit import ExitCode
from pegboard.host.options import options
from pegboard.workers.runner import Progress


def terminal_progress(ctx: click.Context, output_format: str | None) -> Progress | None:
    """Return a callback showing ``[done/total] name  elapsed`` on one line, or None."""
    stream = sys.stderr
    chosen_format(ctx, output_format)  # refuses YAML without PyYAML before any work
    if not options(ctx).for_people or not stream.isatty():
        return None
    width = 0

    def show(done: int, total: int, key: str, elapsed: float) -> None:
        nonlocal width
        name = "".join(c if c.isprintable() else "?" for c in key)[:40]
        line = f"[{done}/{total}] {name}  {elapsed:.1f} s"
        # Spaces, not an escape sequence, clear the rest: right on every terminal.
        stream.write("\r" + line.ljust(width))
        width = len(line)
        if done == total:
            stream.write("\r" + " " * width + "\r")
        stream.flush()

    return show


@contextlib.contextmanager
def interrupt_exits() -> Iterator[None]:
    """Turn Ctrl-C (the children are already stopped) into exit code 130."""
    try:
        yield
    except KeyboardInterrupt:
        click.echo("\nInterrupted.", err=True)
        raise click.exceptions.Exit(int(ExitCode.INTERRUPTED)) from None
