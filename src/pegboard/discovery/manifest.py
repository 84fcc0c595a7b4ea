"""The on-disk cache of a host's plugin records, so warm starts never scan metadata.

What the host asks, each answered from as little of the file as possible:

- ``Manifest(path, host_key, scanner).load()``: check freshness (one ``os.stat`` per
  ``sys.path`` entry plus one per editable plugin) and rescan what changed;
- ``help_rows()``: ``(name, text, kind, groups)`` of each usable plugin, for ``--help`` and
  completion (``text`` is the learnt help, else the distribution's Summary; ``kind`` is None
  until the plugin is learnt); parses one compact line of the file;
- ``record(name)``: one record, parsed from its own line, so running one plugin's command
  costs the same with 10 or 2 000 plugins installed;
- ``unlearnt()``, ``implementers(hook)``, ``contributors(group)``: plugin names from a small
  index, so a command finds its observers without reading every record;
- ``records`` / ``by_name``: every record (management commands), parsed on first use;
- ``learn(updates)``: store what loading revealed (help, hooks, kind).

Freshness. Installing, reinstalling or removing a distribution adds or removes a
``*.dist-info`` folder, which changes its parent folder's ``st_mtime_ns`` (a replaced folder
or zip changes ``st_ino``). Times are integer nanoseconds: rounding them would let a
reinstall within the same second serve stale entry points. Each ``sys.path`` entry has its
own section listing its metadata folders with their stamps, so a change rescans only the
changed entries, and in them only the new or changed folders; a reinstall at the same version
makes a new folder, so what was learnt about it is dropped and learnt again. The lines of
unchanged records are copied as they were, not parsed and rendered again.

The header also keeps the host's distribution (finding it reads every distribution's
metadata) and the verdict on each requirement naming the host (checking one imports
``packaging``), so a rescan after an install needs neither. Both depend on the host version,
which is part of the host key; the distribution is looked up again when a folder of that
distribution came, went or was replaced, and if it changed every folder is read again.

The file: five lines (header, help rows, index, per-folder sections, then one line per record:
its row, which starts with its name, and its metadata folder), written by atomic replace so
concurrent writers leave one complete file. A missing, truncated, corrupt, foreign, oversized
or non-regular file (a FIFO) is rebuilt or ignored, never trusted, never waited on and never a
crash. Manifests unused for 30 days are deleted at the next cold build.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import stat
import sys
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

from pegboard._log import get_logger
from pegboard._version import __version__
from pegboard.discovery.records import PluginRecord

logger = get_logger(__name__)

SCHEMA: Final = 3
"""Bumped whenever the file's shape changes; other schemas are rebuilt."""

MAX_BYTES: Final = 64 << 20
"""A manifest larger than this is not read (2 000 plugins take well under 1 MB)."""

UNUSED_SECONDS: Final = 30 * 86400
"""Manifests not used for this long are deleted at the next cold build."""

_TOUCH_SECONDS: Final = 86400
"""A warm start marks its manifest as used at most this often (one ``utime`` a day)."""

HelpRow = tuple[str, str, "str | None", tuple[str, ...]]
"""``(name, help or Summary, kind or None if not learnt, command groups)``."""

Stamp = list[Any]
"""``[entry, st_mtime_ns, st_ino]`` of a ``sys.path`` entry (``None`` twice if missing)."""

Rendered = dict[int, tuple[PluginRecord, str, bytes]]
"""Record lines already rendered, by the identity of their record: ``id → (record, folder,
line)``. Records are never changed in place, so the same object on the same folder has the
same line."""


def fingerprint(path: Iterable[str]) -> list[Stamp]:
    """Return the stamp of each path entry."""
    stamps: list[Stamp] = []
    for entry in path:
        try:
            found = os.stat(entry or ".")
        except OSError:
            stamps.append([entry, None, None])
        else:
            stamps.append([entry, found.st_mtime_ns, found.st_ino])
    return stamps


def manifest_path(
    cache_dir: str, group: str | tuple[str, ...], sys_path: list[str] | None = None
) -> str:
    """Return the manifest file of ``group`` for this interpreter and path in ``cache_dir``.

    Virtual environments share the user's cache folder, and one environment sees different
    ``sys.path`` lists (``python -m`` adds the working directory, a console script its own
    folder). Keying the file by interpreter and path keeps each warm instead of having them
    overwrite each other's manifest on every switch.
    """
    entries = "\0".join(sys_path if sys_path is not None else sys.path)
    key = zlib.crc32(f"{sys.executable}\0{entries}".encode()) & 0xFFFFFFFF
    name = group if isinstance(group, str) else "+".join(group)
    return os.path.join(cache_dir, f"manifest-{name}-{key:08x}.json")


class Scanner:
    """The discovery rules of one host: which group, which host version, which names reserved.

    The manifest calls :meth:`scan` for each new or changed metadata folder and
    :meth:`combine` over all of them; both are in :mod:`pegboard.discovery.entrypoints`,
    imported only when something changed.
    """

    __slots__ = ("group", "host_distribution", "host_version", "reserved")

    def __init__(
        self,
        group: str | tuple[str, ...],
        *,
        host_distribution: str | Callable[[], str],
        host_version: str,
        reserved: Collection[str] = (),
    ) -> None:
        self.group = group
        self.host_distribution = host_distribution
        self.host_version = host_version
        self.reserved = frozenset(reserved)

    def distribution(self) -> str:
        """Return the host's distribution; a callable is asked only now, when a scan needs it."""
        value = self.host_distribution
        return value() if callable(value) else value


class Manifest:
    """Plugin records of one host, persisted in ``path`` (see the module's docstring).

    ``host_key`` (host name, host version, API version, reserved names) is stored with the
    records; a file written for another key is rebuilt from scratch, because verdicts depend
    on it.
    """

    def __init__(
        self,
        path: str,
        host_key: list[str],
        scanner: Scanner,
        *,
        sys_path: list[str] | None = None,
    ) -> None:
        self.path = path
        self.host_key = host_key
        self.scanner = scanner
        self._sys_path = sys_path if sys_path is not None else sys.path
        self.rebuilt = False
        """Whether :meth:`load` had to scan (all or part of) the environment."""
        self._stamps: list[Stamp] = []
        self._sources: list[list[Any]] = []  # [file, mtime_ns] of each editable plugin
        self._lines: list[bytes] = [b"", b"[]", b"{}", b"{}", b""]
        """The file's lines, kept as bytes: each part is decoded only when it is asked for."""
        self._pairs: list[tuple[PluginRecord, str]] | None = None
        self._by_name: dict[str, PluginRecord] | None = None
        self._help: list[HelpRow] | None = None
        self._index: dict[str, Any] | None = None
        self._distribution: str | None = None
        """The host's canonical distribution name, if known: kept in the header, because
        finding it scans every installed distribution's metadata."""
        self._verdicts: dict[str, str | None] = {}
        """Requirements on the host checked so far, and why each excludes this host version
        (None if it does not): kept in the header, so a rescan imports no ``packaging``."""

    # -- reading ---------------------------------------------------------------------------

    def load(self) -> Manifest:
        """Read the file if it is fresh, else rescan what changed and save; return self."""
        found = _read(self.path)
        header, lines = found if found is not None else ({}, [])
        if not _is_ours(header, self.host_key):
            self._rescan(None)
            return self
        self._distribution, self._verdicts = _host_facts(header)
        if not self._is_fresh(header):
            self._rescan(lines, header["paths"])
        else:
            self._stamps = header["paths"]
            self._sources = header["editable"]
            self._lines = lines
        return self

    def _is_fresh(self, header: dict[str, Any]) -> bool:
        stamps = fingerprint(self._sys_path)
        if header["paths"] != stamps:
            return False
        for source, mtime_ns in header["editable"]:
            try:
                if os.stat(source).st_mtime_ns != mtime_ns:
                    return False
            except OSError:
                return False
        return True

    def help_rows(self) -> list[HelpRow]:
        """Return what ``--help`` shows of each usable plugin, in name order."""
        if self._help is None:
            try:
                self._help = _help_rows(_loads(self._lines[1]))
            except (ValueError, TypeError, RecursionError) as exc:
                self._recover(exc)
                self._help = _help_rows(_loads(self._lines[1]))
        return self._help

    def record(self, name: str) -> PluginRecord | None:
        """Return the record owning plugin name ``name`` (the usable one if any), or None."""
        if self._by_name is not None:
            return self._by_name.get(name)
        rows = self._lines[4]
        # Each line is a JSON row starting with the name: find the first line of ``name``
        # without decoding the others.
        key = ("[" + json.dumps(name) + ",").encode()
        at = 0 if rows.startswith(key) else rows.find(b"\n" + key) + 1
        if at == 0 and not rows.startswith(key):
            return None
        end = rows.find(b"\n", at)
        try:
            return _parse_line(rows[at : end if end >= 0 else len(rows)])[0]
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            self._recover(exc)
            return self.by_name.get(name)

    def unlearnt(self) -> list[str]:
        """Return the usable plugins whose help, hooks and kind are not known yet."""
        names: list[str] = self._index_part("unlearnt", list)
        return names

    def implementers(self, hook: str) -> list[str]:
        """Return the usable plugins known to implement ``hook``."""
        table: dict[str, list[str]] = self._index_part("hooks", dict)
        return table.get(hook, [])

    def contributors(self, group: str | None = None) -> dict[str, list[str]]:
        """Return command group → the usable plugins adding subcommands to it."""
        table: dict[str, list[str]] = self._index_part("groups", dict)
        return table if group is None else {group: table[group]} if group in table else {}

    def _index_part(self, key: str, kind: type) -> Any:
        if self._index is None:
            try:
                self._index = _index(_loads(self._lines[2]))
            except (ValueError, TypeError, RecursionError) as exc:
                self._recover(exc)
                self._index = _index(_loads(self._lines[2]))
        value = self._index.get(key)
        return value if isinstance(value, kind) else kind()

    @property
    def records(self) -> list[PluginRecord]:
        """Every record, usable or not, in name order (a name may appear twice)."""
        return [record for record, _ in self._all()]

    @property
    def by_name(self) -> dict[str, PluginRecord]:
        """The record that owns each name: the usable one where there is one."""
        if self._by_name is None:
            owners: dict[str, PluginRecord] = {}
            for record, _ in self._all():
                owners.setdefault(record.name, record)
            self._by_name = owners
        return self._by_name

    def _all(self) -> list[tuple[PluginRecord, str]]:
        if self._pairs is None:
            try:
                self._pairs = _parse_records(self._lines[4])[0]
            except (ValueError, TypeError, KeyError, RecursionError) as exc:
                self._recover(exc)
                self._pairs = _parse_records(self._lines[4])[0]
        return self._pairs

    def _recover(self, exc: BaseException) -> None:
        """Rebuild from scratch after finding a damaged part of a file that looked fresh."""
        logger.info("manifest %s is corrupt (%s); rebuilding it", self.path, exc)
        self._distribution, self._verdicts = None, {}
        self._rescan(None)

    # -- scanning --------------------------------------------------------------------------

    def _rescan(self, previous: list[bytes] | None, previous_stamps: Sequence[Stamp] = ()) -> None:
        """Scan the entries and folders that changed since ``previous`` (all if None); save.

        ``previous_stamps`` are the path stamps ``previous`` was written with. An older file
        whose parts disagree with each other is dropped, and everything scanned again.
        """
        with _gc_paused():
            try:
                self._scan(previous, previous_stamps)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                if previous is None:
                    raise
                logger.info("manifest %s is inconsistent (%s); scanning all", self.path, exc)
                self._scan(None, ())
        self.rebuilt = True
        self._write()

    def _scan(self, previous: list[bytes] | None, previous_stamps: Sequence[Stamp]) -> None:
        """Build every line from ``previous`` and what changed since (see :meth:`_rescan`).

        Records of unchanged metadata folders are taken from the older file's record lines,
        with what was learnt about them; those of new or replaced folders are read again,
        learnt from scratch. A plugin that had failed is learnt again when a distribution was
        added, removed or replaced.
        """
        from pegboard.discovery.entrypoints import canonical_name, combine

        stamps = fingerprint(self._sys_path)
        old_sections, old_pairs, old_lines = _previous(previous)
        if previous is None:
            _prune(os.path.dirname(self.path), keep=self.path)
        known_host = self._distribution
        kept: dict[str, list[PluginRecord]] = {}
        for record, info in old_pairs:
            kept.setdefault(info, []).append(record.unrefused())
        before = {_join(entry, folder) for entry, old in old_sections.items() for folder in old}
        sections: dict[str, dict[str, list[Any]]] = {}
        found = []
        changed = set()  # canonical names of the folders read now
        old_stamps = {stamp[0]: stamp for stamp in previous_stamps if isinstance(stamp, list)}
        for stamp in stamps:
            entry = stamp[0]
            if entry in sections:
                continue
            old_section = old_sections.get(entry)
            unchanged = old_section if old_stamps.get(entry) == stamp else None
            section, scanned = self._section(entry, old_section, unchanged)
            sections[entry] = section
            for folder, value in section.items():
                info = _join(entry, folder)
                records = scanned.get(folder)
                if records is not None:
                    changed.add(canonical_name(folder))
                elif value[2] is True:  # its records are in the record lines
                    records = kept[info]
                else:
                    records = [PluginRecord.from_row(row) for row in value[2] or ()]
                kept[info] = records
                found.append((canonical_name(folder), info, records))
        gone = before - {info for _, info, _ in found}
        changed.update(canonical_name(info.rpartition(os.sep)[2]) for info in gone)
        if known_host is not None and known_host in changed and self._host_moved():
            self._scan(None, ())  # every verdict depends on it
            return
        if changed:
            _retry_failed(kept.values())
        pairs = combine(found, self.scanner.reserved)
        self._stamps = stamps
        self._sources = [
            source
            for section in sections.values()
            for value in section.values()
            for source in value[3]
        ]
        stored = _stored_sections(sections, {info for _, info in pairs}, kept)
        self._set(pairs, stored, _by_identity(old_pairs, old_lines))

    def _host_moved(self) -> bool:
        """Look the host's distribution up again; return whether it is another one now.

        Asked when a folder of the distribution the manifest knew as the host's came, went
        or was replaced: the host may have been reinstalled under another project name.
        """
        from pegboard.discovery.entrypoints import normalize

        known, self._distribution = self._distribution, normalize(self.scanner.distribution())
        return self._distribution != known

    def _section(
        self,
        entry: str,
        old: dict[str, list[Any]] | None,
        unchanged: dict[str, list[Any]] | None,
    ) -> tuple[dict[str, list[Any]], dict[str, list[PluginRecord]]]:
        """Return ``entry``'s folders as ``name → [mtime_ns, ino, rows, sources]``, and the
        records of the folders read now.

        ``old`` is the entry's section in the older file; ``unchanged`` is the same when the
        entry itself did not change, so its folders are known without a listing. A folder
        is read again when it is new, replaced, or editable with an edited source file; the
        others keep their entry of ``old``.
        """
        from pegboard.discovery.entrypoints import distribution_folders

        if unchanged is not None:
            listing = [(folder, value[0], value[1]) for folder, value in unchanged.items()]
        else:
            listing = [(f, st.st_mtime_ns, st.st_ino) for f, st in distribution_folders(entry)]
        old = old or {}
        section: dict[str, list[Any]] = {}
        scanned: dict[str, list[PluginRecord]] = {}
        read = None
        for folder, mtime_ns, inode in listing:
            value = old.get(folder)
            if (
                value is None
                or value[0] != mtime_ns
                or value[1] != inode
                or (value[3] and not all(_mtime(f) == stamp for f, stamp in value[3]))
            ):
                read = read or self._reader(entry)
                value, scanned[folder] = read(folder, mtime_ns, inode)
            section[folder] = value
        return section, scanned

    def _reader(
        self, entry: str
    ) -> Callable[[str, int, int], tuple[list[Any], list[PluginRecord]]]:
        """Return the function reading one metadata folder of ``entry``.

        It returns ``[mtime_ns, ino, rows, editable sources]`` and the folder's records;
        ``rows`` is None without records, else true: they are rendered for the sections line
        only if the distribution turns out to be shadowed (see _stored_sections). What it
        needs is imported here, once, not once per folder of a cold start.
        """
        from pegboard.discovery.editable import is_editable, module_file
        from pegboard.discovery.entrypoints import normalize, scan_distribution

        scanner = self.scanner

        def read(folder: str, mtime_ns: int, inode: int) -> tuple[list[Any], list[PluginRecord]]:
            info = _join(entry, folder)
            if self._distribution is None:
                self._distribution = normalize(scanner.distribution())
            records = scan_distribution(
                info,
                scanner.group,
                host=self._distribution,
                host_version=scanner.host_version,
                verdicts=self._verdicts,
            )
            if not records:
                return [mtime_ns, inode, None, []], []
            sources = []
            if is_editable(info):
                for record in records:
                    source = module_file(record.target) if record.usable else None
                    if source is not None:
                        sources.append([source, _mtime(source)])
            return [mtime_ns, inode, True, sources], records

        return read

    # -- writing ---------------------------------------------------------------------------

    def learn(self, updates: Mapping[str, PluginRecord]) -> None:
        """Replace the usable records named in ``updates``; save if anything changed.

        The file keeps the path stamps taken when its records were read, not fresh ones:
        a plugin installed since then must still make the next start rescan.
        """
        if all(self.record(name) == update for name, update in updates.items()):
            return  # the common case, decided without parsing every record
        pairs = self._all()
        new = [
            (updates.get(record.name, record) if record.usable else record, info)
            for record, info in pairs
        ]
        if new == pairs:
            return
        self._set(
            new, self._lines[3], _by_identity(pairs, self._lines[4].split(b"\n") if pairs else [])
        )
        self._write()

    def _set(
        self, pairs: list[tuple[PluginRecord, str]], sections: bytes, rendered: Rendered
    ) -> None:
        """Make ``pairs`` the records, rendering every line of the file from them.

        The line of a record found in ``rendered`` is reused as it is: after an install,
        rendering the unchanged records again would cost more than the rest of the rescan.
        """
        self._pairs = pairs
        self._by_name = None
        owners: dict[str, PluginRecord] = {}
        for record, _ in pairs:
            owners.setdefault(record.name, record)
        usable = [record for record in owners.values() if record.usable]
        help_rows: list[HelpRow] = [
            (r.name, (r.help if r.learnt else r.summary) or "", r.kind, r.groups) for r in usable
        ]
        hooks: dict[str, list[str]] = {}
        groups: dict[str, list[str]] = {}
        for record in usable:
            for hook in record.hooks or ():
                hooks.setdefault(hook, []).append(record.name)
            for group in record.groups:
                groups.setdefault(group, []).append(record.name)
        index = {"unlearnt": [r.name for r in usable if not r.learnt], "hooks": hooks}
        index["groups"] = groups
        body = [
            _dumps(
                [[name, text, kind, " ".join(groups)] for name, text, kind, groups in help_rows]
            ),
            _dumps(index),
            sections,
            b"\n".join(_render(record, info, rendered) for record, info in pairs),
        ]
        header = {
            "schema": SCHEMA,
            "pegboard": __version__,
            "host": self.host_key,
            "paths": self._stamps,
            "editable": self._sources,
            "distribution": self._distribution,
            "requirements": self._verdicts,
            "crc": zlib.crc32(b"\n".join(body)),
        }
        self._lines = [_dumps(header), *body]
        self._help = help_rows  # as help_rows() would parse them from the line
        self._index = index

    def _write(self) -> None:
        from pegboard.discovery.atomic import write_atomic

        try:
            # Not fsynced: a file torn by a crash fails its CRC and is rebuilt.
            write_atomic(self.path, b"\n".join(self._lines), durable=False)
        except OSError as exc:
            # A read-only cache costs speed, not correctness: carry on uncached.
            logger.info("cannot write manifest %s: %s", self.path, exc)


_RETRY: Final = frozenset({"failed"})
"""Learnt kinds dropped when distributions change: an install may have fixed the plugin."""


def _retry_failed(groups: Iterable[list[PluginRecord]]) -> None:
    """Forget what was learnt about failed plugins, so they are learnt again.

    Called when a distribution came, went or was replaced, which may have fixed them; other
    changes to a folder (bytecode written next to a module) fix nothing.
    """
    for records in groups:
        records[:] = [r.forget() if r.kind in _RETRY else r for r in records]


def _stored_sections(
    sections: dict[str, dict[str, list[Any]]],
    listed: Collection[str],
    records: Mapping[str, list[PluginRecord]],
) -> bytes:
    """Return the sections line: each folder's ``[mtime_ns, ino, rows, sources]``.

    ``rows`` is true for a folder whose records are in the record lines (``listed``); the
    rows themselves are kept only for a distribution shadowed by an earlier one, whose
    ``records`` are in no record line.
    """
    for entry, section in sections.items():
        for folder, value in section.items():
            if value[2] is not None:
                info = _join(entry, folder)
                value[2] = True if info in listed else [r.to_row() for r in records[info]]
    return _dumps(sections)


_COMPACT: Final = json.JSONEncoder(separators=(",", ":"))
"""One encoder for every line: ``json.dumps`` with separators builds a new one per call,
which costs more than encoding a record line."""


def _dumps(value: object) -> bytes:
    """Return ``value`` as compact JSON bytes (one line: JSON escapes every newline)."""
    return _COMPACT.encode(value).encode()


def _join(entry: str, folder: str) -> str:
    """Return the path of ``folder`` in ``sys.path`` entry ``entry`` ("" is the working folder).

    Plain concatenation: ``os.path.join`` costs more than the rest of the path handling of a
    scan over thousands of folders.
    """
    return f"{entry or '.'}{os.sep}{folder}"


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the garbage collector while thousands of acyclic rows and records are built.

    They allocate enough containers to trigger collections, which walk every object the
    process holds (all of Click) and can cost more than building them; what is built here
    holds no cycles, so pausing loses nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _loads(text: bytes) -> Any:
    """Parse JSON with the garbage collector paused (see :func:`_gc_paused`)."""
    with _gc_paused():
        return json.loads(text)


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _read(path: str) -> tuple[dict[str, Any], list[bytes]] | None:
    """Return the header and the five lines of the manifest at ``path``, or None.

    None when it is missing or damaged: the header holds a CRC of the other lines, so a
    file cut short or edited by hand is rebuilt, even where only the line of one record
    (read on its own, later) was damaged.
    """
    data = _read_file(path)
    if data is None:
        return None
    lines = data.split(b"\n", 4)
    try:
        header = json.loads(lines[0])
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if (
        len(lines) != 5
        or not isinstance(header, dict)
        or header.get("crc") != zlib.crc32(memoryview(data)[len(lines[0]) + 1 :])
    ):
        return None
    return header, lines


def _read_file(path: str) -> bytes | None:
    """Return the content of ``path`` if it is a regular file of sane size, else None.

    Opened non-blocking and checked with ``fstat`` before reading, so a FIFO (or a device)
    at the path is never waited on, and an oversized file is never read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_BYTES:
            logger.info("manifest %s is not a regular file of sane size; ignoring it", path)
            return None
        data = os.read(fd, found.st_size + 1)
        while len(data) > found.st_size and (chunk := os.read(fd, 1 << 16)):
            data += chunk  # it grew while being read: the CRC will tell
            if len(data) > MAX_BYTES:
                return None
        if time.time() - found.st_mtime > _TOUCH_SECONDS:
            _touch(fd)  # marks it as used, so it is not pruned
    except OSError:
        return None
    finally:
        os.close(fd)
    return data


def _touch(fd: int) -> None:
    # A read-only cache may be pruned one day, and rebuilt then.
    with contextlib.suppress(OSError, NotImplementedError):
        os.utime(fd)


def _is_ours(header: dict[str, Any], host_key: list[str]) -> bool:
    """Whether ``header`` is a well-formed header of this schema, pegboard and host."""
    return (
        header.get("schema") == SCHEMA
        and header.get("pegboard") == __version__
        and header.get("host") == host_key
        and isinstance(header.get("paths"), list)
        and _pairs_list(header.get("editable"))
    )


def _host_facts(header: dict[str, Any]) -> tuple[str | None, dict[str, str | None]]:
    """Return the host distribution and requirement verdicts of ``header``, or none.

    Both only save work: malformed ones are dropped and found again.
    """
    distribution = header.get("distribution")
    verdicts = header.get("requirements")
    if not isinstance(verdicts, dict) or not all(
        isinstance(problem, (str, type(None))) for problem in verdicts.values()
    ):
        verdicts = {}
    return distribution if isinstance(distribution, str) else None, verdicts


def _pairs_list(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) for item in value
    )


def _previous(
    lines: list[bytes] | None,
) -> tuple[dict[str, dict[str, list[Any]]], list[tuple[PluginRecord, str]], list[bytes]]:
    """Return the per-entry sections, the records and record lines of an older file.

    Empty ones if there is none. Anything malformed in them makes the whole older file
    worthless: start from scratch.
    """
    if lines is None:
        return {}, [], []
    try:
        sections = json.loads(lines[3])
        if not isinstance(sections, dict):
            raise TypeError("sections are not an object")
        for section in sections.values():
            for value in section.values():
                _check_section_value(value)
        return (sections, *_parse_records(lines[4]))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        logger.info("manifest sections are corrupt (%s); scanning everything", exc)
        return {}, [], []


def _check_section_value(value: object) -> None:
    """Raise unless ``value`` is ``[mtime_ns, ino, rows, [[source, mtime_ns], ...]]``.

    ``rows`` is null (no plugins), true (its records are in the record lines) or the rows of
    a shadowed distribution's records.
    """
    if not (
        isinstance(value, list)
        and len(value) == 4
        and type(value[0]) is int
        and type(value[1]) is int
        and (value[2] is None or value[2] is True or isinstance(value[2], list))
        and _pairs_list(value[3])
    ):
        raise TypeError(f"malformed folder entry {value!r}")


def _parse_line(line: bytes) -> tuple[PluginRecord, str]:
    """Return the record and metadata folder of one record line (``[*row, folder]``)."""
    return _pair(json.loads(line))


def _pair(row: object) -> tuple[PluginRecord, str]:
    if type(row) is not list or not row or type(row[-1]) is not str:
        raise TypeError(f"malformed record line {row!r}")
    return PluginRecord.from_row(row[:-1]), row[-1]


def _parse_records(text: bytes) -> tuple[list[tuple[PluginRecord, str]], list[bytes]]:
    """Return the records and metadata folders of the record lines ``text``, and its lines.

    The lines are parsed as one JSON array, which costs a quarter of parsing them one by
    one; a line holding anything but one value changes the count, and is rejected.
    """
    if not text:
        return [], []
    lines = text.split(b"\n")
    with _gc_paused():
        rows = json.loads(b"[" + b",".join(lines) + b"]")
        if len(rows) != len(lines):
            raise ValueError("a record line holds more than one value")
        return [_pair(row) for row in rows], lines


def _by_identity(pairs: Sequence[tuple[PluginRecord, str]], lines: Sequence[bytes]) -> Rendered:
    """Return the lines of ``pairs`` (rendered from them, in order) by record identity."""
    return {
        id(record): (record, info, line) for (record, info), line in zip(pairs, lines, strict=True)
    }


def _render(record: PluginRecord, info: str, rendered: Rendered) -> bytes:
    """Return the record line of ``record`` from ``info``, reusing its earlier line if any."""
    known = rendered.get(id(record))
    if known is not None and known[0] is record and known[1] == info:
        return known[2]
    return _dumps([*record.to_row(), info])


_HELP_TYPES: Final = frozenset((str, str, kind, str) for kind in (str, type(None)))


def _help_rows(data: object) -> list[HelpRow]:
    if not isinstance(data, list):
        raise TypeError("help rows are not a list")
    rows: list[HelpRow] = []
    for row in data:
        if type(row) is not list or tuple(map(type, row)) not in _HELP_TYPES:
            raise TypeError(f"malformed help row {row!r}")
        rows.append((row[0], row[1], row[2], tuple(row[3].split())))
    return rows


def _index(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError("the index is not an object")
    names = data.get("unlearnt")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise TypeError("malformed list of unlearnt plugins")
    for key in ("hooks", "groups"):
        table = data.get(key)
        if not isinstance(table, dict) or not all(
            isinstance(v, list) and all(isinstance(n, str) for n in v) for v in table.values()
        ):
            raise TypeError(f"malformed {key} table")
    return data


def _prune(folder: str, *, keep: str) -> None:
    """Delete the manifests in ``folder`` unused for :data:`UNUSED_SECONDS` (one listing).

    Temporary files of writers that were killed before their rename go after a day.
    """
    limit = time.time() - UNUSED_SECONDS
    try:
        with os.scandir(folder) as listing:
            for item in listing:
                if item.name.startswith("manifest-") and item.name.endswith(".json"):
                    unused_since = limit
                elif item.name.startswith(".manifest-") and item.name.endswith(".tmp"):
                    unused_since = limit + UNUSED_SECONDS - 86400  # a writer killed a day ago
                else:
                    continue
                try:
                    if (
                        item.path != keep
                        and item.stat(follow_symlinks=False).st_mtime < unused_since
                    ):
                        os.unlink(item.path)
                except OSError:
                    continue
    except OSError:
        return
