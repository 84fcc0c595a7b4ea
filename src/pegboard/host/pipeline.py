"""One invocation's plugins: select → learn → import → register → start → run → shut down.

Each plugin is imported at most once per process, started at most once, and shut down exactly
once if it was started, whatever route asked for it first: the command being run, a group it
adds subcommands to, the observers of a command, strict mode, or the host's own
``host.registry()``. Unlearnt plugins are learnt (in child interpreters) before anything
that needs their facts, so no observer is skipped and nothing unlearnt is imported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from pegboard.host import config
from pegboard.host.catalog import ONLY_COMMANDS

if TYPE_CHECKING:
    from pegboard.discovery.records import PluginRecord
    from pegboard.hooks.context import StartupContext
    from pegboard.hooks.registry import Registry
    from pegboard.host.catalog import Catalog
    from pegboard.host.loading import LoadedPlugin


class Pipeline:
    """Loads the plugins one invocation needs, through the one failure boundary."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.loaded: dict[str, LoadedPlugin] = {}
        self._started: list[str] = []
        self._registry: Registry | None = None
        self._groups: dict[str, click.Group] = {}
        self._closed = False

    @property
    def registry(self) -> Registry:
        """The registry plugins are loaded into (pluggy is imported on first use)."""
        if self._registry is None:
            from pegboard.hooks.registry import Registry

            host = self.catalog.host
            telemetry = host.telemetry
            path = config.env(host.name, "TELEMETRY_FILE")
            if telemetry is None and path:
                from pegboard.hooks.telemetry import JsonLinesSink

                telemetry = JsonLinesSink(path)
            self._registry = Registry(telemetry, hookspecs=host.hookspecs)
        return self._registry

    @property
    def observed(self) -> bool:
        """Whether plugins were loaded into a registry (so execution hooks may exist)."""
        return self._registry is not None

    def load(self, records: Iterable[PluginRecord]) -> list[LoadedPlugin]:
        """Import, register and start the plugins among ``records`` not loaded yet."""
        from pegboard.host.loading import load_plugins

        fresh: dict[str, PluginRecord] = {}
        for record in records:
            if record.name not in self.loaded:
                fresh.setdefault(record.name, record)
        if not fresh:
            return []
        host = self.catalog.host
        registry = self.registry
        outcomes = load_plugins(
            registry,
            fresh.values(),
            api_version=host.api_version,
            startup_context=self._startup_context(),
            startup_timeout=host.startup_timeout,
        )
        for loaded in outcomes:
            name = loaded.record.name
            self.loaded[name] = loaded
            if loaded.error is None:
                self._started.append(name)
            registry.emit("plugin.loaded", plugin=name, seconds=loaded.seconds, error=loaded.error)
        self.catalog.remember({loaded.record.name: loaded.error for loaded in outcomes})
        return outcomes

    def _startup_context(self) -> StartupContext:
        """Return what every plugin's ``startup(ctx)`` is told about this host."""
        from types import MappingProxyType

        from pegboard.hooks.context import StartupContext

        host = self.catalog.host
        settings = {
            "config_dir": config.config_dir(host.name),
            "cache_dir": config.cache_dir(host.name),
        }
        return StartupContext(
            host=host.name,
            host_version=host.version,
            api_version=host.api_version,
            registry=self.registry,
            settings=MappingProxyType(settings),
        )

    def load_selected(self) -> list[LoadedPlugin]:
        """Load every selected plugin (strict mode, ``host.registry()``); return failures."""
        self.catalog.learn(self.catalog.unlearnt())
        self.load(self.catalog.selected())
        return self.failures()

    def load_for_command(self, name: str) -> LoadedPlugin:
        """Load plugin ``name`` to run its command (the root loads the observers itself).

        Unlearnt plugins are learnt first (in children). A plugin learnt to be only a
        command (Click or Typer, no hooks, no startup) is imported without a registry:
        pluggy and the hook machinery are not needed, so they are not imported.
        """
        catalog = self.catalog
        catalog.learn(catalog.unlearnt())
        record = catalog.record(name)
        if record is None:
            raise LookupError(name)
        if name not in self.loaded and record.kind in ONLY_COMMANDS:
            from pegboard.host.loading import import_plugin

            loaded = self.loaded[name] = import_plugin(record, api_version=catalog.host.api_version)
            catalog.remember({name: loaded.error})
        self.load([record])
        return self.loaded[name]

    def command_only(self, name: str) -> click.Command | None:
        """Return plugin ``name``'s command, importing it alone if needed (for completion)."""
        loaded = self.loaded.get(name)
        if loaded is None:
            record = self.catalog.record(name)
            if record is None:
                return None
            from pegboard.host.loading import import_plugin

            loaded = self.loaded[name] = import_plugin(
                record, api_version=self.catalog.host.api_version
            )
        return loaded.command if loaded.error is None else None

    def load_group(self, group: str) -> click.Group | None:
        """Load the plugins adding subcommands to ``group``; return the group, or None.

        The group is built once: Click consumes the options a function's decorators attached
        when it first turns the function into a command.
        """
        if group in self._groups:
            return self._groups[group]
        catalog = self.catalog
        catalog.learn(catalog.unlearnt())
        wanted = catalog.contributors(group)
        if not wanted:
            return None
        self.load(wanted)
        registry = self.registry
        subcommands = {
            name: function if isinstance(function, click.Command) else click.command(name)(function)
            for (owner, name), function in registry.commands().items()
            if owner == group
        }
        if not subcommands:
            return None
        version = registry.group_version(group)
        built = self._groups[group] = click.Group(
            group,
            commands=subcommands,
            help=catalog.group_help().get(group, "") + (f" Version {version}." if version else ""),
        )
        return built

    def failures(self) -> list[LoadedPlugin]:
        """Plugins that failed to load in this invocation."""
        return [loaded for loaded in self.loaded.values() if loaded.error is not None]

    def shutdown(self) -> None:
        """Call ``shutdown`` of every plugin this invocation started, once."""
        if self._closed:
            return
        self._closed = True
        if self._registry is not None and self._started:
            from pegboard.host.loading import shut_down

            shut_down(self._registry, self._started, timeout=self.catalog.host.startup_timeout)


def named(command: click.Command, name: str) -> click.Command:
    """Return a copy of ``command`` named ``name``; the plugin's own object stays untouched.

    A plugin's command runs under its plugin's name, whatever its function is called.
    """
    import copy

    renamed = copy.copy(command)
    renamed.name = name
    return renamed
