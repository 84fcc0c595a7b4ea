"""Find a host's plugins through entry points, without importing any plugin code.

Each entry point in the group ``<host>.plugins`` becomes a :class:`PluginRecord`. Everything
that can be decided from distribution metadata is decided here, before any import: invalid
names and targets, names reserved by the host's built-in commands, two distributions claiming
one name, corrupt metadata, and compatibility from a ``Requires-Dist`` on the host's
distribution.

The work is split in two so that the manifest can redo only what changed:
:func:`scan_distribution` reads one ``*.dist-info`` folder (its records depend on nothing
else), and :func:`combine` applies the rules that span distributions (shadowing, duplicates,
reserved names). Metadata files are read directly (:mod:`pegboard.discovery.metadata`), never
through ``importlib.metadata``: that parses every distribution's METADATA in full, and one
undecodable file anywhere would break every command.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, MutableMapping
from typing import TYPE_CHECKING, Final

from pegboard._errors import InvalidNameError
from pegboard._names import validate_name
from pegboard.discovery.metadata import CorruptMetadata, entry_points, header
from pegboard.discovery.records import PluginRecord, Verdict

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

_UNKNOWN: Final = "unknown"
_SUFFIXES: Final = (".dist-info", ".egg-info")
_BY_DESCRIPTOR: Final = os.scandir in os.supports_fd
_DIRECTORY: Final = getattr(os, "O_DIRECTORY", 0)

Found = tuple[str, str, list[PluginRecord]]
"""One distribution's canonical name, metadata folder and records, before cross-distribution
rules."""


def distribution_folders(entry: str) -> list[tuple[str, os.stat_result]]:
    """Return ``(folder name, stat)`` of each metadata folder in ``sys.path`` entry ``entry``.

    Sorted by name, so that two folders of one distribution (a leftover of a broken
    uninstall) resolve the same way on every run. Zip files and missing entries hold none
    that pegboard reads. Where the platform allows, the folders are listed and stat'ed
    through a descriptor of ``entry``, so each ``stat`` does not walk the whole path again
    (a fifth of the listing's cost with thousands of distributions).
    """
    found = []
    try:
        fd = os.open(entry or ".", os.O_RDONLY | _DIRECTORY) if _BY_DESCRIPTOR else None
    except OSError:
        return []
    try:
        with os.scandir((entry or ".") if fd is None else fd) as listing:
            for item in listing:
                if item.name.endswith(_SUFFIXES):
                    try:
                        if item.is_dir():
                            found.append((item.name, item.stat()))
                    except OSError:
                        continue
    except OSError:
        return []
    finally:
        if fd is not None:
            os.close(fd)
    found.sort(key=lambda pair: pair[0])
    return found


def canonical_name(folder: str) -> str:
    """Return the distribution name of metadata folder ``folder``, normalised for comparison.

    Taken from the folder name (``My_Dist-1.0.dist-info`` → ``my-dist``), as
    ``importlib.metadata`` does to decide which of two same-named distributions is seen:
    deciding from the folder name needs no file read.
    """
    return normalize(folder.rpartition(".")[0].partition("-")[0])


def normalize(name: str) -> str:
    """Return ``name`` as PEP 503 compares project names: lower case, runs of ``-_.`` as ``-``."""
    lowered = name.lower()
    if lowered.isalnum():
        return lowered  # the common case, without splitting
    return "-".join(filter(None, lowered.replace("_", "-").replace(".", "-").split("-")))


def scan_distribution(
    info: str,
    group: str | tuple[str, ...],
    *,
    host: str,
    host_version: str,
    verdicts: MutableMapping[str, str | None],
) -> list[PluginRecord] | None:
    """Return the records of dist-info folder ``info`` in ``group``; None if it has none.

    ``host`` is the host's canonical distribution name: a ``Requires-Dist`` on it is the
    plugin's compatibility declaration. ``verdicts`` maps each such requirement already
    checked against ``host_version`` to why it excludes it (None if it does not); new ones
    are added. Plugins of one host mostly carry the same few requirement strings, and a
    caller that keeps the verdicts (the manifest) need not import ``packaging`` again.
    Unreadable metadata gives one CORRUPT record.
    """
    try:
        entries = entry_points(info, group)
        if not entries:
            return None
        head = header(info)
    except CorruptMetadata as exc:
        return [_corrupt(info, str(exc))]
    if head.name is None:
        return [_corrupt(info, "its METADATA has no Name")]
    version = head.version or _UNKNOWN
    incompatibility = _incompatibility(head.requires, host, host_version, verdicts)
    records = []
    for name, value in entries:
        target, problem = _target(value)
        record = PluginRecord(name, target, head.name, version, summary=head.summary)
        try:
            validate_name(name)
        except InvalidNameError as exc:
            record = record.refuse(Verdict.INVALID, exc.message.rstrip("."))
        else:
            if problem is not None:
                record = record.refuse(Verdict.INVALID, problem)
            elif incompatibility is not None:
                record = record.refuse(Verdict.INCOMPATIBLE, incompatibility)
        records.append(record)
    return records


def combine(
    found: Iterable[Found], reserved: Collection[str] = ()
) -> list[tuple[PluginRecord, str]]:
    """Apply the rules that span distributions to ``found`` (in ``sys.path`` order).

    Return each record with the metadata folder it came from. A distribution shadowed by a
    same-named one earlier on the path is left out, as for imports. When two distributions
    declare the same plugin name, the first one wins and the other is recorded as a duplicate
    naming the winner. Sorted by plugin name, usable first.
    """
    pairs: list[tuple[PluginRecord, str]] = []
    claimed: dict[str, PluginRecord] = {}
    seen: set[str] = set()
    for distribution, info, dist_records in found:
        if distribution in seen:
            continue
        seen.add(distribution)
        for found_record in dist_records:
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
            pairs.append((record, info))
    pairs.sort(key=lambda p: (p[0].name, p[0].verdict is not Verdict.OK, p[0].distribution))
    return pairs


def discover(
    group: str | tuple[str, ...],
    *,
    host_distribution: str,
    host_version: str,
    reserved: Collection[str] = (),
    path: list[str] | None = None,
) -> list[PluginRecord]:
    """Return one record per entry point in ``group`` on ``path`` (default ``sys.path``)."""
    import sys

    host = normalize(host_distribution)
    found = []
    verdicts: dict[str, str | None] = {}
    for entry in path if path is not None else sys.path:
        for folder, _ in distribution_folders(entry):
            info = os.path.join(entry, folder)
            records = scan_distribution(
                info, group, host=host, host_version=host_version, verdicts=verdicts
            )
            found.append((canonical_name(folder), info, records or []))
    return [record for record, _ in combine(found, reserved)]


def _target(value: str) -> tuple[str, str | None]:
    """Return (``module:attr`` of an entry point's value, why it is unusable or None).

    Extras (``mod:attr [cli]``) only matter to installers: they are dropped, so the target
    resolves like any other.
    """
    module, _, attribute = value.partition("[")[0].partition(":")
    module, attribute = module.strip(), attribute.strip()
    target = f"{module}:{attribute}" if attribute else module
    parts = module.split(".") + (attribute.split(".") if attribute else [])
    if not all(part.isidentifier() for part in parts):
        return target, f"its target {value!r} is not 'module:attribute'"
    return target, None


def _incompatibility(
    requires: Iterable[str], host: str, version: str, verdicts: MutableMapping[str, str | None]
) -> str | None:
    """Return why a plugin requiring ``requires`` cannot run on host ``version``, or None.

    ``verdicts`` are the requirements on the host checked before (see scan_distribution).
    """
    for text in requires:
        if _requirement_name(text) != host:
            continue  # the common case, decided without importing packaging
        if text not in verdicts:
            verdicts[text] = _unsatisfied(text, version)
        problem = verdicts[text]
        if problem is not None:
            return problem
    return None


def _unsatisfied(text: str, version: str) -> str | None:
    """Return why requirement ``text`` on the host excludes ``version``, or None.

    The usual shape (``name[extras] specifiers``, no marker) is checked with packaging's
    specifiers alone; only a requirement with an environment marker needs its full (and, to
    import, four times dearer) requirement parser.
    """
    from packaging.specifiers import InvalidSpecifier
    from packaging.version import InvalidVersion, Version

    head, semicolon, _ = text.partition(";")
    try:
        if semicolon:
            from packaging.markers import InvalidMarker, UndefinedEnvironmentName
            from packaging.requirements import InvalidRequirement, Requirement

            try:
                requirement = Requirement(text)
                marker = requirement.marker
                if marker is not None and not marker.evaluate({"extra": ""}):
                    return None
            except (InvalidRequirement, InvalidMarker, UndefinedEnvironmentName):
                return None
            name, specifier = requirement.name, requirement.specifier
        else:
            name, found = _name_and_specifier(head)
            if found is None:
                return None
            specifier = found
        if specifier.contains(Version(version), prereleases=True):
            return None
    except (InvalidSpecifier, InvalidVersion):
        return None
    return (
        f"requires {name}{specifier} but {version} is installed; install a release of the "
        f"plugin made for {version}"
    )


def _name_and_specifier(text: str) -> tuple[str, SpecifierSet | None]:
    """Split ``name [extras] (specifiers)`` into the name and a specifier set (None if a URL)."""
    from packaging.specifiers import SpecifierSet

    end = len(text)
    for stop in " [(<>=!~@":
        found = text.find(stop)
        if 0 <= found < end:
            end = found
    name, rest = text[:end].strip(), text[end:].strip()
    if rest.startswith("["):
        rest = rest.partition("]")[2].strip()
    if rest.startswith("@"):
        return name, None
    return name, SpecifierSet(rest.strip("()").strip())


def _requirement_name(text: str) -> str:
    """Return the canonical project name a ``Requires-Dist`` value starts with."""
    end = len(text)
    for stop in " ;<>=!~[(@":
        found = text.find(stop)
        if 0 <= found < end:
            end = found
    return normalize(text[:end])


def _corrupt(info: str, problem: str) -> PluginRecord:
    """Return the record reporting a distribution whose metadata cannot be read."""
    label = canonical_name(os.path.basename(info))
    return PluginRecord(
        f"<corrupt {label}>",
        "",
        label,
        _UNKNOWN,
        verdict=Verdict.CORRUPT,
        reason=f"the distribution in {info} is corrupt: {problem}; reinstall it or delete "
        "that folder",
    )
