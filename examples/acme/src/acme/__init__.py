"""acme: an existing Click application that adopts pegboard through ``Host.attach``.

The app below is written as any Click app is: its own ``--version``, ``ACME_*`` environment
variables through ``auto_envvar_prefix``, a verbosity option. ``host.attach(app)`` keeps all
of that and adds plugin commands (from the entry-point group ``acme.plugins``), the
``plugins``, ``doctor`` and ``completion`` commands and pegboard's global options that do not
clash with the app's.
"""

from __future__ import annotations

from typing import Any

import click

import pegboard
from pegboard import Host

VERSION = "1.4.0"


class AcmeSpec:
    """Hooks acme offers its plugins, next to pegboard's core hooks."""

    @pegboard.hookspec
    def acme_report(self, data: dict[str, Any]) -> str | None:
        """Add one line to ``acme status``; ``data`` describes the running acme."""


@click.group(context_settings={"auto_envvar_prefix": "ACME"})
@click.version_option(VERSION, prog_name="acme")
@click.option("-v", "--verbose", count=True, help="Say more (also ACME_VERBOSE=N).")
@click.pass_context
def app(ctx: click.Context, verbose: int) -> None:
    """acme: an example application that plugins extend."""
    ctx.obj = {"verbose": verbose}


@app.command()
@click.pass_obj
def status(obj: dict[str, Any]) -> None:
    """Show acme's status, with a line from every plugin that reports one."""
    click.echo(f"acme {VERSION} is running" + (" (verbose)" if obj["verbose"] else ""))
    registry = host.registry()
    for outcome in registry.call_hook_detailed_sync("acme_report", data={"version": VERSION}):
        if outcome.ok and outcome.result is not None:
            click.echo(f"  [{outcome.plugin}] {outcome.result}")
        elif not outcome.ok:
            click.echo(f"  [{outcome.plugin}] failed: {outcome.error!r}", err=True)


host = Host("acme", version=VERSION, api_version=VERSION, hookspecs=[AcmeSpec])
cli = host.attach(app)


def main() -> None:
    """Run acme (the console script)."""
    host.main()
