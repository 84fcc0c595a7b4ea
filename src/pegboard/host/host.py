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
from pegboard.host.config import HostIdentity, Selection

if TYPE_CHECKING:
    from pegboard.hooks.registry import Registry
    from pegboard.hooks.telemetry import Telemetry
    from pegboard.host.catalog import Catalog
    from pegboard.host.pipeline import Pipeline
    from pegboard.host.root import HostGroup

logger = get_logger(__name__)

__all__ = ["MANAGEMENT_COMMANDS", "Host", "ReportingGroup", "reported", "root_settings"]

MANAGEMENT_COMMANDS: Final[dict[str, tuple[str, str]]] = {
    "plugins": (
        "pegboard.cli._plugins:plugins",
        "Manage plugins: list, inspect, check, install, uninstall, enable, disable or create them.",
    ),
    "doctor": ("pegboard.cli._doctor:doctor", "Check the installation and report problems."),
    "completion": ("pegboard.cli._completion:completion", "Print a shell completion script."),
}
"""Built-in commands every host has, imported only when used."""

_PIPELINE_KEY: Final = "pegboard.pipeline"

_HELP_OPTION_NAMES: Final = ("-h", "--help")


def root_settings() -> dict[str, Any]:
    """Return the context settings of a host's own root (its commands inherit them)."""
    return {"help_option_names": list(_HELP_OPTION_NAMES)}


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
        self._options: dict[str, tuple[str, ...]] | None = None
        if global_options:  # checked now; pegboard's options module loads with the root
            from pegboard.host.options import chosen_options

            self._options = chosen_options(global_options)
        self._cli: HostGroup | None = None
        self._prepared: Pipeline | None = None
        """A pipeline the fast path prepared and left to the root (see :meth:`main`)."""

    @property
    def name(self) -> str:
        """The host's name: its command, entry-point group prefix and env-var prefix."""
        return self._identity.name

    @property
    def identity(self) -> HostIdentity:
        """The host's identity, with its current built-in command names as reserved."""
        names = MANAGEMENT_COMMANDS if self._cli is None else self._cli.builtin_names()
        return self._identity.with_reserved(frozenset(names))

    @property
    def cli(self) -> HostGroup:
        """The host's Click group, built once."""
        if self._cli is None:
            from pegboard.host.options import taken_by
            from pegboard.host.root import HostGroup

            params = self._global_params(taken_by((), _HELP_OPTION_NAMES))
            self._cli = HostGroup(
                self,
                global_keys=frozenset(p.name for p in params if p.name is not None),
                name=self.name,
                help=self.help,
                params=params,
                builtins=MANAGEMENT_COMMANDS,
                context_settings=root_settings(),
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

        A Typer app's own group class (``typer.Typer(cls=...)``) lives in Typer's copy of
        Click, so it cannot be a base of the root; it is asked instead. Given the host's
        command names as stand-ins, its ``get_command`` resolves a name the host does not
        know (aliases, prefixes) and its ``list_commands`` orders the help and completion.
        Its ``resolve_command``, ``format_commands`` and ``shell_complete`` are not used.
        """
        from pegboard.host.options import taken_by
        from pegboard.host.root import HostGroup, hosted_class
        from pegboard.host.typer_bridge import is_typer_app

        if is_typer_app(app):
            from pegboard.host.typer_bridge import typer_root

            app = typer_root(app)
        if not isinstance(app, click.Group):
            raise TypeError(f"expected a click.Group or a typer.Typer app, got {app!r}")
        import copy

        adopted = copy.copy(app)
        adopted.__class__ = hosted_class(type(app))
        assert isinstance(adopted, HostGroup)
        settings = app.context_settings
        help_names = settings.get("help_option_names", ["--help"]) if app.add_help_option else []
        adopted.adopt(self, self._global_params(taken_by(app.params, help_names)))
        self._cli = adopted
        return adopted

    def _global_params(self, taken: set[str]) -> list[click.Parameter]:
        from pegboard.host.options import build, chosen_options, without_clashes
        from pegboard.host.root import print_version

        chosen = self._options if self._options is not None else chosen_options({})
        return build(self.name, without_clashes(chosen, taken), lambda c: print_version(c, self))

    def main(self, args: Sequence[str] | None = None) -> Any:
        """Run the command line (the console-script entry point of a host).

        An invocation that runs one plugin command, and nothing else of the host's, runs
        under the small root of :mod:`pegboard.host.fastpath`; everything else under
        :attr:`cli`. The fast path may leave a pipeline it prepared (the manifest read, the
        plugin imported) to the full root, which then carries on from it.
        """
        argv = list(args) if args is not None else None
        words = sys.argv[1:] if argv is None else argv
        root: click.Group | None = None
        if self._cli is None and words and not words[0].startswith("-"):
            from pegboard.host.fastpath import prepare  # the first word may name a plugin

            self._prepared, root = prepare(self, words)
        try:
            return (root or self.cli).main(args=argv, prog_name=self.name)
        finally:
            self._prepared = None

    def pipeline_for(self, ctx: click.Context) -> Pipeline:
        """Return the invocation's pipeline, created from its options and environment.

        Its plugins are shut down when the invocation's root context closes.
        """
        root = ctx.find_root()
        pipeline: Pipeline | None = root.meta.get(_PIPELINE_KEY)
        if pipeline is None:
            pipeline, self._prepared = self._prepared, None
            if pipeline is None:
                from pegboard.host.options import options

                opts = options(ctx)
                pipeline = self.new_pipeline(no_plugins=opts.no_plugins, disabled=opts.disabled)
            root.meta[_PIPELINE_KEY] = pipeline
            root.call_on_close(_interruptible(pipeline.shutdown))
            root.call_on_close(lambda: self._tell_missing(root, pipeline.catalog))
        return pipeline

    def new_pipeline(self, *, no_plugins: bool = False, disabled: Iterable[str] = ()) -> Pipeline:
        """Return a pipeline over the host's catalog, with the run's choices (:meth:`selection`)."""
        from pegboard.host.catalog import Catalog
        from pegboard.host.pipeline import Pipeline

        selection = self.selection(no_plugins=no_plugins, disabled=disabled)
        return Pipeline(Catalog(self.identity, selection))

    def catalog_for(self, ctx: click.Context) -> Catalog:
        """Return the invocation's plugin catalog (what is installed and selected)."""
        return self.pipeline_for(ctx).catalog

    def _tell_missing(self, ctx: click.Context, catalog: Catalog) -> None:
        """Say once on stderr when plugins installed through the host are missing.

        Only after the manifest was rebuilt: on a warm start nothing can have changed.
        """
        manifest = catalog.loaded_manifest
        if manifest is None or not manifest.rebuilt:
            return
        from pegboard.host.options import options

        if not options(ctx).for_people:
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


class ReportingGroup(click.Group):
    """A root group that renders what escapes it: pegboard errors, Click errors and Ctrl-C.

    A :class:`PegboardError` becomes two short lines and its exit code, and Ctrl-C exits 130,
    in the command and in what Click runs outside it (shell completion, closing the context).
    The base of both roots a host runs under (the full one and the fast path's).
    """

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
            from pegboard.host.exit import render

            sys.exit(render(exc))

    def invoke(self, ctx: click.Context) -> Any:
        with reported(ctx):
            return super().invoke(ctx)


@contextlib.contextmanager
def reported(ctx: click.Context) -> Iterator[None]:
    """Turn pegboard errors into Click errors with exit codes, and Ctrl-C into exit 130.

    :mod:`pegboard.host.exit` is imported only when there is something to render: a start
    that succeeds never pays for the table of exit codes.
    """
    try:
        yield
    except PegboardError as exc:
        from pegboard.host.exit import converted

        raise converted(ctx, exc) from exc
    except KeyboardInterrupt:
        from pegboard.host.exit import interrupted

        raise interrupted() from None


def _interruptible(shutdown: Callable[[], None]) -> Callable[[], None]:
    """Return ``shutdown`` turning Ctrl-C into exit 130 (it runs as the context closes)."""

    def run() -> None:
        try:
            shutdown()
        except KeyboardInterrupt:
            from pegboard.host.exit import interrupted

            raise interrupted() from None

    return run
