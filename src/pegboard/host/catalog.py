"""A host's installed plugins as one invocation sees them: data only, nothing imported.

The catalog answers "which plugins exist, which may run, what do they contribute and which
observe commands" from the manifest and the invocation's selection, asking the manifest the
cheapest question that answers each (help rows, one record, the hook index). It never imports
plugin code: learning what the manifest does not know yet happens in child interpreters
(:mod:`pegboard.host.learning`), and loading is the pipeline's job
(:mod:`pegboard.host.pipeline`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from pegboard.discovery.manifest import Manifest, Scanner, manifest_path
from pegboard.host import config

if TYPE_CHECKING:
    from pegboard.discovery.records import PluginRecord
    from pegboard.host.config import HostIdentity, Selection

_COMMAND_KINDS: Final = frozenset({"command", "typer", "plugin"})
"""Kinds of plugin that contribute a top-level command."""

ONLY_COMMANDS: Final = frozenset({"command", "typer"})
"""Kinds of plugin that are a command and nothing else (no hooks, no startup)."""


class Catalog:
    """The manifest of one host, narrowed by one invocation's selection.

    A plain class rather than a dataclass: it is built on every start, where each
    generated dataclass costs import time.
    """

    def __init__(self, host: HostIdentity, selection: Selection) -> None:
        self.host = host
        self.selection = selection
        self._manifest: Manifest | None = None
        self._selected: list[PluginRecord] | None = None

    @property
    def loaded_manifest(self) -> Manifest | None:
        """The manifest if this invocation has loaded it, else None (nothing is read)."""
        return self._manifest

    @property
    def manifest(self) -> Manifest:
        """The host's manifest, loaded (and rescanned where stale) on first use."""
        if self._manifest is None:
            host = self.host
            path = manifest_path(config.cache_dir(host.name), host.group)
            key = [host.name, host.version, host.api_version, ",".join(sorted(host.reserved))]
            scanner = Scanner(
                host.group,
                host_distribution=lambda: host.distribution,  # looked up only to scan
                host_version=host.version,
                reserved=host.reserved,
            )
            self._manifest = Manifest(path, key, scanner).load()
        return self._manifest

    def records(self) -> list[PluginRecord]:
        """Every discovered record, usable or not, in name order."""
        return self.manifest.records

    def record(self, name: str) -> PluginRecord | None:
        """The record owning plugin name ``name``, if any (parsed on its own)."""
        return self.manifest.record(name)

    def selected(self) -> list[PluginRecord]:
        """Usable records this invocation may load (computed once per manifest change)."""
        if self._selected is None:
            if self.selection.no_plugins:
                self._selected = []
            else:
                allows = self.selection.allows
                self._selected = [
                    r for r in self.manifest.by_name.values() if r.usable and allows(r.name)
                ]
        return self._selected

    def _records(self, names: Iterable[str]) -> list[PluginRecord]:
        """Return the usable, selected records of ``names`` (each parsed on its own)."""
        if self.selection.no_plugins:
            return []
        found = [self.record(name) for name in names if self.selection.allows(name)]
        return [record for record in found if record is not None and record.usable]

    def unlearnt(self) -> list[PluginRecord]:
        """Selected plugins whose help, kind and hooks are not known yet."""
        return self._records(self.manifest.unlearnt())

    def command_help(self) -> dict[str, str]:
        """Return plugin command name → short help, from what is known without importing.

        A plugin not learnt yet is listed with its distribution's Summary: it most likely
        adds a command, and ``--help`` must never wait for learning.
        """
        if self.selection.no_plugins:
            return {}
        allows = self.selection.allows
        return {
            name: text
            for name, text, kind, groups in self.manifest.help_rows()
            if (kind in _COMMAND_KINDS or (kind is None and not groups)) and allows(name)
        }

    def group_help(self) -> dict[str, str]:
        """Return command group name → short help, for groups plugins add subcommands to."""
        if self.selection.no_plugins:
            return {}
        allows = self.selection.allows
        contributors = {
            group: [name for name in names if allows(name)]
            for group, names in self.manifest.contributors().items()
        }
        return {
            g: "Commands from plugin(s) " + ", ".join(n) + "." for g, n in contributors.items() if n
        }

    def contributors(self, group: str) -> list[PluginRecord]:
        """Selected plugins known to add subcommands to ``group``."""
        return self._records(self.manifest.contributors(group).get(group, ()))

    def observers(self) -> list[PluginRecord]:
        """Selected plugins known to implement ``pre_execute`` or ``post_execute``."""
        from pegboard.hooks.names import EXECUTION_HOOKS  # not on the path of --help

        names: dict[str, None] = {}
        for hook in sorted(EXECUTION_HOOKS):
            names.update(dict.fromkeys(self.manifest.implementers(hook)))
        return self._records(names)

    def learn(self, records: Iterable[PluginRecord], *, timeout: float | None = None) -> None:
        """Learn the plugins among ``records`` not learnt yet, in child interpreters.

        ``timeout`` bounds each plugin's import (default: :data:`learning.TIMEOUT`).
        """
        unknown = [r for r in records if r.usable and not r.learnt]
        if not unknown:
            return
        from pegboard.host import learning

        self.manifest.learn(learning.learn(self.host, unknown, timeout=timeout or learning.TIMEOUT))
        self._selected = None

    def remember(self, failures: dict[str, str | None]) -> None:
        """Keep what running plugins showed: a failure (e.g. its ``startup``), or none now.

        Written only when it changes what the manifest says, so a healthy warm start never
        writes the file.
        """
        updates = {}
        for name, failure in failures.items():
            record = self.record(name)
            if record is None or not record.learnt or record.failure == failure:
                continue
            updates[name] = record.with_failure(failure)
        if updates:
            self.manifest.learn(updates)
            self._selected = None
