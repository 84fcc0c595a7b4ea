"""``Host``: the plugin powers of pegboard for any Click (or Typer) application.

A host is a name, a version and an API version. Everything else derives from them: the
entry-point group ``<name>.plugins``, the environment variables ``<NAME>_NO_PLUGINS``,
``<NAME>_PLUGINS`` and ``<NAME>_STRICT_PLUGINS``, and the config and cache folders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

import click

from pegboard._errors import PegboardError, PluginLoadError
from pegboard._log import get_logger
from pegboard._names import validate_name
from pegboard.host import config
from pegboard.host.catalog import Catalog, HostIdentity, Selection
from pegboard.host.exit import ExitCode, ReportedError
from pegboard.host.lazy import LazyBuiltin, PluginGroup

if TYPE_CHECKING:
    from pegboard.hooks.registry import Registry
    from pegboard.hooks.telemetry import Telemetry

logger = get_logger(__name__)

MANAGEMENT_COMMANDS: Final[dict[str, LazyBuiltin]] = {
    "plugins": (
        "pegboard.cli._plugins:plugins",
        "Manage plugins: list, inspect, check, install, uninstall, enable, disable or create them.",
    ),
    "doctor": ("pegboard.cli._doctor:doctor", "Check the installation and report problems."),
    "completion": ("pegboard.cli._completion:completion", "Print a shell completion script."),
}
"""Built-in commands every host has, imported only when used."""

FORMATS: Final = ("text", "json", "yaml")

_OPTIONS_KEY: Final = "pegboard.options"
_CATALOG_KEY: Final = "pegboard.catalog"


class Options:
    """Global options of one invocation, shared by every command through ``ctx.meta``."""

    __slots__ = ("debug", "format", "no_plugins", "quiet", "strict")

    def __init__(self) -> None:
        self.format = "text"
        self.quiet = False
        self.debug = False
        self.no_plugins = False
        self.strict = False


def options(ctx: click.Context) -> Options:
    """Return the invocation's global options."""
    found: Options = ctx.meta.setdefault(_OPTIONS_KEY, Options())
    return found


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
    """The root group of a host: turns pegboard errors into short messages and exit codes."""

    def __init__(self, host: Host, **kwargs: Any):
        self.host = host
        super().__init__(catalog_for=host.catalog_for, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PegboardError as exc:
            raise ReportedError(exc, debug=options(ctx).debug) from exc
        except KeyboardInterrupt:
            # Click would report Ctrl-C as a failure (1); shells expect 128 + SIGINT.
            click.echo("\nInterrupted.", err=True)
            raise click.exceptions.Exit(int(ExitCode.INTERRUPTED)) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except PegboardError as exc:
            raise ReportedError(exc, debug=options(ctx).debug) from exc


class Host:
    """A command-line application that plugins extend.

    ``host.cli`` is its Click group: plugin commands are mounted lazily, and ``plugins``,
    ``doctor`` and ``completion`` are built in. Add the application's own commands with
    ``host.cli.add_command`` or ``@host.cli.command()``. ``hookspecs`` are the host's own hook
    specification classes; ``distribution`` is the distribution plugins name in their
    ``Requires-Dist`` (default: ``name``). ``telemetry`` receives local events (plugin
    states, load times, hook failures, command durations); nothing leaves the machine.
    ``startup_timeout`` bounds each plugin's ``startup``.
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
    ):
        validate_name(name, what="host name")
        self._identity = HostIdentity(
            name=name,
            version=version,
            api_version=api_version or version,
            distribution=distribution or name,
            hookspecs=tuple(hookspecs),
            telemetry=telemetry,
            startup_timeout=startup_timeout,
        )
        self.help = help
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
            self._cli = self._group({}, [], None, self.help)
        return self._cli

    def attach(self, app: Any) -> HostGroup:
        """Adopt an existing Click group or Typer app as this host's root command.

        The app's commands, options, callback and help are kept; plugin commands, the
        management commands and the global options are added. The returned group becomes
        ``host.cli``; use it as the application's entry point.
        """
        from pegboard.host.typer_bridge import TyperBridge, is_typer_app

        if is_typer_app(app):
            import typer.main

            app = typer.main.get_command(app)
            if not isinstance(app, click.Command):  # Typer with its own Click
                commands: dict[str, click.Command] = {
                    n: TyperBridge(n, c) for n, c in getattr(app, "commands", {}).items()
                }
                self._cli = self._group(commands, [], None, app.help)
                return self._cli
        if not isinstance(app, click.Group):
            raise TypeError(f"expected a click.Group or a typer.Typer app, got {app!r}")
        self._cli = self._group(dict(app.commands), list(app.params), app.callback, app.help)
        return self._cli

    def _group(
        self,
        commands: dict[str, click.Command],
        params: list[click.Parameter],
        app_callback: Any,
        help_text: str | None,
    ) -> HostGroup:
        def callback(**kwargs: Any) -> Any:
            self._root_callback()
            if app_callback is not None:
                return click.get_current_context().invoke(app_callback, **kwargs)
            return None

        return HostGroup(
            self,
            name=self.name,
            help=help_text,
            commands=commands,
            params=[*_global_options(self), *params],
            builtins=MANAGEMENT_COMMANDS,
            callback=callback,
            context_settings={"help_option_names": ["-h", "--help"]},
        )

    def main(self, args: Sequence[str] | None = None) -> Any:
        """Run the command line (the console-script entry point of a host)."""
        return self.cli.main(args=list(args) if args is not None else None, prog_name=self.name)

    def catalog_for(self, ctx: click.Context) -> Catalog:
        """Return the invocation's catalog, created from its options and environment."""
        root = ctx.find_root()
        catalog: Catalog | None = root.meta.get(_CATALOG_KEY)
        if catalog is None:
            catalog = Catalog(self.identity, self.selection(no_plugins=options(ctx).no_plugins))
            root.meta[_CATALOG_KEY] = catalog
            root.call_on_close(catalog.shutdown)
            root.call_on_close(lambda: self._tell_missing(root, catalog))
        return catalog

    def _tell_missing(self, ctx: click.Context, catalog: Catalog) -> None:
        """Say once on stderr when plugins installed through the host are missing.

        Only after the manifest was rebuilt: on a warm start nothing can have changed.
        """
        opts = options(ctx)
        manifest = catalog.manifest
        if opts.quiet or opts.format != "text" or not manifest.rebuilt:
            return
        from pegboard.host.pluginset import canonical, missing_notice

        notice = missing_notice(self.name, {canonical(r.distribution) for r in manifest.records})
        if notice is not None:
            click.echo(f"Note: {notice}", err=True)

    def registry(self, ctx: click.Context | None = None) -> Registry:
        """Load every enabled plugin (isolated) and return the registry to call hooks on.

        For the host's own commands: ``host.registry().call_hook_detailed_sync("my_hook")``.
        Plugins are loaded once per invocation and shut down when it ends.
        """
        catalog = self.catalog_for(ctx if ctx is not None else click.get_current_context())
        catalog.load(catalog.selected())
        return catalog.registry

    def selection(self, *, no_plugins: bool = False) -> Selection:
        """Return which plugins may load, from flags, environment and the state file."""
        if no_plugins or config.env_flag(self.name, "NO_PLUGINS"):
            return Selection(no_plugins=True)
        from pegboard.host.state import PluginStates

        allow = config.env(self.name, "PLUGINS")
        only = frozenset(filter(None, (n.strip() for n in allow.split(",")))) if allow else None
        states = PluginStates.for_host(self.name)
        disabled = states.disabled()
        for notice in states.notices:  # the file was moved aside: this is said only once
            click.echo(f"Warning: {notice}", err=True)
        return Selection(only=only, disabled=disabled)

    def _root_callback(self) -> None:
        ctx = click.get_current_context()
        opts = options(ctx)
        if opts.strict or config.env_flag(self.name, "STRICT_PLUGINS"):
            catalog = self.catalog_for(ctx)
            catalog.load(catalog.selected())
            failures = catalog.failures()
            if failures:
                reasons = "; ".join(f"{f.record.name}: {f.error}" for f in failures)
                raise PluginLoadError(
                    f"{len(failures)} plugin(s) failed to load: {reasons}.",
                    hint="Strict mode is on (--strict-plugins); fix or disable them.",
                )


def _global_options(host: Host) -> list[click.Parameter]:
    """Options accepted before any subcommand; their values go to :func:`options`."""

    def store(attribute: str) -> Any:
        def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
            if value is not None:
                setattr(options(ctx), attribute, value)
                if attribute == "debug" and value:
                    import logging

                    logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
            return value

        return callback

    def flag(declarations: list[str], attribute: str, help: str) -> click.Option:
        """An eager on/off option whose value goes to ``options(ctx).<attribute>``."""
        return click.Option(
            declarations,
            is_flag=True,
            default=None,
            is_eager=True,
            expose_value=False,
            callback=store(attribute),
            help=help,
        )

    prefix = config.env_prefix(host.name)
    return [
        click.Option(
            ["--format", "output_format"],
            type=click.Choice(FORMATS),
            default=None,
            is_eager=True,
            expose_value=False,
            callback=store("format"),
            help="Output format of commands that print data.",
        ),
        flag(["-q", "--quiet"], "quiet", "Print only what was asked for."),
        flag(["--debug"], "debug", "Show tracebacks and debug logging."),
        flag(
            ["--no-plugins"],
            "no_plugins",
            f"Start without any plugin code (also {prefix}_NO_PLUGINS=1).",
        ),
        flag(
            ["--strict-plugins"],
            "strict",
            f"Fail when any plugin fails to load (also {prefix}_STRICT_PLUGINS=1).",
        ),
        click.Option(
            ["--version"],
            is_flag=True,
            is_eager=True,
            expose_value=False,
            callback=lambda ctx, param, value: _print_version(ctx, host) if value else None,
            help="Show the version and exit.",
        ),
    ]


def _print_version(ctx: click.Context, host: Host) -> None:
    from pegboard._version import __version__

    text = f"{host.name} {host.identity.version}"
    if host.name != "pegboard":
        text += f" (pegboard {__version__}, plugin API {host.identity.api_version})"
    else:
        text += f" (plugin API {host.identity.api_version})"
    click.echo(text)
    ctx.exit(0)
