"""``completion SHELL``: print the script that enables shell completion for the host.

The script is Click's own: the shell calls the host back with ``_<PROG>_COMPLETE`` set (e.g.
``_ACME_COMPLETE=bash_complete``), and the host answers from the manifest (plugin commands
and plugin names) without importing plugin code that is already known.
"""

from __future__ import annotations

import copy
from typing import Final

import click
from click.shell_completion import get_completion_class

from pegboard.host import config
from pegboard.host.root import host_of

SHELLS: Final = ("bash", "zsh", "fish")


class HostHelpCommand(click.Command):
    """A command whose help says ``{prog}`` where the host's command name belongs.

    The command object is shared by every host, so its help cannot hold one host's name;
    it is filled in when the help is shown, from the name the program was called by.
    """

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        named = copy.copy(self)
        named.help = (self.help or "").replace("{prog}", _prog_name(ctx))
        click.Command.format_help_text(named, ctx, formatter)


@click.command(cls=HostHelpCommand)
@click.argument("shell", type=click.Choice(SHELLS), metavar="SHELL")
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    Completion covers commands, options and installed plugin names. To enable it:

    \b
      bash:  add  eval "$({prog} completion bash)"  to ~/.bashrc
      zsh:   add  eval "$({prog} completion zsh)"   to ~/.zshrc
      fish:  {prog} completion fish > ~/.config/fish/completions/{prog}.fish
    """
    host = host_of(ctx)
    prog_name = _prog_name(ctx)
    variable = config.completion_variable(prog_name)
    completer = get_completion_class(shell)
    assert completer is not None  # Click knows every name in SHELLS
    click.echo(completer(host.cli, {}, prog_name, variable).source())


def _prog_name(ctx: click.Context) -> str:
    """Return the name the shell knows the program by.

    The completion variable is named from it, as ``Command.main`` names it when the shell
    calls back.
    """
    return ctx.find_root().info_name or host_of(ctx).name
