"""``completion SHELL``: print the script that enables shell completion for the host.

The script is Click's own: the shell calls the host back with ``_<PROG>_COMPLETE`` set (e.g.
``_ACME_COMPLETE=bash_complete``), and the host answers from the manifest (plugin commands
and plugin names) without importing plugin code that is already known.
"""

from __future__ import annotations

from typing import Final

import click
from click.shell_completion import get_completion_class

from pegboard.host.host import host_of

SHELLS: Final = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS), metavar="SHELL")
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    Completion covers commands, options and installed plugin names. To enable it, with HOST
    standing for this command's name:

    \b
      bash:  add  eval "$(HOST completion bash)"  to ~/.bashrc
      zsh:   add  eval "$(HOST completion zsh)"   to ~/.zshrc
      fish:  HOST completion fish > ~/.config/fish/completions/HOST.fish
    """
    host = host_of(ctx)
    # The name the shell knows the program by; the variable is named from it as
    # Command.main names it when the shell calls back.
    prog_name = ctx.find_root().info_name or host.name
    complete_name = prog_name.replace("-", "_").replace(".", "_")
    variable = f"_{complete_name}_COMPLETE".upper()
    completer = get_completion_class(shell)
    assert completer is not None  # Click knows every name in SHELLS
    click.echo(completer(host.cli, {}, prog_name, variable).source())
