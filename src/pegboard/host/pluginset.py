"""The plugin set: what was installed through a host, per environment, to install again.

Kept outside the environment, next to the state file
(``<config dir>/environments/<name>-<checksum>/plugin-set.json``)::

    {"schema": 1, "environment": "/path/to/venv",
     "plugins": {"acme-hello": {"distribution": "acme-hello", "install": ["acme-hello>=1"],
                                "plugins": ["hello"]}},
     "missing": ["acme-hello"]}

``install`` holds the arguments that install the distribution again: the requirement the
user gave when it names the distribution, else where it came from (PEP 610: a folder, a wheel,
a VCS commit, ``--editable URL``), else ``name==version``. So a host upgraded or reinstalled
by its tool, or a virtual environment recreated at the same path, gets its plugins back with
``<host> plugins sync``; ``plugins export`` and ``plugins sync --from FILE`` move the set
between machines. ``missing`` is what the user was last told about, so a notice is printed
once per change.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterable
from typing import Any, Final, NamedTuple

from pegboard._errors import StateFileError
from pegboard.host import config
from pegboard.host.jsonstore import JsonStore

SCHEMA: Final = 1
FILENAME: Final = "plugin-set.json"


class Recorded(NamedTuple):
    """One distribution installed through the host."""

    distribution: str
    """Its name, as its metadata spells it."""
    install: tuple[str, ...]
    """Installer arguments that install it again."""
    plugins: tuple[str, ...]
    """The plugins it provided when installed."""


class PluginSet(JsonStore):
    """The recorded plugin set of one host in one environment, stored as JSON in ``path``."""

    what = "plugin set file"
    content = "the plugin set"
    reset = "the plugin set starts empty"

    def __init__(self, path: str, *, environment: str | None = None) -> None:
        super().__init__(path)
        self.environment = environment

    @classmethod
    def for_host(cls, host: str, prefix: str = sys.prefix) -> PluginSet:
        """Return the plugin set of ``host`` in the environment at ``prefix``."""
        path = os.path.join(config.environment_dir(host, prefix), FILENAME)
        return cls(path, environment=prefix)

    def entries(self) -> dict[str, Recorded]:
        """Return the recorded distributions by canonical name (nothing read when absent)."""
        if not os.path.lexists(self.path):
            return {}
        return {key: recorded_from(row) for key, row in self._read()["plugins"].items()}

    def record(self, entries: Iterable[Recorded]) -> None:
        """Add or replace ``entries`` (an install through the host just made them)."""
        rows = {canonical(entry.distribution): _row(entry) for entry in entries}
        if not rows:
            return

        def change(data: dict[str, Any]) -> bool:
            data["plugins"].update(rows)
            data["missing"] = [key for key in data["missing"] if key not in rows]
            self._stamp(data)
            return True

        self.update(change, plugin=next(iter(rows)))

    def forget(self, distributions: Iterable[str]) -> None:
        """Remove ``distributions`` (uninstalled through the host) from the set."""
        keys = {canonical(name) for name in distributions}

        def change(data: dict[str, Any]) -> bool:
            if not keys & data["plugins"].keys():
                return False
            for key in keys:
                data["plugins"].pop(key, None)
            data["missing"] = [key for key in data["missing"] if key not in keys]
            self._stamp(data)
            return True

        if keys and os.path.lexists(self.path):
            self.update(change, plugin=next(iter(keys)))

    def missing(self, installed: Collection[str]) -> list[Recorded]:
        """Return the recorded distributions absent from ``installed`` (canonical names)."""
        return [entry for key, entry in self.entries().items() if key not in installed]

    def notice(self, host: str, installed: Collection[str]) -> str | None:
        """Return the line telling that recorded plugins are missing, once per change.

        ``installed`` are the canonical names of the plugin distributions the host's
        manifest knows. None when nothing is missing, or when the user was already told
        about exactly these (the file remembers); a change of the set is told again.
        """
        if not os.path.lexists(self.path):  # nothing was ever installed through the host
            return None
        absent = sorted(canonical(entry.distribution) for entry in self.missing(installed))
        if absent == self._read()["missing"]:
            return None

        def change(data: dict[str, Any]) -> bool:
            data["missing"] = absent
            return True

        try:
            self.update(change, plugin=None)
        except StateFileError:
            return None  # a read-only config folder: better silent than told on every run
        if not absent:
            return None
        return (
            f"{len(absent)} plugin distribution(s) installed through {host} are missing from "
            f"this environment ({', '.join(absent)}); run `{host} plugins sync` to install "
            "them again."
        )

    def export(self) -> dict[str, Any]:
        """Return the set in the portable form ``plugins export`` prints."""
        rows = {key: _row(entry) for key, entry in sorted(self.entries().items())}
        return {"schema": SCHEMA, "plugins": rows}

    def defaults(self) -> dict[str, Any]:
        """Return the set of a host nothing was installed through."""
        return {"schema": SCHEMA, "plugins": {}, "missing": []}

    def validate(self, data: Any) -> dict[str, Any]:
        """Return the set held in ``data``; raise ValueError saying what is wrong with it."""
        return validate_set(data)

    def _stamp(self, data: dict[str, Any]) -> None:
        if self.environment is not None:
            data.setdefault("environment", self.environment)


def validate_set(data: Any) -> dict[str, Any]:
    """Return a plugin set (a file of its own or an export); raise ValueError if malformed."""
    if not isinstance(data, dict):
        raise ValueError("it does not hold a JSON object")
    schema = data.setdefault("schema", SCHEMA)
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise ValueError("its 'schema' entry is not a number")
    plugins = data.setdefault("plugins", {})
    if not isinstance(plugins, dict):
        raise ValueError("its 'plugins' entry is not an object")
    for key, row in plugins.items():
        recorded_from(row, key)
    missing = data.setdefault("missing", [])
    if not isinstance(missing, list) or not all(isinstance(n, str) for n in missing):
        raise ValueError("its 'missing' entry is not a list of names")
    return data


def canonical(name: str) -> str:
    """Return the canonical form of a distribution name (PEP 503), without ``packaging``.

    The start-up path compares names with it, and importing ``packaging`` there would cost
    more than the comparison.
    """
    out: list[str] = []
    for char in name.lower():
        if char in "-_.":
            if not out or out[-1] != "-":
                out.append("-")
        else:
            out.append(char)
    return "".join(out)


def _row(entry: Recorded) -> dict[str, Any]:
    return {
        "distribution": entry.distribution,
        "install": list(entry.install),
        "plugins": list(entry.plugins),
    }


def recorded_from(row: Any, key: str = "") -> Recorded:
    """Return the entry held in ``row``; raise ValueError saying what is wrong with it."""
    problem = f"its entry {key!r} is not a distribution with install arguments"
    if not isinstance(row, dict):
        raise ValueError(problem)
    distribution: Any = row.get("distribution")
    install: Any = row.get("install")
    plugins: Any = row.get("plugins", [])
    if not isinstance(distribution, str) or not install or not _strings(install):
        raise ValueError(problem)
    if not _strings(plugins):
        raise ValueError(problem)
    return Recorded(distribution, tuple(install), tuple(plugins))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def missing_notice(host: str, installed: Collection[str]) -> str | None:
    """Return the start-up line about missing recorded plugins of ``host``, or None.

    For the loading pipeline, when the manifest was rebuilt (only then can the installed
    distributions differ): ``installed`` are the canonical names of the distributions its
    records come from. Costs one ``lstat`` when nothing was installed through the host.
    """
    return PluginSet.for_host(host).notice(host, installed)
