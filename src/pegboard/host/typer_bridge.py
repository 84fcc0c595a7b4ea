"""Mount Typer apps as commands of a Click group.

Recent Typer releases carry their own copy of Click, so the command Typer builds is not a
``click.Command`` of the Click pegboard uses and cannot be added to a Click group directly.
:class:`TyperBridge` is an ordinary Click command that hands its raw arguments to Typer's
command (parsing, help, errors) and asks it for completions. With an older Typer built on the
shared Click, the converted command is used as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


def is_typer_app(value: object) -> bool:
    """Whether ``value`` is a ``typer.Typer`` app, decided without importing Typer."""
    kind = type(value)
    return kind.__name__ == "Typer" and kind.__module__.split(".")[0] == "typer"


def as_click_command(app: Any, name: str) -> click.Command:
    """Return a Click command running the Typer ``app`` under ``name``."""
    import typer.main

    command = typer.main.get_command(app)
    if isinstance(command, click.Command):
        command.name = name
        return command
    return TyperBridge(name, command)


def typer_root(app: Any) -> click.Group:
    """Return a Click group standing for the Typer ``app`` as a host's root."""
    import typer.main

    command = typer.main.get_command(app)
    if isinstance(command, click.Group):
        return command
    commands = getattr(command, "commands", {})
    return click.Group(
        command.name,
        commands={name: TyperBridge(name, sub) for name, sub in commands.items()},
        help=command.help,
    )


class TyperBridge(click.Command):
    """A Click command that delegates everything to a command of Typer's own Click."""

    def __init__(self, name: str, inner: Any):
        self.inner = inner
        super().__init__(
            name,
            help=inner.help,
            short_help=inner.get_short_help_str(),
            add_help_option=False,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
            params=[
                click.Argument(
                    ["args"], nargs=-1, type=click.UNPROCESSED, shell_complete=self._complete
                )
            ],
        )

    def invoke(self, ctx: click.Context) -> Any:
        """Run the Typer command with the raw arguments; translate its exits and errors.

        The context is made and invoked here rather than through Typer's ``main``: in
        non-standalone mode ``main`` returns an exit code like a result, and
        ``typer.Exit(code=3)`` would end the host with 0.
        """
        args = [*ctx.params["args"], *ctx.args]
        try:
            with self.inner.make_context(ctx.command_path, args) as inner_ctx:
                return self.inner.invoke(inner_ctx)
        except Exception as exc:
            if type(exc).__module__.split(".")[0] != "typer":
                raise
            show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
            if code is None:  # Typer's Abort
                raise click.Abort from exc
            if callable(show):
                show()
            raise click.exceptions.Exit(code) from None

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Complete options and subcommands from the Typer command."""
        return self._complete(ctx, None, incomplete)

    def _complete(
        self, ctx: click.Context, param: click.Parameter | None, incomplete: str
    ) -> list[CompletionItem]:
        words = [*(ctx.params.get("args") or ()), *ctx.args]
        command = self.inner
        inner_ctx = command.make_context(ctx.info_name, list(words), resilient_parsing=True)
        # Walk into the subcommands the words name. This reads only the words themselves:
        # where a context keeps the unparsed rest differs between Click releases.
        while hasattr(command, "get_command"):
            index = next((i for i, word in enumerate(words) if not word.startswith("-")), None)
            sub = command.get_command(inner_ctx, words[index]) if index is not None else None
            if sub is None:
                break
            assert index is not None
            name, words = words[index], words[index + 1 :]
            inner_ctx = sub.make_context(
                name, list(words), parent=inner_ctx, resilient_parsing=True
            )
            command = sub
        from click.shell_completion import CompletionItem

        return [
            CompletionItem(item.value, type=item.type, help=item.help)
            for item in command.shell_complete(inner_ctx, incomplete)
        ]
