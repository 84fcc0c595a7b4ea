"""A Click app as people write them, adopted by pegboard without changing it."""

from __future__ import annotations

import click

from pegboard import Host


@click.group(context_settings={"auto_envvar_prefix": "SHIPX"}, epilog="Docs: shipx.example")
@click.version_option("2.0", prog_name="shipx")
@click.option("--format", "fmt", type=click.Choice(["plain", "table"]), default="plain")
@click.option("-v", "--verbose", count=True)
@click.pass_context
def app(ctx: click.Context, fmt: str, verbose: int) -> None:
    """Ship things."""
    ctx.obj = {"fmt": fmt, "verbose": verbose}


@app.command()
@click.pass_obj
def status(obj: dict[str, object]) -> None:
    """Show the status."""
    click.echo(f"status fmt={obj['fmt']} verbose={obj['verbose']}")


host = Host("shipx", version="2.0")
cli = host.attach(app)


def main() -> None:
    """Run shipx (the console script)."""
    host.main()
