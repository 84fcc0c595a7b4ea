"""A Typer app whose callback reads ``-n/--notebook`` from an environment variable.

Its own group class resolves aliases and unique prefixes and lists commands newest name
first (reverse alphabetical order), as Typer's "Did you mean"/alias recipes do.
"""

from __future__ import annotations

from typing import Any, ClassVar

import typer
import typer.core

from pegboard import Host


class NotesGroup(typer.core.TyperGroup):
    """Aliases, then unique prefixes; commands listed in reverse alphabetical order."""

    ALIASES: ClassVar[dict[str, str]] = {"st": "status", "hi": "hello"}

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, self.ALIASES.get(cmd_name, cmd_name))
        if command is not None:
            return command
        matches = [name for name in self.list_commands(ctx) if name.startswith(cmd_name)]
        if len(matches) > 1:
            ctx.fail(f"{cmd_name!r} could be any of: {', '.join(sorted(matches))}.")
        return super().get_command(ctx, matches[0]) if matches else None

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(super().list_commands(ctx), reverse=True)


app = typer.Typer(help="Take notes.", epilog="Docs: https://notes.example", cls=NotesGroup)


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


@app.command()
def drafts() -> None:
    """List the drafts."""
    print("no drafts")


host = Host("notes", version="3.1", distribution="notesapp")
cli = host.attach(app)


def main() -> None:
    """Run notes (the console script)."""
    host.main()
