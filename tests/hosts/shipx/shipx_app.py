"""A Click app as people write them, adopted by pegboard without changing it.

Its root is its own ``Group`` subclass, as many apps have: commands may be shortened to a
unique prefix or called by an alias, help lists them in the app's own sections, and shell
completion offers the aliases too.
"""

from __future__ import annotations

from typing import ClassVar

import click
from click.shell_completion import CompletionItem

from pegboard import Host


class ShipxGroup(click.Group):
    """Prefixes and aliases for commands, help in sections, aliases completed."""

    ALIASES: ClassVar[dict[str, str]] = {"st": "status"}
    SECTIONS: ClassVar[dict[str, str]] = {"status": "Shipping", "deploy": "Shipping"}

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd_name = self.ALIASES.get(cmd_name, cmd_name)
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        matches = [name for name in self.list_commands(ctx) if name.startswith(cmd_name)]
        if len(matches) > 1:
            ctx.fail(f"{cmd_name!r} could be any of: {', '.join(sorted(matches))}.")
        return super().get_command(ctx, matches[0]) if matches else None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # The full name, not the prefix typed: what the command is known by everywhere.
        name, command, rest = super().resolve_command(ctx, args)
        return (command.name if command is not None else name), command, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {"Shipping": [], "Commands": []}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows = sections[self.SECTIONS.get(name, "Commands")]
                rows.append((name, command.get_short_help_str(60)))
        for title, rows in sections.items():
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        aliases = [
            CompletionItem(alias, help=f"Alias of {name}.")
            for alias, name in self.ALIASES.items()
            if alias.startswith(incomplete)
        ]
        return super().shell_complete(ctx, incomplete) + aliases


def make_app() -> click.Group:
    """Build shipx's root group: version option, env prefix, epilog, its own --format."""

    @click.group(
        cls=ShipxGroup,
        context_settings={"auto_envvar_prefix": "SHIPX", "show_default": True},
        epilog="Docs: shipx.example",
        short_help="Ship it.",
    )
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

    @app.command()
    @click.argument("target")
    def deploy(target: str) -> None:
        """Deploy to TARGET."""
        click.echo(f"deployed to {target}")

    return app


app = make_app()
host = Host("shipx", version="2.0")
cli = host.attach(app)


def main() -> None:
    """Run shipx (the console script)."""
    host.main()
