"""Read a ``uv tool`` receipt back into the ``uv tool install`` arguments that made it.

uv has no command that adds one package to a tool: a plugin install runs ``uv tool install``
again, and uv makes the tool match that request exactly, recording the new request in
``uv-receipt.toml``. Whatever the request leaves out is gone: the ``--with`` requirements, and
also the constraints, overrides, excludes, build constraints and the resolver and index
settings the user chose (``[tool.options]``). So every part of the receipt that uv has a
command-line flag for is turned back into that flag; the rest is listed in
:attr:`Receipt.dropped`, for a warning. Requirement lists that uv only takes as files
(``--constraints FILE``) are returned as file contents for the caller to write.

The format is the one uv writes (``uv tool install``; read from uv 0.13's receipts, with the
older ``no-build-isolation`` spellings too): ``[tool]``
with ``requirements``, ``constraints``, ``overrides``, ``excludes``,
``build-constraint-dependencies``, ``python`` and ``entrypoints``, and ``[tool.options]``
with uv's resolver and installer settings in their configuration-file spelling.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeGuard

from packaging.utils import canonicalize_name

from pegboard._errors import InstallError

VALUE_OPTIONS: Final = {
    key: f"--{key}"
    for key in (
        "index-url",
        "index-strategy",
        "keyring-provider",
        "resolution",
        "prerelease",
        "fork-strategy",
        "exclude-newer",
        "link-mode",
        "torch-backend",
    )
}
"""``[tool.options]`` settings holding one value, and the flag taking it."""

LIST_OPTIONS: Final = {
    key: f"--{key}"
    for key in (
        "extra-index-url",
        "find-links",
        "no-build-package",
        "no-binary-package",
        "no-sources-package",
        "no-build-isolation-package",  # written by uv before build-isolation existed
    )
}
"""``[tool.options]`` settings holding a list, and the flag given once per item."""

SWITCH_OPTIONS: Final = {
    key: f"--{key}"
    for key in (
        "no-index",
        "compile-bytecode",
        "no-sources",
        "no-build",
        "no-binary",
        "no-build-isolation",  # written by uv before build-isolation existed
    )
}
"""``[tool.options]`` settings that are true or false, and the flag saying true."""

SINGLE_FLAGS: Final = frozenset(
    {*VALUE_OPTIONS.values(), *SWITCH_OPTIONS.values(), "--default-index"}
)
"""Flags uv refuses to see twice: one the user gives again replaces the receipt's."""

_FILE_LISTS: Final = {
    "constraints": "--constraints",
    "overrides": "--overrides",
    "build-constraint-dependencies": "--build-constraints",
    "excludes": "--excludes",
}
"""``[tool]`` requirement lists, and the flag taking them as a requirements file."""

_KNOWN_TOOL_KEYS: Final = frozenset(
    {"requirements", "python", "entrypoints", "options", *_FILE_LISTS}
)

_PLAIN_INDEX: Final = {"explicit": False, "format": "simple", "authenticate": "auto"}
"""What an index given as ``--index [NAME=]URL`` is recorded with; anything else has no flag."""


@dataclasses.dataclass(frozen=True)
class Receipt:
    """What ``uv tool install`` needs to rebuild a tool as the user asked for it.

    ``host`` and each of ``withs`` is (canonical name, arguments): the tool's own
    requirement as ``[spec]`` or ``["--editable", path]``, the others as ``--with`` or
    ``--with-editable`` arguments. ``options`` are (flag, value or None) pairs, in the
    receipt's order; ``files`` are (flag, content of the requirements file it takes).
    ``dropped`` names each setting no flag can carry over.
    """

    path: str
    host: tuple[str, list[str]]
    withs: list[tuple[str, list[str]]]
    options: list[tuple[str, str | None]]
    files: list[tuple[str, str]]
    dropped: list[str]


def read_receipt(path: str, tool: str) -> Receipt:
    """Read the receipt at ``path`` of the uv tool named ``tool``; InstallError if unreadable."""
    import tomllib

    try:
        with open(path, "rb") as stream:
            data = tomllib.load(stream)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise unreadable(path, str(error)) from error
    return parse_receipt(data, path, tool)


def parse_receipt(data: Mapping[str, Any], path: str, tool: str) -> Receipt:
    """Turn a receipt's TOML ``data`` into a :class:`Receipt` (``path`` names it in errors)."""
    table = data.get("tool")
    if not isinstance(table, dict) or not isinstance(table.get("requirements"), list):
        raise unreadable(path, "it has no [tool] requirements list")
    name = canonicalize_name(tool)
    entries = [_requirement(entry, path) for entry in table["requirements"]]
    hosts = [entry for entry in entries if entry[0] == name]
    if not hosts:
        raise unreadable(path, f"it has no requirement on the tool {name!r}")
    kind, where = hosts[0][1]
    host = (name, ["--editable", where] if kind == "--with-editable" else [where])
    options: list[tuple[str, str | None]] = []
    dropped = [f"[tool] {key}" for key in table if key not in _KNOWN_TOOL_KEYS]
    python = table.get("python")
    if isinstance(python, str):
        options.append(("--python", python))
    elif python is not None:
        dropped.append("[tool] python")
    options += _executables_from(table.get("entrypoints"), name)
    files = [
        (flag, _requirements_file(table[key], key, path))
        for key, flag in _FILE_LISTS.items()
        if table.get(key)
    ]
    settings = table.get("options", {})
    if not isinstance(settings, dict):
        raise unreadable(path, "[tool.options] is not a table")
    for key, value in settings.items():
        flags = _option_flags(key, value)
        if flags is None:
            dropped.append(key)
        else:
            options += flags
    withs = [entry for entry in entries if entry is not hosts[0]]
    return Receipt(path, host, withs, options, files, dropped)


def unreadable(path: str, problem: str) -> InstallError:
    """Return the error for a receipt that cannot be read, naming it and the way out."""
    return InstallError(
        f"Cannot read the installer's record {path}: {problem}.",
        hint="Reinstall the host with the tool that installed it, with the options you use "
        "(`uv tool install --force NAME`, `pipx install --force NAME`), then try again.",
    )


def _requirement(entry: object, path: str) -> tuple[str, list[str]]:
    """Turn one requirement table into (canonical name, ``--with`` arguments)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise unreadable(path, f"a requirement is not a table with a name: {entry!r}")
    if isinstance(entry.get("editable"), str):
        return canonicalize_name(entry["name"]), ["--with-editable", entry["editable"]]
    return canonicalize_name(entry["name"]), ["--with", requirement_text(entry)]


def requirement_text(entry: Mapping[str, Any]) -> str:
    """Return a receipt's requirement table as a PEP 508 requirement."""
    name: str = entry["name"]
    extras = entry.get("extras") or []
    text = name + (f"[{','.join(map(str, extras))}]" if extras else "")
    local = entry.get("editable") or entry.get("directory") or entry.get("path")
    if isinstance(local, str):
        from pathlib import Path

        text += f" @ {Path(local).absolute().as_uri()}"
    elif isinstance(entry.get("git"), str):
        reference = next((entry[k] for k in ("rev", "tag", "branch") if entry.get(k)), None)
        text += f" @ git+{entry['git']}" + (f"@{reference}" if reference else "")
    elif isinstance(entry.get("url"), str):
        text += f" @ {entry['url']}"
    else:
        text += str(entry.get("specifier") or "")
    if entry.get("subdirectory") and "@" in text:
        text += f"#subdirectory={entry['subdirectory']}"
    if entry.get("marker"):
        text += f" ; {entry['marker']}"
    return text


def _requirements_file(entries: object, key: str, path: str) -> str:
    """Return the requirements file holding the ``[tool]`` list ``key``."""
    if not isinstance(entries, list):
        raise unreadable(path, f"[tool] {key} is not a list")
    lines = []
    for entry in entries:
        if key == "excludes" and isinstance(entry, str):
            lines.append(entry)  # excludes are bare names
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
            lines.append(requirement_text(entry))
        else:
            raise unreadable(path, f"an entry of [tool] {key} is not a requirement: {entry!r}")
    return "".join(f"{line}\n" for line in lines)


def _executables_from(entrypoints: object, tool: str) -> list[tuple[str, str | None]]:
    """Return ``--with-executables-from`` for each other package the tool's commands come from."""
    if not isinstance(entrypoints, list):
        return []
    sources = {
        str(entry["from"]) for entry in entrypoints if isinstance(entry, dict) and entry.get("from")
    }
    return [
        ("--with-executables-from", source)
        for source in sorted(sources)
        if canonicalize_name(source) != tool
    ]


def _option_flags(key: str, value: object) -> list[tuple[str, str | None]] | None:
    """Return the flags that set ``[tool.options]`` ``key`` to ``value``; None if none can."""
    if key in VALUE_OPTIONS:
        plain = isinstance(value, str | int | float) and not isinstance(value, bool)
        return [(VALUE_OPTIONS[key], str(value))] if plain else None
    if key in SWITCH_OPTIONS:
        on: list[tuple[str, str | None]] = [(SWITCH_OPTIONS[key], None)] if value else []
        return on if isinstance(value, bool) else None
    if key in LIST_OPTIONS:
        return [(LIST_OPTIONS[key], item) for item in value] if _strings(value) else None
    special = _SPECIAL.get(key)
    return special(key, value) if special is not None else None


def _build_isolation(key: str, value: object) -> list[tuple[str, str | None]] | None:
    """Return the flags of ``build-isolation``: isolate, shared, or shared for some packages."""
    if value == "isolate":
        return []
    if value == "shared":
        return [("--no-build-isolation", None)]
    packages = value.get("shared-package") if isinstance(value, dict) and len(value) == 1 else None
    if _strings(packages):
        return [("--no-build-isolation-package", package) for package in packages]
    return None


def _indexes(key: str, indexes: object) -> list[tuple[str, str | None]] | None:
    """Return ``--index [NAME=]URL`` and ``--default-index URL`` for the receipt's indexes."""
    if not isinstance(indexes, list):
        return None
    flags: list[tuple[str, str | None]] = []
    for index in indexes:
        if not isinstance(index, dict) or not isinstance(index.get("url"), str):
            return None
        plain = all(index.get(k, v) == v for k, v in _PLAIN_INDEX.items())
        if not plain or not index.keys() <= {"name", "url", "default", *_PLAIN_INDEX}:
            return None  # explicit, flat or authenticated indexes exist only in configuration
        if index.get("default"):
            flags.append(("--default-index", index["url"]))
        else:
            name = index.get("name")
            flags.append(("--index", f"{name}={index['url']}" if name else index["url"]))
    return flags


def _tables(key: str, value: object) -> list[tuple[str, str | None]] | None:
    """Return the flags of a table setting: ``-C k=v``, ``PKG:k=v`` or ``PKG=DATE`` each."""
    if not isinstance(value, dict):
        return None
    flags: list[tuple[str, str | None]] = []
    for outer, inner in value.items():
        if key == "exclude-newer-package":
            if not isinstance(inner, str):
                return None
            flags.append(("--exclude-newer-package", f"{outer}={inner}"))
        elif key == "config-settings":
            items = inner if isinstance(inner, list) else [inner]
            if not _strings(items):
                return None
            flags += [("--config-setting", f"{outer}={item}") for item in items]
        else:
            if not isinstance(inner, dict) or not _strings(list(inner.values())):
                return None
            flags += [("--config-settings-package", f"{outer}:{k}={v}") for k, v in inner.items()]
    return flags


def _strings(value: object) -> TypeGuard[list[str]]:
    """Whether ``value`` is a list of strings."""
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


_SPECIAL: Final[dict[str, Callable[[str, object], list[tuple[str, str | None]] | None]]] = {
    "index": _indexes,
    "build-isolation": _build_isolation,
    "config-settings": _tables,
    "config-settings-package": _tables,
    "exclude-newer-package": _tables,
}
"""``[tool.options]`` settings whose shape needs its own reading."""
