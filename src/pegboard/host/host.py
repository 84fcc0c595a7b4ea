"""``Host``: the plugin powers of pegboard for any Click (or Typer) application.

A host is a name, a version and an API version. Everything else derives from them: the
entry-point group ``<name>.plugins``, the environment variables ``<NAME>_NO_PLUGINS``,
``<NAME>_PLUGINS`` and ``<NAME>_STRICT_PLUGINS``, and the config and cache folders.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import click

from pegboard._errors import PegboardError, PluginLoadError
from pegboard._log import get_logger
from pegboard._names import validate_name
from pegboard.host import config
from pegboard.host.catalog import Catalog
from pegboard.host.config import HostIdentity, Selection
from pegboard.host.exit import ExitCode, ReportedError
from pegboard.host.lazy import LazyBuiltin, PluginGroup
from pegboard.host.options import (
    apply_environment,
    chosen_options,
    options,
    taken_by,
    without_clashes,
)
from pegboard.host.options import build as build_options
from pegboard.host.pipeline import Pipeline

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from pegboard.hooks.registry import Registry
    from pegboard.hooks.telemetry import Telemetry

logger = get_logger(__name__)

__all__ = [
    "MANAGEMENT_COMMANDS",
    "Host",
    "HostGroup",
    "catalog_of",
    "host_of",
    "options",  # defined in host.options; commands have always read it here
]

MANAGEMENT_COMMANDS: Final[dict[str, LazyBuiltin]] = {
    "plugins": (
        "pegboard.cli._plugins:plugins",
        "Manage plugins: list, inspect, check, install, uninstall, enable, disable or create them.",
    ),
    "doctor": ("pegboard.cli._doctor:doctor", "Check the installation and report problems."),
    "completion": ("pegboard.cli._completion:completion", "Print a shell completion script."),
}
"""Built-in commands every host has, imported only when used."""

_PIPELINE_KEY: Final = "pegboard.pipeline"


def host_of(ctx: click.Context) -> Host:
    """Return the :class:`Host` whose command line ``ctx`` belongs to."""
    root = ctx.find_root().command
    if not isinstance(root, HostGroup):
        raise RuntimeError("this command must run under a pegboard Host")
    return root.host


def catalog_of(ctx: click.Context) -> Catalog:
    """Return the invocation's plugin catalog (created on first use)."""
    return host_of(ctx).catalog_for(ctx)


class HostGroup(PluginGroup):
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

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run as Click does; also render what escapes it (shell completion runs outside)."""
        try:
            return super().main(*args, **kwargs)
        except (
            PegboardError,
            KeyboardInterrupt,
            click.ClickException,
            click.exceptions.Exit,
        ) as exc:
            if not kwargs.get("standalone_mode", True):
                raise
            sys.exit(_render(exc))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with _reported(ctx):
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

    def invoke(self, ctx: click.Context) -> Any:
        with _reported(ctx):
            return super().invoke(ctx)

    # -- composed with an adopted application's Group subclass (see _hosted_class) --------

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
        with _reported(ctx):
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


def _render(error: BaseException) -> int:
    """Show ``error`` as a short message; return the exit code it stands for."""
    if isinstance(error, KeyboardInterrupt):
        return int(ExitCode.INTERRUPTED)
    if isinstance(error, click.exceptions.Exit):
        return error.exit_code
    if isinstance(error, PegboardError):
        error = ReportedError(error)
    assert isinstance(error, click.ClickException)
    error.show()
    return error.exit_code


@contextlib.contextmanager
def _reported(ctx: click.Context) -> Iterator[None]:
    """Turn pegboard errors into Click errors with exit codes, and Ctrl-C into exit 130."""
    try:
        yield
    except PegboardError as exc:
        prog = ctx.find_root().info_name
        debug = options(ctx).debug
        if debug and isinstance(exc, PluginLoadError) and not exc.details:
            exc.details = _plugin_tracebacks(ctx, exc.failed or [exc.plugin])
        raise ReportedError(exc, debug=debug, prog=prog) from exc
    except KeyboardInterrupt:
        # Click would report Ctrl-C as a failure (1, "Aborted!"); shells expect 128 + SIGINT.
        click.echo("\nInterrupted.", err=True)
        raise click.exceptions.Exit(int(ExitCode.INTERRUPTED)) from None


def _plugin_tracebacks(ctx: click.Context, names: Sequence[str | None]) -> str | None:
    """Return the named plugins' own tracebacks, from imports in child interpreters."""
    from pegboard.host.tracebacks import plugin_tracebacks

    host = host_of(ctx)
    catalog = host.pipeline_for(ctx).catalog
    records = [r for r in map(catalog.record, filter(None, names)) if r is not None]
    return plugin_tracebacks(host.identity, records) if records else None


_HOSTED: dict[type[click.Group], type[HostGroup]] = {}


def _hosted_class(kind: type[click.Group]) -> type[HostGroup]:
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


class Host:
    """A command-line application that plugins extend.

    ``host.cli`` is its Click group: plugin commands are mounted lazily, and ``plugins``,
    ``doctor`` and ``completion`` are built in. Adopt an existing Click group or Typer app
    with :meth:`attach`, or add commands with ``@host.cli.command()``. ``hookspecs`` are the
    host's own hook specification classes; ``distribution`` is the distribution plugins name
    in their ``Requires-Dist`` (default: ``name``). ``telemetry`` receives local events
    (plugin states, load times, hook failures, command durations); nothing leaves the
    machine. ``startup_timeout`` bounds each plugin's ``startup``. ``entry_point_group``
    names the entry-point group (or groups) plugins are declared in, ``<name>.plugins`` by
    default: an app whose plugins already live elsewhere (``myapp.commands``) keeps them
    unchanged. ``global_options`` maps a
    global option's key (``format``, ``quiet``, ``debug``, ``no_plugins``,
    ``disable_plugin``, ``strict_plugins``, ``version``) to the flags to use instead, or to
    ``None`` to leave it out.
    """

    def __init__(
        self,
        name: str,
        *,
        version: str,
        api_version: str | None = None,
        hookspecs: Iterable[Any] = (),
        distribution: str | None = None,
        help: str | None = None,
        telemetry: Telemetry | None = None,
        startup_timeout: float = 10.0,
        global_options: Mapping[str, Sequence[str] | None] | None = None,
        entry_point_group: str | Sequence[str] | None = None,
    ):
        validate_name(name, what="host name")
        groups = (entry_point_group,) if isinstance(entry_point_group, str) else entry_point_group
        self._identity = HostIdentity(
            name=name,
            version=version,
            api_version=api_version or version,
            distribution=distribution,
            hookspecs=tuple(hookspecs),
            telemetry=telemetry,
            startup_timeout=startup_timeout,
            entry_point_groups=tuple(groups or ()),
            # The module creating the host: its distribution is the host's when none is named.
            defined_in=sys._getframe(1).f_globals.get("__name__") if distribution is None else None,
        )
        self.help = help
        self._options = chosen_options(global_options or {})
        self._cli: HostGroup | None = None

    @property
    def name(self) -> str:
        """The host's name: its command, entry-point group prefix and env-var prefix."""
        return self._identity.name

    @property
    def identity(self) -> HostIdentity:
        """The host's identity, with its current built-in command names as reserved."""
        return self._identity.with_reserved(frozenset(self.cli.builtin_names()))

    @property
    def cli(self) -> HostGroup:
        """The host's Click group, built once."""
        if self._cli is None:
            params = self._global_params(taken_by((), ["-h", "--help"]))
            self._cli = HostGroup(
                self,
                global_keys=frozenset(p.name for p in params if p.name is not None),
                name=self.name,
                help=self.help,
                params=params,
                builtins=MANAGEMENT_COMMANDS,
                context_settings={"help_option_names": ["-h", "--help"]},
            )
        return self._cli

    def attach(self, app: Any) -> HostGroup:
        """Adopt an existing Click group or Typer app as this host's root command.

        Everything the app's root has is kept: its commands, options, callback, help,
        epilog, context settings (``auto_envvar_prefix``, ``help_option_names``, ...),
        result callback and the behaviour of its own ``Group`` subclass. Plugin commands,
        the management commands and pegboard's global options are added; a global option
        whose name or flag the app already uses is left out. The returned group becomes
        ``host.cli``; use it (or :meth:`main`) as the application's entry point.

        The rule for a ``Group`` subclass: its overrides run, and ``super()`` in them reaches
        pegboard's lazy group rather than Click's. So ``get_command`` and
        ``resolve_command`` aliases or prefixes reach plugin and management commands,
        ``list_commands`` orders them too, and ``format_commands`` and ``shell_complete``
        list them; listing uses stand-ins carrying the cached help, so help and completion
        still import no plugin. An override that bypasses ``super()`` keeps its result,
        and pegboard adds to it: commands its ``get_command`` does not find are looked up as
        plugins, and names its ``list_commands`` leaves out are listed after its own. Around
        the app's methods pegboard keeps its global options, strict mode, the command hooks
        (named as the app's ``resolve_command`` names the command) and error reporting.
        """
        from pegboard.host.typer_bridge import is_typer_app

        if is_typer_app(app):
            from pegboard.host.typer_bridge import typer_root

            app = typer_root(app)
        if not isinstance(app, click.Group):
            raise TypeError(f"expected a click.Group or a typer.Typer app, got {app!r}")
        import copy

        adopted = copy.copy(app)
        adopted.__class__ = _hosted_class(type(app))
        assert isinstance(adopted, HostGroup)
        settings = app.context_settings
        help_names = settings.get("help_option_names", ["--help"]) if app.add_help_option else []
        adopted.adopt(self, self._global_params(taken_by(app.params, help_names)))
        self._cli = adopted
        return adopted

    def _global_params(self, taken: set[str]) -> list[click.Parameter]:
        return build_options(
            self.name, without_clashes(self._options, taken), lambda ctx: _print_version(ctx, self)
        )

    def main(self, args: Sequence[str] | None = None) -> Any:
        """Run the command line (the console-script entry point of a host)."""
        return self.cli.main(args=list(args) if args is not None else None, prog_name=self.name)

    def pipeline_for(self, ctx: click.Context) -> Pipeline:
        """Return the invocation's pipeline, created from its options and environment.

        Its plugins are shut down when the invocation's root context closes.
        """
        root = ctx.find_root()
        pipeline: Pipeline | None = root.meta.get(_PIPELINE_KEY)
        if pipeline is None:
            opts = options(ctx)
            selection = self.selection(no_plugins=opts.no_plugins, disabled=opts.disabled)
            pipeline = Pipeline(Catalog(self.identity, selection))
            root.meta[_PIPELINE_KEY] = pipeline
            root.call_on_close(_interruptible(pipeline.shutdown))
            root.call_on_close(lambda: self._tell_missing(root, pipeline.catalog))
        return pipeline

    def catalog_for(self, ctx: click.Context) -> Catalog:
        """Return the invocation's plugin catalog (what is installed and selected)."""
        return self.pipeline_for(ctx).catalog

    def _tell_missing(self, ctx: click.Context, catalog: Catalog) -> None:
        """Say once on stderr when plugins installed through the host are missing.

        Only after the manifest was rebuilt: on a warm start nothing can have changed.
        """
        manifest = catalog.loaded_manifest
        if not options(ctx).for_people or manifest is None or not manifest.rebuilt:
            return
        from pegboard.host.pluginset import canonical, missing_notice

        notice = missing_notice(self.name, {canonical(r.distribution) for r in manifest.records})
        if notice is not None:
            click.echo(f"Note: {notice}", err=True)

    def registry(self, ctx: click.Context | None = None) -> Registry:
        """Load every enabled plugin (isolated) and return the registry to call hooks on.

        For the host's own commands: ``host.registry().call_hook_detailed_sync("my_hook")``.
        Plugins are loaded and started once per invocation, and shut down when it ends.
        """
        pipeline = self.pipeline_for(ctx if ctx is not None else click.get_current_context())
        pipeline.load_selected()
        return pipeline.registry

    def selection(self, *, no_plugins: bool = False, disabled: Iterable[str] = ()) -> Selection:
        """Return which plugins may load: the run's choices, the allow-list and the state file.

        ``disabled`` are the plugins switched off for this run only (``--disable-plugin``,
        ``<PREFIX>_DISABLE_PLUGINS``); the state file is not changed.
        """
        if no_plugins:
            return Selection(no_plugins=True)
        from pegboard.host.state import PluginStates

        allow = config.env(self.name, "PLUGINS")
        only = frozenset(filter(None, (n.strip() for n in allow.split(",")))) if allow else None
        states = PluginStates.for_host(self.name)
        stored = states.disabled()
        for notice in states.notices:  # the file was moved aside: this is said only once
            click.echo(f"Warning: {notice}", err=True)
        return Selection(only=only, disabled=stored, disabled_for_run=frozenset(disabled))

    def require_all_plugins(self, ctx: click.Context) -> None:
        """Load every selected plugin and raise if any failed (strict mode)."""
        failures = self.pipeline_for(ctx).load_selected()
        if failures:
            reasons = "; ".join(f"{f.record.name}: {f.error}" for f in failures)
            names = " ".join(f.record.name for f in failures)
            raise PluginLoadError(
                f"{len(failures)} plugin(s) failed to load: {reasons}.",
                hint=f"Strict mode is on; fix them, or run `{self.name} plugins disable {names}`.",
                details="\n".join(f.traceback for f in failures if f.traceback) or None,
                failed=[f.record.name for f in failures],
            )


def _interruptible(shutdown: Callable[[], None]) -> Callable[[], None]:
    """Return ``shutdown`` turning Ctrl-C into exit 130 (it runs as the context closes)."""

    def run() -> None:
        try:
            shutdown()
        except KeyboardInterrupt:
            click.echo("\nInterrupted.", err=True)
            raise click.exceptions.Exit(int(ExitCode.INTERRUPTED)) from None

    return run


def _print_version(ctx: click.Context, host: Host) -> None:
    from pegboard._version import __version__

    text = f"{host.name} {host.identity.version}"
    if host.name != "pegboard":
        text += f" (pegboard {__version__}, plugin API {host.identity.api_version})"
    else:
        text += f" (plugin API {host.identity.api_version})"
    click.echo(text)
    ctx.exit(0)
