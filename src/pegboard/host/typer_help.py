"""Rich help for a Typer app adopted as a host's root, drawn by Typer itself.

A Typer app that uses Rich shows its help as panels: options, commands, epilog. The host's
root help must look the same, and also list what the host adds: pegboard's global options,
the management commands and the plugin commands. This module builds a copy of Typer's root
group for the app holding all of them, and asks it for its help (``format_help``, Typer's
public behaviour), so the panels, styles and markup are exactly Typer's. What the host adds
is drawn from what it already knows: plugin rows come from the manifest (no plugin is
imported), pegboard's options are declared as Typer options through ``typer.Option``.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, Literal

import click

from pegboard._text import printable
from pegboard.host.lazy import PluginGroup

if TYPE_CHECKING:
    from pegboard.host.typer_bridge import TyperRoot

PLUGIN_PANEL: Final = "Plugin commands"
"""The panel plugin commands are listed in, as the Click help's section of that name."""


def print_rich_help(root: TyperRoot, ctx: click.Context, markup_mode: str) -> None:
    """Print the root's help as Typer prints the app's: to stdout, through Rich."""
    inner = root.inner
    view = copy.copy(inner)
    view.commands = _commands(root, ctx, markup_mode)
    own = {param.name for param in inner.params}
    added = [p for p in root.params if p.name not in own and isinstance(p, click.Option)]
    view.params = [*inner.params, *_typer_options(added, markup_mode)]
    typer_ctx = view.context_class(view, info_name=ctx.info_name, **view.context_settings)
    view.format_help(typer_ctx, typer_ctx.make_formatter())


def _commands(root: TyperRoot, ctx: click.Context, markup_mode: str) -> dict[str, Any]:
    """Return Typer commands for every row: the app's own, the host's, the plugins'."""
    from typer.core import TyperCommand

    from pegboard.host.typer_bridge import TyperBridge

    def row(name: str, text: str, panel: str | None = None) -> Any:
        return TyperCommand(name, short_help=_literal(text, markup_mode), rich_help_panel=panel)

    commands: dict[str, Any] = {}
    for name, command in root.commands.items():
        if isinstance(command, TyperBridge):
            commands[name] = command.inner  # the app's command, with its panel and markup
        elif not command.hidden:  # a Click command the host added to the adopted app
            commands[name] = row(name, command.get_short_help_str())
    if isinstance(root, PluginGroup):
        for name, (_, text) in root.lazy_builtins.items():
            commands[name] = row(name, text)
        for name, text in sorted(root._plugin_help(ctx).items()):
            commands[name] = row(printable(name), text, PLUGIN_PANEL)
    return commands


def _typer_options(params: Iterable[click.Option], markup_mode: str) -> list[Any]:
    """Return Typer options that show as ``params`` do, declared through ``typer.Option``.

    Typer draws only its own options, so each Click option is declared again as a keyword
    of a callback that Typer converts, the way an app declares its options.
    """
    import typer
    import typer.main

    keywords, annotations = [], {}
    for param in params:
        declarations = list(param.opts)
        if param.secondary_opts:  # an on/off pair: "--pin/--no-pin"
            declarations[-1] += "/" + param.secondary_opts[0]
        default = typer.Option(
            None,
            *declarations,
            help=_literal(param.help or "", markup_mode),
            hidden=param.hidden,
            show_default=False,
        )
        assert param.name is not None
        annotations[param.name] = _annotation(param)
        keywords.append(
            inspect.Parameter(param.name, inspect.Parameter.KEYWORD_ONLY, default=default)
        )

    def callback(**values: Any) -> None:
        """Only declares the options."""

    callback.__signature__ = inspect.Signature(keywords)  # type: ignore[attr-defined]
    callback.__annotations__ = annotations
    app = typer.Typer(add_completion=False)
    app.callback()(callback)
    return list(typer.main.get_group(app).params)


def _annotation(param: click.Option) -> Any:
    """Return the type annotation under which Typer shows ``param``'s values."""
    if param.is_flag:
        return bool
    if param.count:
        return int
    if isinstance(param.type, click.Choice):
        choices = tuple(str(choice) for choice in param.type.choices)
        return Literal[choices] | None
    return list[str] | None if param.multiple else str | None


def _literal(text: str, markup_mode: str) -> str:
    """Return ``text`` shown as it is: control characters escaped, Rich markup too."""
    text = printable(text)
    if markup_mode == "rich":
        from rich.markup import escape

        return escape(text)
    return text
