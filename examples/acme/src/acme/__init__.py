"""acme: a small host application whose plugins live in the entry-point group ``acme.plugins``."""

from __future__ import annotations

from typing import Any

import click

import pegboard
from pegboard import Host


class AcmeSpec:
    """Hooks acme offers its plugins, next to pegboard's core hooks."""

    @pegboard.hookspec
    def acme_report(self, data: dict[str, Any]) -> str | None:
        """Add one line to ``acme status``; ``data`` describes the running acme."""


host = Host(
    "acme",
    version="1.4.0",
    api_version="1.4.0",
    hookspecs=[AcmeSpec],
    help="acme: an example application that plugins extend.",
)


@host.cli.command()
def status() -> None:
    """Show acme's status, with a line from every plugin that reports one."""
    click.echo("acme 1.4.0 is running")
    registry = host.registry()
    for outcome in registry.call_hook_detailed_sync("acme_report", data={"version": "1.4.0"}):
        if outcome.ok and outcome.result is not None:
            click.echo(f"  [{outcome.plugin}] {outcome.result}")
        elif not outcome.ok:
            click.echo(f"  [{outcome.plugin}] failed: {outcome.error!r}", err=True)


def main() -> None:
    """Run acme (the console script)."""
    host.main()
