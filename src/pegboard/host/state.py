"""Persisted enable/disable choices of one host's plugins, per environment.

Each environment (the interpreter's ``sys.prefix``) has its own file,
``<config dir>/environments/<name>-<checksum>/plugins.json``::

    {"schema": 1, "disabled": ["name", ...], "environment": "/path/to/venv"}

so disabling ``hello`` in one virtual environment leaves another one's ``hello`` alone, and a
virtual environment recreated at the same path keeps its choices. ``disabled`` is kept
sorted. Choices are keyed by plugin name, not version, so they survive upgrades. Unknown keys
are kept when the file is rewritten (a newer pegboard may have added them). The user-wide
file of earlier releases (``<config dir>/plugins.json``) is migrated once: the first
environment that runs takes its choices, and the user is told. Reading, locking and hostile
files are handled by :class:`~pegboard.host.jsonstore.JsonStore`.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Final

from pegboard._names import validate_name
from pegboard.host import config
from pegboard.host.jsonstore import JsonStore

SCHEMA: Final = 1
FILENAME: Final = "plugins.json"


class PluginStates(JsonStore):
    """Enable/disable choices of one host, stored as JSON in ``path``."""

    what = "plugin state file"
    content = "plugin state"
    reset = "all plugins are enabled again"

    def __init__(self, path: str, *, environment: str | None = None) -> None:
        super().__init__(path)
        self.environment = environment
        """The prefix of the environment the choices belong to, recorded in the file."""

    @classmethod
    def for_host(cls, host: str, prefix: str = sys.prefix) -> PluginStates:
        """Return the state of ``host`` in the environment at ``prefix`` (the running one).

        The user-wide file of earlier releases, if any, is migrated into it first.
        """
        path = os.path.join(config.environment_dir(host, prefix), FILENAME)
        states = cls(path, environment=prefix)
        legacy = os.path.join(config.config_dir(host), FILENAME)
        if not os.path.lexists(states.path) and os.path.lexists(legacy):
            states._migrate(legacy, prefix)
        return states

    def disabled(self) -> frozenset[str]:
        """Return the names of disabled plugins."""
        return frozenset(self._read()["disabled"])

    def is_enabled(self, name: str) -> bool:
        """Whether plugin ``name`` is enabled (the default)."""
        return name not in self.disabled()

    def enable(self, name: str) -> bool:
        """Enable plugin ``name``; return whether anything changed."""
        return self.set_enabled(name, True)

    def disable(self, name: str) -> bool:
        """Disable plugin ``name``; return whether anything changed."""
        return self.set_enabled(name, False)

    def set_enabled(self, name: str, enabled: bool) -> bool:
        """Record the choice for ``name`` under the file lock; return whether it changed.

        The file is read again under the lock, so a choice another process saved meanwhile
        is kept.
        """
        validate_name(name)

        def change(data: dict[str, Any]) -> bool:
            disabled = set(data["disabled"])
            if (name not in disabled) == enabled:
                return False
            if enabled:
                disabled.remove(name)
            else:
                disabled.add(name)
            data["disabled"] = sorted(disabled)
            if self.environment is not None:
                data.setdefault("environment", self.environment)
            return True

        return self.update(change, plugin=name)

    def defaults(self) -> dict[str, Any]:
        """Return the state of a host nobody has changed: every plugin enabled."""
        return {"schema": SCHEMA, "disabled": []}

    def validate(self, data: Any) -> dict[str, Any]:
        """Return the state held in ``data``; raise ValueError saying what is wrong with it."""
        if not isinstance(data, dict):
            raise ValueError("it does not hold a JSON object")
        schema = data.setdefault("schema", SCHEMA)
        if not isinstance(schema, int) or isinstance(schema, bool):
            raise ValueError("its 'schema' entry is not a number")
        disabled = data.setdefault("disabled", [])
        if not isinstance(disabled, list) or not all(isinstance(n, str) for n in disabled):
            raise ValueError("its 'disabled' entry is not a list of names")
        return data

    def _migrate(self, legacy: str, prefix: str) -> None:
        """Move the user-wide file of earlier releases to this environment, once."""
        old = PluginStates(legacy)
        try:
            with self._lock():
                if os.path.lexists(self.path) or not os.path.lexists(legacy):
                    return  # another process migrated it meanwhile
                data = old._read(locked=True)  # only releases before this one write it
                data["environment"] = self.environment or prefix
                self._write(data)
                if os.path.lexists(legacy):  # else it was corrupt, and is kept aside
                    os.replace(legacy, legacy + ".migrated")
        except OSError as exc:
            self._tell(f"The plugin state file {legacy} could not be migrated ({exc}).")
            return
        finally:
            for notice in old.notices:
                self._tell(notice)
        if data["disabled"]:
            self._tell(
                f"Disabled plugins ({', '.join(data['disabled'])}) now apply to this environment "
                f"({prefix}) only; the old file was kept as {legacy}.migrated."
            )
