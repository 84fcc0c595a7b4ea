"""``completion SHELL``: print the script that enables shell completion for the host."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from pegboard._host import host_of

SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print a shell completion script.

    Completion lists commands (plugin commands from the manifest, without importing them) and
    installed plugin names. Enable it for bash with: eval "$(HOST completion bash)".
    """
    host = host_of(ctx)
    variable = "_{}_COMPLETE".format(host.name.replace("-", "_").upper())
    completer = get_completion_class(shell)
    assert completer is not None  # every name in SHELLS is one Click knows
    click.echo(completer(host.cli, {}, host.name, variable).source())
