"""``HostGroup``: the root group of a host, with its global options and lazy commands.

It is built only when the invocation needs it: ``--help``, completion, the management
commands, global options before the command, and every plugin command the fast path
(:mod:`pegboard.host.fastpath`) leaves to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from pegboard.host.host import MANAGEMENT_COMMANDS, ReportingGroup, reported
from pegboard.host.lazy import PluginGroup
from pegboard.host.options import apply_environment, options

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from pegboard.host.catalog import Catalog
    from pegboard.host.host import Host

__all__ = ["HostGroup", "catalog_of", "host_of", "hosted_class", "print_version"]


def host_of(ctx: click.Context) -> Host:
    """Return the :class:`Host` whose command line ``ctx`` belongs to."""
    root = ctx.find_root().command
    if not isinstance(root, HostGroup):
        raise RuntimeError("this command must run under a pegboard Host")
    return root.host


def catalog_of(ctx: click.Context) -> Catalog:
    """Return the invocation's plugin catalog (created on first use)."""
    return host_of(ctx).catalog_for(ctx)


class HostGroup(ReportingGroup, PluginGroup):
    """The root group of a host: global options, the command hooks and error rendering.

    Errors render themselves wherever they happen: a :class:`PegboardError` becomes two
    short lines and its exit code, and Ctrl-C exits 130, during option parsing (``--help``,
    eager options), the command, completion and plugin shutdown alike.
    """

    host: Host
    global_keys: frozenset[str]
    """Keys of the pegboard global options mounted on this root."""
    app_class: type[click.Group] | None = None
    """The adopted application's own ``Group`` subclass, if it has one."""

    def __init__(self, host: Host, *, global_keys: frozenset[str], **kwargs: Any):
        super().__init__(pipeline_for=host.pipeline_for, **kwargs)
        self.host = host
        self.global_keys = global_keys

    def adopt(self, host: Host, params: list[click.Parameter]) -> None:
        """Make this copy of an application's root the root of ``host``."""
        self.host = host
        self.global_keys = frozenset(p.name for p in params if p.name is not None)
        self.pipeline_for = host.pipeline_for
        self.lazy_builtins = dict(MANAGEMENT_COMMANDS)
        self.params = [*self.params, *params]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with reported(ctx):
            self._read_global_options(ctx, args)
            return super().parse_args(ctx, args)

    def _read_global_options(self, ctx: click.Context, args: list[str]) -> None:
        """Read pegboard's global options before Click processes any option.

        Click runs eager options in command-line order, so ``--help --no-plugins`` would
        list plugins before it knows not to; reading these first makes the order irrelevant.
        """
        mine = [p for p in self.params if p.name in self.global_keys and p.name != "version"]
        try:
            opts, _, _ = self.make_parser(ctx).parse_args(args=list(args))
        except click.UsageError:
            opts = {}  # the real parse reports it
        for param in mine:
            param.handle_parse_result(ctx, opts, [])
        apply_environment(self.host.name, ctx, self.global_keys)

    # -- composed with an adopted application's Group subclass (see hosted_class) --------

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The application's list, in its order, then pegboard's commands it left out."""
        names = super().list_commands(ctx)
        if not self._app_overrides("list_commands"):
            return names
        listed = set(names)
        added = set(self.lazy_builtins) | set(self._plugin_help(ctx))
        return [*names, *sorted(added - listed)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Ask the application's lookup (aliases, prefixes), then pegboard's.

        An override that calls ``super().get_command`` reaches plugins and management
        commands through it; one that looks only at its own commands still has them after.
        """
        command = super().get_command(ctx, cmd_name)
        if command is None and self._app_overrides("get_command"):
            command = PluginGroup.get_command(self, ctx, cmd_name)
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with self.listing(ctx):
            super().format_help(ctx, formatter)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        with self.listing(ctx):
            return super().shell_complete(ctx, incomplete)

    def _app_overrides(self, method: str) -> bool:
        """Whether the adopted application's own class defines ``method``."""
        kind = self.app_class
        return kind is not None and getattr(kind, method) is not getattr(click.Group, method)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        with reported(ctx):
            name, command, rest = super().resolve_command(ctx, args)
            if command is None or name is None or ctx.resilient_parsing:
                return name, command, rest
            if name in self.lazy_builtins or command.name in self.lazy_builtins:
                return name, command, rest  # management commands never need plugins
            if options(ctx).strict:
                self.host.require_all_plugins(ctx)
            pipeline = self.host.pipeline_for(ctx)
            catalog = pipeline.catalog
            # Unlearnt plugins are learnt first (in children): no observer is skipped, and
            # none is imported here only to find out.
            catalog.learn(catalog.unlearnt())
            observers = catalog.observers()
            if not observers:
                return name, command, rest  # the common case: nothing more to import
            from pegboard.host.observe import ExecutionHooks, observe

            opts = options(ctx)
            hooks = ExecutionHooks(pipeline, observers, quiet=opts.quiet, debug=opts.debug)
            return name, observe(command, (name,), hooks), rest


_HOSTED: dict[type[click.Group], type[HostGroup]] = {}


def hosted_class(kind: type[click.Group]) -> type[HostGroup]:
    """Return a class behaving as ``kind`` (an app's Group subclass) and as a host's root.

    The order is ``HostGroup``, then ``kind``, then ``PluginGroup``, then ``click.Group``.
    ``HostGroup`` keeps what every root needs (global options, the command hooks, strict
    mode, error rendering, stand-ins while listing) and hands each call on to ``kind``; when
    ``kind``'s own overrides call ``super()``, they reach the lazy plugin group instead of
    Click's, so their aliases, sections and completions cover plugin commands too.
    ``kind``'s own context class is kept.
    """
    if issubclass(kind, HostGroup):
        return kind
    if kind is click.Group:
        return HostGroup
    found = _HOSTED.get(kind)
    if found is None:
        attributes: dict[str, Any] = {"__module__": kind.__module__, "app_class": kind}
        if kind.context_class is not click.Context:
            attributes["context_class"] = kind.context_class
        bases = (HostGroup, kind, PluginGroup)
        found = _HOSTED[kind] = type(f"Hosted{kind.__name__}", bases, attributes)
    return found


def print_version(ctx: click.Context, host: Host) -> None:
    """Print the host's version line (``--version``) and exit."""
    from pegboard._version import __version__

    text = f"{host.name} {host.identity.version}"
    if host.name != "pegboard":
        text += f" (pegboard {__version__}, plugin API {host.identity.api_version})"
    else:
        text += f" (plugin API {host.identity.api_version})"
    click.echo(text)
    ctx.exit(0)
