"""A Typer app whose callback reads ``-n/--notebook`` from an environment variable."""

from __future__ import annotations

import typer

from pegboard import Host

app = typer.Typer(help="Take notes.", epilog="Docs: https://notes.example")


@app.callback()
def main_callback(
    ctx: typer.Context,
    notebook: str = typer.Option("inbox", "-n", "--notebook", envvar="NOTES_NOTEBOOK"),
) -> None:
    """Take notes."""
    ctx.obj = {"notebook": notebook}


@app.command()
def status(ctx: typer.Context) -> None:
    """Show the status."""
    print(f"status notebook={ctx.obj['notebook']}")


host = Host("notes", version="3.1", distribution="notesapp")
cli = host.attach(app)


def main() -> None:
    """Run notes (the console script)."""
    host.main()
