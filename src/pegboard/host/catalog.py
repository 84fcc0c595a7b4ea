"""A host's installed plugins as one invocation sees them: cached, filtered, loaded on demand.

The catalog answers "which plugin commands exist and what do they do" from the manifest, and
loads plugin code only when an invocation needs it: the command being run, plus the plugins
that implement ``pre_execute``/``post_execute`` (the manifest knows which). Plugins never
loaded before are loaded once to learn their help and hooks, which the manifest then keeps.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, Final

import click

from pegboard._log import get_logger
from pegboard.discovery.manifest import Manifest, Scanner, manifest_path
from pegboard.discovery.records import PluginRecord
from pegboard.hooks.names import EXECUTION_HOOKS
from pegboard.host import config

if TYPE_CHECKING:
    from pegboard.hooks.registry import Registry
    from pegboard.hooks.telemetry import Telemetry
    from pegboard.host.loading import LoadedPlugin

logger = get_logger(__name__)


class HostIdentity:
    """What a host is: the facts discovery, compatibility and file locations derive from.

    ``reserved`` are its built-in command names; ``startup_timeout`` the seconds each
    plugin's ``startup`` may take before it is marked FAILED; ``telemetry`` where the
    registry sends events (by default a JSON-lines file named by ``<PREFIX>_TELEMETRY_FILE``
    if set, else memory only). ``entry_point_groups`` are the groups its plugins are declared
    in (default ``<name>.plugins``). A plain class, not a dataclass: it is built on every
    start.
    """

    __slots__ = (
        "api_version",
        "distribution",
        "entry_point_groups",
        "hookspecs",
        "name",
        "reserved",
        "startup_timeout",
        "telemetry",
        "version",
    )

    def __init__(
        self,
        name: str,
        version: str,
        api_version: str,
        distribution: str,
        *,
        hookspecs: tuple[Any, ...] = (),
        reserved: frozenset[str] = frozenset(),
        startup_timeout: float = 10.0,
        telemetry: Telemetry | None = None,
        entry_point_groups: tuple[str, ...] = (),
    ) -> None:
        self.entry_point_groups = entry_point_groups or (f"{name}.plugins",)
        self.name = name
        self.version = version
        self.api_version = api_version
        self.distribution = distribution
        self.hookspecs = hookspecs
        self.reserved = reserved
        self.startup_timeout = startup_timeout
        self.telemetry = telemetry

    def __repr__(self) -> str:
        return f"HostIdentity({self.name!r}, {self.version!r}, api_version={self.api_version!r})"

    def with_reserved(self, reserved: frozenset[str]) -> HostIdentity:
        """Return a copy whose built-in command names are ``reserved``."""
        return HostIdentity(
            self.name,
            self.version,
            self.api_version,
            self.distribution,
            hookspecs=self.hookspecs,
            reserved=reserved,
            startup_timeout=self.startup_timeout,
            telemetry=self.telemetry,
            entry_point_groups=self.entry_point_groups,
        )

    @property
    def group(self) -> str | tuple[str, ...]:
        """The entry-point group plugins of this host are declared in (or its groups)."""
        groups = self.entry_point_groups
        return groups[0] if len(groups) == 1 else groups


class Selection:
    """How this invocation narrows the installed plugins (flags and environment).

    ``disabled`` comes from the state file; ``disabled_for_run`` from ``--disable-plugin``
    and ``<PREFIX>_DISABLE_PLUGINS``, which leave the state file alone.
    """

    __slots__ = ("disabled", "disabled_for_run", "no_plugins", "only")

    def __init__(
        self,
        *,
        no_plugins: bool = False,
        only: frozenset[str] | None = None,
        disabled: frozenset[str] = frozenset(),
        disabled_for_run: frozenset[str] = frozenset(),
    ):
        self.no_plugins = no_plugins
        self.only = only
        self.disabled = disabled
        self.disabled_for_run = disabled_for_run

    def allows(self, name: str) -> bool:
        """Whether plugin ``name`` may be loaded in this invocation."""
        if self.no_plugins or name in self.disabled or name in self.disabled_for_run:
            return False
        return self.only is None or name in self.only


class Catalog:
    """The manifest of one host plus this invocation's selection and loaded plugins.

    A plain class rather than a dataclass: it is built on every start, where each
    generated dataclass costs import time.
    """

    def __init__(self, host: HostIdentity, selection: Selection | None = None):
        self.host = host
        self.selection = selection if selection is not None else Selection()
        self.loaded: dict[str, LoadedPlugin] = {}
        self._manifest: Manifest | None = None
        self._registry: Registry | None = None
        self._groups: dict[str, click.Group] = {}
        self._selected: list[PluginRecord] | None = None

    @property
    def manifest(self) -> Manifest:
        """The host's manifest, loaded (and rebuilt if stale) on first use."""
        if self._manifest is None:
            host = self.host
            path = manifest_path(config.cache_dir(host.name), host.group)
            key = [host.name, host.version, host.api_version, ",".join(sorted(host.reserved))]
            scanner = Scanner(
                host.group,
                host_distribution=host.distribution,
                host_version=host.version,
                reserved=host.reserved,
            )
            self._manifest = Manifest(path, key, scanner).load()
        return self._manifest

    @property
    def registry(self) -> Registry:
        """The registry plugins are loaded into (pluggy is imported on first use)."""
        if self._registry is None:
            from pegboard.hooks.registry import Registry

            telemetry = self.host.telemetry
            path = config.env(self.host.name, "TELEMETRY_FILE")
            if telemetry is None and path:
                from pegboard.hooks.telemetry import JsonLinesSink

                telemetry = JsonLinesSink(path)
            self._registry = Registry(telemetry, hookspecs=self.host.hookspecs)
        return self._registry

    def records(self) -> list[PluginRecord]:
        """Every discovered record, usable or not, in name order."""
        return self.manifest.records

    def record(self, name: str) -> PluginRecord | None:
        """The record owning plugin name ``name``, if any."""
        return self.manifest.record(name)

    def selected(self) -> list[PluginRecord]:
        """Usable records this invocation may load (computed once per manifest change)."""
        if self._selected is None:
            self._selected = self._select()
        return self._selected

    def _select(self) -> list[PluginRecord]:
        if self.selection.no_plugins:
            return []
        return [
            r for r in self.manifest.by_name.values() if r.usable and self.selection.allows(r.name)
        ]

    def command_help(self) -> dict[str, str]:
        """Return plugin command name → short help, learning unknown plugins first."""
        self._learn_unlearnt()
        allows = self.selection.allows
        return {
            name: text
            for name, text, kind, _ in self.manifest.help_rows()
            if kind in _COMMAND_KINDS and allows(name)
        }

    def group_help(self) -> dict[str, str]:
        """Return command group name → short help, for groups plugins add subcommands to."""
        self._learn_unlearnt()
        contributors = {
            group: [name for name in names if self.selection.allows(name)]
            for group, names in self.manifest.contributors().items()
        }
        return {
            g: "Commands from plugin(s) " + ", ".join(n) + "." for g, n in contributors.items() if n
        }

    def _learn_unlearnt(self) -> None:
        self.learn(self._records(self.manifest.unlearnt()))

    def _records(self, names: Iterable[str]) -> list[PluginRecord]:
        """Return the usable, selected records of ``names`` (each parsed on its own)."""
        if self.selection.no_plugins:
            return []
        found = [self.record(name) for name in names if self.selection.allows(name)]
        return [record for record in found if record is not None and record.usable]

    def load_group(self, group: str) -> click.Group | None:
        """Load the plugins adding subcommands to ``group``; return the group, or None.

        The group is built once: Click consumes the options a function's decorators attached
        when it first turns the function into a command.
        """
        if group in self._groups:
            return self._groups[group]
        wanted = self._records(self.manifest.contributors(group).get(group, ()))
        if not wanted:
            return None
        self.load(wanted + self._observers())
        subcommands = {
            name: function if isinstance(function, click.Command) else click.command(name)(function)
            for (owner, name), function in self.registry.commands().items()
            if owner == group
        }
        if not subcommands:
            return None
        version = self.registry.group_version(group)
        built = self._groups[group] = click.Group(
            group,
            commands=subcommands,
            help=self.group_help().get(group, "") + (f" Version {version}." if version else ""),
        )
        return built

    def learn(self, records: Iterable[PluginRecord]) -> None:
        """Load the plugins among ``records`` never loaded before, and remember their facts."""
        unknown = [r for r in records if not r.learnt and r.name not in self.loaded]
        if unknown:
            self.load(unknown)

    def load_for_command(self, name: str) -> LoadedPlugin:
        """Load plugin ``name`` and the plugins that observe command execution.

        When nothing observes commands and ``name`` is known to be only a command (Click or
        Typer, no hooks), it is imported without a registry: pluggy and the hook machinery
        are not needed, so they are not imported.
        """
        observers = [r for r in self._observers() if r.name != name]
        record = self.record(name)
        if record is not None and not observers and record.kind in _ONLY_COMMANDS:
            if name not in self.loaded:
                from pegboard.host.loading import import_plugin

                loaded = self.loaded[name] = import_plugin(
                    record, api_version=self.host.api_version
                )
                self.manifest.learn({name: _learnt(loaded, ())})
                self._selected = None
            return self.loaded[name]
        self.load([*observers, *self._records([name])])
        return self.loaded[name]

    def _observers(self) -> list[PluginRecord]:
        """Return the plugins that observe command execution, or may (not learnt yet)."""
        manifest = self.manifest
        names = dict.fromkeys(manifest.unlearnt())
        for hook in EXECUTION_HOOKS:
            names.update(dict.fromkeys(manifest.implementers(hook)))
        return self._records(names)

    @property
    def observed(self) -> bool:
        """Whether plugins were loaded into a registry (so execution hooks may exist)."""
        return self._registry is not None

    def load(self, records: Collection[PluginRecord]) -> list[LoadedPlugin]:
        """Load, register and start ``records`` not loaded yet; learn what they revealed."""
        from pegboard.host.loading import load_plugins

        fresh = [r for r in records if r.name not in self.loaded]
        if not fresh:
            return []
        outcomes = load_plugins(
            self.registry,
            fresh,
            api_version=self.host.api_version,
            startup_context=self,
            startup_timeout=self.host.startup_timeout,
        )
        updates = {}
        for loaded in outcomes:
            name = loaded.record.name
            self.registry.emit(
                "plugin.loaded", plugin=name, seconds=loaded.seconds, error=loaded.error
            )
            self.loaded[name] = loaded
            hooks = self.registry.implemented_hooks(name) if self.registry.has(name) else []
            updates[name] = _learnt(loaded, tuple(hooks))
        self.manifest.learn(updates)
        self._selected = None
        return outcomes

    def failures(self) -> list[LoadedPlugin]:
        """Plugins that failed to load in this invocation."""
        return [loaded for loaded in self.loaded.values() if loaded.error is not None]

    def shutdown(self) -> None:
        """Call the loaded plugins' ``shutdown`` hooks (once; failures are only recorded)."""
        if self._registry is not None and self.loaded:
            from pegboard.host.loading import shutdown_plugins

            shutdown_plugins(self._registry)
            self.loaded.clear()


_COMMAND_KINDS: Final = frozenset({"command", "typer", "plugin"})
"""Kinds of plugin that contribute a top-level command."""

_ONLY_COMMANDS: Final = frozenset({"command", "typer"})
"""Kinds of plugin that are a command and nothing else (no hooks, no startup)."""


def _learnt(loaded: LoadedPlugin, hooks: tuple[str, ...]) -> PluginRecord:
    """Return the record with what this load revealed.

    The first import time is kept: a later import in a warm process says nothing about a
    cold start, and rewriting the manifest for it would cost every command a file write.
    """
    record = loaded.record
    seconds = record.import_seconds if record.import_seconds is not None else loaded.seconds
    if loaded.error is not None and loaded.kind is None:
        return record.learn(
            help=None,
            hooks=(),
            kind="incompatible" if loaded.incompatible else "failed",
            failure=loaded.error,
            import_seconds=seconds,
        )
    command = loaded.command
    kind = loaded.kind or "failed"
    if kind == "plugin" and command is None:
        kind = "hooks"
    help_text = command.get_short_help_str(limit=300) if command is not None else None
    return record.learn(
        help=help_text,
        hooks=hooks,
        kind=kind,
        groups=loaded.groups,
        import_seconds=seconds,
        failure=loaded.error,  # e.g. its startup failed; cleared by the next good load
    )
