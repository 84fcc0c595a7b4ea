"""Example plugin: a Click command with an option, and a health hook."""

from __future__ import annotations

import click

import pegboard


@click.command()
@click.option("--name", default="world", show_default=True, help="Who to greet.")
def hello(name: str) -> str:
    """Say hello to someone."""
    click.echo(f"Hello, {name}!")
    return name


class HelloPlugin:
    """The plugin object: a version, the host API it needs, a command and hooks."""

    version = "1.0.0"
    requires_api_version = ">=1.0"
    command = hello

    @pegboard.hookimpl
    def health(self) -> bool:
        """Nothing can go wrong here."""
        return True

    @pegboard.hookimpl
    def acme_report(self, data: dict[str, object]) -> str:
        """Add a line to ``acme status`` (only acme has this hook)."""
        return f"hello is ready for acme {data['version']}"


plugin = HelloPlugin()
