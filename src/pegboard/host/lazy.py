"""The lazy Click group: built-in and plugin commands, imported only when they run.

``--help`` and shell completion list plugin commands from the manifest; built-in commands are
named with their import path and short help so they too cost nothing until used. Running
``host NAME`` loads that plugin through the invocation's pipeline; the host's root wraps the
command so ``pre_execute``/``post_execute`` are called around it (``host.observe``).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import click

from pegboard._errors import CommandNotFoundError, PluginDisabledError, PluginLoadError
from pegboard._log import get_logger
from pegboard._text import printable
from pegboard.host.pipeline import named

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from pegboard.discovery.records import PluginRecord
    from pegboard.host.catalog import Catalog
    from pegboard.host.pipeline import Pipeline

logger = get_logger(__name__)

LazyBuiltin = tuple[str, str]
"""(``module:attribute`` of a Click command, its short help)."""

_LISTING: Final = "pegboard.listing"
"""``ctx.meta`` key set while the root lists its commands (help, completion of names)."""


class HostContext(click.Context):
    """A Click context that sizes help output without importing :mod:`shutil`.

    Click asks ``shutil.get_terminal_size`` for the width, and importing shutil pulls in
    the compression modules: more than a millisecond of a ``--help`` that is budgeted
    against a bare Click import. The rules are the same: ``COLUMNS``, else the terminal
    on stdout, else 80 columns.
    """

    def make_formatter(self) -> click.HelpFormatter:
        if self.terminal_width is not None or click.formatting.FORCED_WIDTH is not None:
            return super().make_formatter()
        max_width = self.max_content_width or 80
        width = max(min(_terminal_columns(), max_width) - 2, 50)
        return self.formatter_class(width=width, max_width=self.max_content_width)


def _terminal_columns() -> int:
    """Return the terminal's width as ``shutil.get_terminal_size().columns`` would."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout, a closed one, or not a tty
        return 80


class PluginGroup(click.Group):
    """A Click group whose plugin and built-in commands load on demand.

    ``pipeline_for(ctx)`` returns the invocation's :class:`~pegboard.host.pipeline.Pipeline`;
    it is a callable because the selection depends on options parsed into the context.
    """

    context_class = HostContext

    def __init__(
        self,
        *args: Any,
        pipeline_for: Callable[[click.Context], Pipeline],
        builtins: Mapping[str, LazyBuiltin] = {},
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.pipeline_for = pipeline_for
        self.lazy_builtins = dict(builtins)

    # -- listing, without imports ----------------------------------------------------------

    def builtin_names(self) -> set[str]:
        """Names that plugins may not take."""
        return set(self.commands) | set(self.lazy_builtins)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.builtin_names() | set(self._plugin_help(ctx)))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write built-in and plugin commands as two sections, from cached help only.

        Each section keeps the order of :meth:`list_commands` (sorted, unless an adopted
        application orders its commands itself).
        """
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        plugin_help = self._plugin_help(ctx)
        builtin_rows = []
        for name in names:
            command = self.commands.get(name)
            if command is not None and not command.hidden:
                builtin_rows.append((name, command.get_short_help_str(limit)))
            elif name in self.lazy_builtins:
                builtin_rows.append((name, self.lazy_builtins[name][1]))
        if builtin_rows:
            with formatter.section("Commands"):
                formatter.write_dl(builtin_rows)
        plugin_rows = [(name, plugin_help[name]) for name in names if name in plugin_help]
        if plugin_rows:
            with formatter.section("Plugin commands"):
                _write_rows(formatter, plugin_rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Complete command names from cached help; options as Click does."""
        from click.shell_completion import CompletionItem

        rows = {name: _short_help(command) for name, command in self.commands.items()}
        rows |= {name: text for name, (_, text) in self.lazy_builtins.items()}
        rows |= {name: text for name, text in self._plugin_help(ctx).items() if name not in rows}
        items = [
            CompletionItem(name, help=printable(text))  # shown by zsh and fish
            for name, text in sorted(rows.items())
            if name.startswith(incomplete)
        ]
        return items + click.Command.shell_complete(self, ctx, incomplete)

    def _plugin_help(self, ctx: click.Context) -> dict[str, str]:
        catalog = self.pipeline_for(ctx).catalog
        builtins = self.builtin_names()
        found = {n: h for n, h in catalog.command_help().items() if n not in builtins}
        groups = catalog.group_help().items()
        return found | {n: h for n, h in groups if n not in builtins and n not in found}

    # -- running ---------------------------------------------------------------------------

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is not None:
            return command
        lazy = self.lazy_builtins.get(cmd_name)
        if ctx.meta.get(_LISTING):
            return self._listed(ctx, cmd_name, lazy)
        if lazy is not None:
            module, _, attribute = lazy[0].partition(":")
            loaded: click.Command = getattr(importlib.import_module(module), attribute)
            return loaded
        return self._plugin_command(ctx, cmd_name)

    @contextlib.contextmanager
    def listing(self, ctx: click.Context) -> Iterator[None]:
        """Answer :meth:`get_command` with stand-ins while the commands are only listed.

        An application's own ``format_commands`` or ``shell_complete`` (or Click's) asks
        every listed command for its short help; a stand-in made from cached help answers
        that without importing a plugin or a management command.
        """
        before = ctx.meta.get(_LISTING)
        ctx.meta[_LISTING] = True
        try:
            yield
        finally:
            ctx.meta[_LISTING] = before

    def _listed(
        self, ctx: click.Context, name: str, lazy: LazyBuiltin | None
    ) -> click.Command | None:
        """Return a stand-in for ``name`` carrying its cached help, or None if unknown."""
        text = lazy[1] if lazy is not None else self._plugin_help(ctx).get(name)
        return None if text is None else click.Command(name, help=printable(text))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve like Click, but suggest commands and plugins when the name is unknown.

        The name may be a typo of one of the host's own commands as well as of a plugin's,
        so the error speaks of a command and suggests from both.
        """
        name = click.utils.make_str(args[0])
        if self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            root = ctx.find_root().info_name
            raise CommandNotFoundError(
                name,
                _suggest(name, self.list_commands(ctx)),
                hint=f"Run `{ctx.command_path} --help` to see the commands, or "
                f"`{root} plugins list --all` for every installed plugin.",
            )
        return super().resolve_command(ctx, args)

    def _plugin_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.builtin_names():
            return None
        pipeline = self.pipeline_for(ctx)
        catalog = pipeline.catalog
        record = catalog.record(name)
        if record is None or not record.usable:
            return _group_or_refusal(ctx, name, record, pipeline)
        if not catalog.selection.allows(name):
            if ctx.resilient_parsing:
                return None
            raise _not_selected(ctx, name, catalog)
        if ctx.resilient_parsing:
            # Completion needs the command, not a started plugin: import it alone, and only
            # when an earlier learning says it has a command.
            command = pipeline.command_only(name) if record.has_command else None
        else:
            loaded = pipeline.load_for_command(name)
            if loaded.error is not None:
                raise PluginLoadError(
                    f"Plugin {name!r} failed to load: {loaded.error}.",
                    plugin=name,
                    hint=f"Run `{ctx.find_root().info_name} plugins check {name}` for details.",
                    details=loaded.traceback,
                )
            command = loaded.command
        return named(command, name) if command is not None else None


def _group_or_refusal(
    ctx: click.Context, name: str, record: PluginRecord | None, pipeline: Pipeline
) -> click.Command | None:
    """Return the command group plugins add to under ``name``, else refuse an unusable plugin.

    Unlearnt plugins may add the group, so they are learnt first, except while completing,
    which never waits for learning. A plugin refused from its metadata (incompatible,
    invalid, ...) is named with its reason: calling it "no such command" would hide what the
    user has to fix.
    """
    catalog = pipeline.catalog
    if name in catalog.group_help() or (not ctx.resilient_parsing and catalog.unlearnt()):
        group = pipeline.load_group(name)
        if group is not None:
            return group
    if ctx.resilient_parsing:
        return None
    if record is not None:
        raise PluginLoadError(
            f"Plugin {name!r} cannot run: it is {record.verdict.value}"
            f" ({record.reason or 'no reason recorded'}).",
            plugin=name,
            hint=f"Run `{ctx.find_root().info_name} plugins info {name}` for details.",
        )
    # Only what was learnt before a plugin was switched off is known: a disabled plugin is
    # never imported, not even to learn which groups it adds to.
    providers = catalog.manifest.contributors(name).get(name, [])
    if providers and not any(map(catalog.selection.allows, providers)):
        raise _not_selected(ctx, providers[0], catalog, group=name, providers=providers)
    return None


def _not_selected(
    ctx: click.Context,
    name: str,
    catalog: Catalog,
    *,
    group: str | None = None,
    providers: Sequence[str] = (),
) -> PluginDisabledError:
    """Return the error for a plugin this run may not load, saying why and what to do.

    With ``group``, the plugin is the first of the ``providers`` of that command group, none
    of which may load: the message names the group and every plugin that provides it.
    """
    from pegboard.host import config

    root = ctx.find_root().info_name
    prefix = config.env_prefix(catalog.host.name)
    selection = catalog.selection
    names = list(providers) or [name]
    if selection.no_plugins:
        why = f"plugins are off for this run (--no-plugins or {prefix}_NO_PLUGINS)"
        hint = "Run the command without them to use it."
    elif name in selection.disabled_for_run:
        why = f"it is switched off for this run (--disable-plugin or {prefix}_DISABLE_PLUGINS)"
        hint = "Run the command without switching it off to use it."
    elif name in selection.disabled:
        why = "it is disabled"
        disabled = " ".join(n for n in names if n in selection.disabled)
        them = "them" if " " in disabled else "it"
        hint = f"Run `{root} plugins enable {disabled}` to enable {them}."
    else:
        why = f"it is not in {prefix}_PLUGINS, the only plugins this run may load"
        hint = f"Add it to {prefix}_PLUGINS, or unset the variable."
    message = f"Plugin {name!r} is not loaded: {why}."
    if group is not None and len(names) == 1:
        message = f"Command group {group!r} comes from plugin {name!r}, which is not loaded: {why}."
    elif group is not None:
        listed = ", ".join(map(repr, names))
        message = (
            f"Command group {group!r} comes from plugins {listed}, none of which is loaded"
            f" ({name!r}: {why})."
        )
    return PluginDisabledError(message, plugin=name, hint=hint)


def _write_rows(formatter: click.HelpFormatter, rows: list[tuple[str, str]]) -> None:
    """Write one line per row, help cut to the width.

    Click's ``write_dl`` wraps every row's text, which costs more than everything else in
    ``--help`` once hundreds of plugins are installed; plugin help is a short, one-line
    summary, so truncating it keeps the same look at a fraction of the cost.
    """
    indent = " " * formatter.current_indent
    first = min(max(len(name) for name, _ in rows), 30)
    room = max(formatter.width - formatter.current_indent - first - 2, 10)
    lines = []
    for raw_name, raw_text in rows:
        name, text = printable(raw_name), printable(raw_text)  # both come from plugins
        if len(name) > first:
            lines.append(f"{indent}{name}\n{indent}{'':{first}}  {_shorten(text, room)}\n")
        else:
            lines.append(f"{indent}{name:{first}}  {_shorten(text, room)}".rstrip() + "\n")
    formatter.write("".join(lines))


def _short_help(command: click.Command) -> str:
    return command.get_short_help_str()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 1)].rstrip() + "..."


def _suggest(name: str, candidates: list[str]) -> list[str]:
    from pegboard._names import suggest

    return suggest(name, candidates)
