"""Find a host's plugins through entry points, without importing any plugin code.

Each entry point in the group ``<host>.plugins`` becomes a :class:`PluginRecord`. Everything
that can be decided from distribution metadata is decided here, before any import: invalid
names, names reserved by the host's built-in commands, two distributions claiming one name,
corrupt metadata, and compatibility from a ``Requires-Dist`` on the host's distribution.

This module imports ``importlib.metadata`` and ``packaging``; it runs only when the manifest is
missing or stale, never on a warm start.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Collection
from typing import Final

from packaging.markers import InvalidMarker, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pegboard._errors import InvalidNameError
from pegboard._names import validate_name
from pegboard.discovery.records import PluginRecord, Verdict

logger = logging.getLogger(__name__)

_UNKNOWN: Final = "unknown"


def discover(
    group: str,
    *,
    host_distribution: str,
    host_version: str,
    reserved: Collection[str] = (),
    path: list[str] | None = None,
) -> list[PluginRecord]:
    """Return one record per entry point in ``group``, sorted by plugin name.

    ``path`` defaults to ``sys.path``. When two distributions declare the same plugin name,
    the one found first on the path wins (as imports do) and the other is recorded as a
    duplicate naming the winner.
    """
    host = canonicalize_name(host_distribution)
    records: list[PluginRecord] = []
    claimed: dict[str, PluginRecord] = {}
    seen: set[str] = set()
    found = (
        importlib.metadata.distributions(path=path)
        if path is not None
        else importlib.metadata.distributions()
    )
    for dist in found:
        for found_record in _records_of(dist, group, host, host_version, seen):
            record = found_record
            if record.verdict is Verdict.OK:
                if record.name in reserved:
                    record = record.refuse(
                        Verdict.RESERVED,
                        f"its name {record.name!r} is a built-in command, which takes "
                        "precedence; ask the plugin's author to rename it",
                    )
                elif record.name in claimed:
                    winner = claimed[record.name]
                    record = record.refuse(
                        Verdict.DUPLICATE,
                        f"plugin name {record.name!r} is already provided by "
                        f"{winner.distribution} {winner.version}; uninstall one of the two",
                    )
                else:
                    claimed[record.name] = record
            records.append(record)
    records.sort(key=lambda r: (r.name, r.verdict is not Verdict.OK, r.distribution))
    return records


def _records_of(
    dist: importlib.metadata.Distribution,
    group: str,
    host: str,
    host_version: str,
    seen: set[str],
) -> list[PluginRecord]:
    """Return the records of one distribution's entry points in ``group``."""
    name = dist.metadata["Name"] if dist.metadata is not None else None
    if name is None:
        return _corrupt_metadata(dist, group)
    canonical = canonicalize_name(name)
    if canonical in seen:  # shadowed by an earlier path entry, as for imports
        return []
    seen.add(canonical)
    version = dist.version or _UNKNOWN
    entries = dist.entry_points.select(group=group)
    if not entries:
        return _corrupt_entry_points(dist, group, name, version)
    incompatibility = _incompatibility(dist, host, host_version)
    records = []
    for entry in entries:
        record = PluginRecord(entry.name, entry.value, name, version)
        try:
            validate_name(entry.name)
        except InvalidNameError as exc:
            record = record.refuse(Verdict.INVALID, exc.message.rstrip("."))
        else:
            if incompatibility is not None:
                record = record.refuse(Verdict.INCOMPATIBLE, incompatibility)
        records.append(record)
    return records


def _incompatibility(dist: importlib.metadata.Distribution, host: str, version: str) -> str | None:
    """Return why ``dist`` cannot run on host ``version``, or None if it can (or says nothing)."""
    for text in dist.requires or ():
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != host or not requirement.specifier:
            continue
        try:
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
        except (InvalidMarker, UndefinedEnvironmentName):
            continue
        try:
            satisfied = requirement.specifier.contains(Version(version), prereleases=True)
        except InvalidVersion:
            continue
        if not satisfied:
            return (
                f"requires {requirement.name}{requirement.specifier} but {version} is "
                f"installed; install a release of the plugin made for {version}"
            )
    return None


def _corrupt_metadata(dist: importlib.metadata.Distribution, group: str) -> list[PluginRecord]:
    """Report a distribution without a Name when its entry points mention ``group``."""
    where = str(dist.locate_file(""))
    text = _read(dist, "entry_points.txt")
    if f"[{group}]" not in text:
        return []
    return [
        PluginRecord(
            f"<corrupt in {where}>",
            "",
            _UNKNOWN,
            _UNKNOWN,
            verdict=Verdict.CORRUPT,
            reason=f"a distribution in {where} declares {group} plugins but its METADATA has no "
            "Name; reinstall it or delete its .dist-info folder",
        )
    ]


def _corrupt_entry_points(
    dist: importlib.metadata.Distribution, group: str, name: str, version: str
) -> list[PluginRecord]:
    """Report a distribution whose entry_points.txt mentions ``group`` but does not parse."""
    if f"[{group}" not in _read(dist, "entry_points.txt"):
        return []
    return [
        PluginRecord(
            f"<corrupt {name}>",
            "",
            name,
            version,
            verdict=Verdict.CORRUPT,
            reason=f"the entry_points.txt of {name} {version} is corrupt; reinstall the "
            "distribution",
        )
    ]


def _read(dist: importlib.metadata.Distribution, filename: str) -> str:
    try:
        return dist.read_text(filename) or ""
    except (OSError, UnicodeDecodeError):
        return ""
