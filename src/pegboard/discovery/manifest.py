"""The on-disk cache of a host's plugin records, so warm starts never scan metadata.

Freshness is one ``os.stat`` per ``sys.path`` entry: installing, reinstalling or removing a
distribution adds or removes a ``*.dist-info`` folder, which changes its parent folder's
``st_mtime_ns`` (and a replaced folder or zip changes ``st_ino``). Times are kept as integer
nanoseconds: rounding them (to seconds, or to floats) would let a reinstall within the same
second serve stale entry points.

The file is JSON (one row per plugin, see ``PluginRecord.to_row``) written by atomic replace,
so concurrent writers leave one complete file. A missing, truncated, corrupt, foreign or stale
file is rebuilt, never trusted and never a crash.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Callable, Iterable
from typing import Any, Final

from pegboard._log import get_logger
from pegboard._version import __version__
from pegboard.discovery.records import PluginRecord

logger = get_logger(__name__)

SCHEMA: Final = 2
"""Bumped whenever the file's shape changes; other schemas are rebuilt."""

Fingerprint = list[list[Any]]


def fingerprint(path: Iterable[str]) -> Fingerprint:
    """Return ``[entry, st_mtime_ns, st_ino]`` for each path entry (``None`` if missing)."""
    stamps: Fingerprint = []
    for entry in path:
        try:
            stat = os.stat(entry or ".")
        except OSError:
            stamps.append([entry, None, None])
        else:
            stamps.append([entry, stat.st_mtime_ns, stat.st_ino])
    return stamps


def manifest_path(cache_dir: str, group: str, sys_path: list[str] | None = None) -> str:
    """Return the manifest file of ``group`` for this interpreter and path in ``cache_dir``.

    Virtual environments share the user's cache folder, and one environment sees different
    ``sys.path`` lists (``python -m`` adds the working directory, a console script its own
    folder). Keying the file by interpreter and path keeps each warm instead of having them
    overwrite each other's manifest on every switch.
    """
    entries = "\0".join(sys_path if sys_path is not None else sys.path)
    key = zlib.crc32(f"{sys.executable}\0{entries}".encode()) & 0xFFFFFFFF
    return os.path.join(cache_dir, f"manifest-{group}-{key:08x}.json")


class Manifest:
    """Plugin records of one host, persisted in ``path``.

    ``host_key`` (host name, host version, API version) is stored with the records; a file
    written for another key is stale, because compatibility verdicts depend on it.
    """

    def __init__(self, path: str, host_key: list[str], *, sys_path: list[str] | None = None):
        self.path = path
        self.host_key = host_key
        self._sys_path = sys_path if sys_path is not None else sys.path
        self.records: list[PluginRecord] = []
        """Every record, in name order; a name may appear twice (a duplicate, refused)."""
        self.by_name: dict[str, PluginRecord] = {}
        """The record that owns each name: the usable one where there is one."""
        self.rebuilt = False

    def load(self, rebuild: Callable[[], list[PluginRecord]]) -> list[PluginRecord]:
        """Return records from the file if it is fresh, else from ``rebuild()`` (then saved).

        Facts learnt about a plugin (help, hooks) carry over a rebuild when the plugin's
        name, target, distribution and version are unchanged.
        """
        stamps = fingerprint(self._sys_path)
        fresh, previous = self._read(stamps)
        if fresh:
            self._set(previous)
            return self.records
        learnt = {r.identity: r for r in previous if r.learnt}
        records: list[PluginRecord] = []
        for record in rebuild():
            old = learnt.get(record.identity)
            # A failure may have been fixed by whatever changed the path: learn it again.
            if record.usable and old is not None and old.hooks is not None and old.kind != "failed":
                records.append(
                    record.learn(
                        help=old.help,
                        hooks=old.hooks,
                        kind=old.kind or "",
                        groups=old.groups,
                        import_seconds=old.import_seconds,
                    )
                )
            else:
                records.append(record)
        self._set(records)
        self.rebuilt = True
        self._write(stamps)
        return self.records

    def _set(self, records: list[PluginRecord]) -> None:
        self.records = records
        self.by_name = {}
        for record in records:
            current = self.by_name.get(record.name)
            if current is None or (record.usable and not current.usable):
                self.by_name[record.name] = record

    def learn(self, updates: dict[str, PluginRecord]) -> None:
        """Replace the records of the names in ``updates`` and save if anything changed."""
        records = [updates.get(r.name, r) if r.usable else r for r in self.records]
        if records == self.records:
            return
        self._set(records)
        self._write(fingerprint(self._sys_path))

    def _read(self, stamps: Fingerprint) -> tuple[bool, list[PluginRecord]]:
        """Return (whether the file is fresh, its records); ([], False) if unusable."""
        try:
            with open(self.path, encoding="utf-8") as stream:
                data = json.load(stream)
        except FileNotFoundError:
            return False, []
        except (OSError, ValueError) as exc:
            logger.info("manifest %s is unreadable (%s); rebuilding it", self.path, exc)
            return False, []
        if (
            not isinstance(data, dict)
            or data.get("schema") != SCHEMA
            or data.get("pegboard") != __version__
            or data.get("host") != self.host_key
            or not isinstance(data.get("plugins"), list)
        ):
            logger.info("manifest %s is from another version or host; rebuilding it", self.path)
            return False, []
        try:
            records = [PluginRecord.from_row(row) for row in data["plugins"]]
        except (KeyError, TypeError, ValueError) as exc:
            logger.info("manifest %s is corrupt (%s); rebuilding it", self.path, exc)
            return False, []
        return data.get("fingerprint") == stamps, records

    def _write(self, stamps: Fingerprint) -> None:
        from pegboard.discovery.atomic import write_atomic

        data = {
            "schema": SCHEMA,
            "pegboard": __version__,
            "host": self.host_key,
            "fingerprint": stamps,
            "plugins": [record.to_row() for record in self.records],
        }
        try:
            write_atomic(self.path, json.dumps(data, separators=(",", ":")))
        except OSError as exc:
            # A read-only cache costs speed, not correctness: carry on uncached.
            logger.info("cannot write manifest %s: %s", self.path, exc)
