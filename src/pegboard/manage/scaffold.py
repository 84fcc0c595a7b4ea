"""``plugins new``: write a complete plugin project that installs and passes its own tests.

The project follows the plugin contract: an entry point in the host's group naming a plugin
object with a version, the plugin API it needs, a Click command (or a Typer app) and one hook;
a requirement on the host's distribution (checked before import); a test; a README. The text
of the files is in :mod:`pegboard.manage.templates`.

The requirement on the host is ``>=`` the host's current major.minor release, with no upper
bound: an upper cap would make pip refuse every future host release, compatible or not, while
the API break that matters is declared separately by ``requires_api_version`` (``>=`` the
host's current plugin API major.minor), which the host checks after import. The generated
plugin implements ``health`` only: ``pre_execute``/``post_execute`` would make the host import
it before every plugin command, a cost a new plugin should not pay by default.
"""

from __future__ import annotations

import dataclasses
import os
import re
import string
from collections.abc import Collection
from pathlib import Path
from typing import Final

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pegboard._errors import InvalidNameError, PegboardError
from pegboard._log import get_logger
from pegboard._names import validate_name
from pegboard._version import __version__
from pegboard.host.config import default_group
from pegboard.manage.templates import FLAVOURS, project_files

logger = get_logger(__name__)

_NAME: Final = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
"""A command word that is also a valid piece of a distribution and a package name.

Separators sit between letters or digits: a trailing or doubled one would make the
distribution name invalid (PEP 508) or ambiguous once normalised.
"""

_NAME_HINT: Final = (
    "Use lowercase letters, digits, '-' and '_', starting with a letter and with no "
    "separator at the end or twice in a row (e.g. 'hello' or 'db-tools')."
)

_PACKAGE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
"""An ASCII Python package name; the distribution name is it with '_' spelled '-'."""

_PLUGIN_VERSION: Final = "0.1.0"

MAX_NAME_LENGTH: Final = 64
"""The longest name a new project may have.

The name is a command word people type, and part of a folder name and a file name
(``tests/test_<host>_<name>.py``), which file systems cap at 255 bytes; far below that, a
clear refusal beats an OSError from the file system.
"""


@dataclasses.dataclass(frozen=True)
class ScaffoldResult:
    """Where the project was written and what it is called."""

    root: Path
    """The project folder (absolute)."""
    distribution: str
    """The distribution name, ``<host>-<name>``, for pip."""
    package: str
    """The import name: the distribution name with '-' spelled '_'."""
    files: tuple[Path, ...]
    """Every file written, absolute; files already in the folder and not listed were kept."""


def create_plugin_project(
    name: str,
    directory: str | os.PathLike[str] | None = None,
    *,
    host: str = "pegboard",
    host_distribution: str = "pegboard",
    host_version: str,
    api_version: str | None = None,
    reserved: Collection[str] = (),
    force: bool = False,
    flavour: str = "click",
    group: str | None = None,
) -> ScaffoldResult:
    """Write a project for plugin ``name`` of ``host`` and return where it is.

    ``directory`` defaults to ``./<host>-<name>``. ``api_version`` is the host's plugin API
    version (default: ``host_version``). ``reserved`` are the host's built-in command names,
    which a plugin cannot take (built-ins win, so it would never run). An existing non-empty
    folder is refused unless ``force``; then only the scaffold's own files are overwritten,
    so the author's other files survive. ``flavour`` is ``click`` (a Click command) or
    ``typer`` (a Typer app). ``group`` is the entry-point group the host reads plugins from
    (default: ``<host>.plugins``).
    """
    _check_name(name, reserved)
    chosen = FLAVOURS.get(flavour)
    if chosen is None:
        raise PegboardError(
            f"Unknown plugin flavour {flavour!r}.",
            hint=f"Choose one of {', '.join(sorted(FLAVOURS))}.",
        )
    package = f"{host}_{name}".replace("-", "_")
    if not _PACKAGE.fullmatch(package):
        raise InvalidNameError(
            f"The host name {host!r} cannot start a Python package name ({package!r}).",
            plugin=name,
            hint="Create the project for a host whose name has only ASCII letters, digits, "
            "'-' and '_', starting with a letter.",
        )
    distribution = package.replace("_", "-")
    requirement = _requirement(host_distribution, host_version)
    dependencies = [requirement, *_pegboard_requirement(host_distribution), chosen.requirement]
    values = {
        "name": name,
        "host": host,
        "group": group or default_group(host),
        "distribution": distribution,
        "package": package,
        "version": _PLUGIN_VERSION,
        "requirement": requirement,
        "dependencies": ", ".join(f'"{dependency}"' for dependency in dependencies),
        "api_requirement": f">={_major_minor(api_version or host_version)}",
    }
    root = _target_folder(directory, distribution, name=name, force=force)
    written = []
    for relative, template in project_files(chosen):
        path = root / string.Template(relative).substitute(values)
        _write(path, template.substitute(values), plugin=name)
        written.append(path)
    logger.info("created plugin project %s in %s", distribution, root)
    return ScaffoldResult(root, distribution, package, tuple(written))


def _check_name(name: str, reserved: Collection[str]) -> None:
    """Refuse a name that is not also a command word, a distribution and a package part."""
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"Invalid plugin name {name[:20]!r}... for a new project: it has {len(name)} "
            f"characters, and the limit is {MAX_NAME_LENGTH}.",
            plugin=name,
            hint="Choose a shorter name, like 'hello' or 'db-tools'.",
        )
    validate_name(name)
    if not _NAME.fullmatch(name):
        raise InvalidNameError(
            f"Invalid plugin name {name!r} for a new project.", plugin=name, hint=_NAME_HINT
        )
    if name in reserved:
        raise InvalidNameError(
            f"The plugin name {name!r} is a built-in command; the plugin would never run.",
            plugin=name,
            hint="Choose another name.",
        )


def _target_folder(
    directory: str | os.PathLike[str] | None, distribution: str, *, name: str, force: bool
) -> Path:
    """Return the absolute project folder, refusing one that holds files unless ``force``."""
    root = Path(directory if directory is not None else distribution).absolute()
    try:  # a path too long, or a folder that cannot be read, is the user's to fix
        in_the_way = root.exists() and not root.is_dir()
        holds_files = root.is_dir() and any(root.iterdir())
    except OSError as exc:
        raise PegboardError(
            f"Cannot create the project in {root}: {exc.strerror or exc}.",
            plugin=name,
            hint="Choose another folder with --dir.",
        ) from exc
    if in_the_way:
        raise PegboardError(
            f"{root} exists and is not a folder.",
            plugin=name,
            hint="Choose another place with --dir.",
        )
    if holds_files and not force:
        raise PegboardError(
            f"The folder {root} already exists and is not empty.",
            plugin=name,
            hint="Choose another folder with --dir, or use --force to overwrite the "
            "scaffold's files (other files are kept).",
        )
    return root


def _pegboard_requirement(host_distribution: str) -> list[str]:
    """Return a requirement on pegboard unless the host is pegboard: the plugin imports it."""
    if canonicalize_name(host_distribution) == "pegboard":
        return []
    return [_requirement("pegboard", __version__)]


def _requirement(distribution: str, version: str) -> str:
    """Return ``distribution>=major.minor`` of ``version``, refusing a malformed name."""
    text = f"{distribution}>={_major_minor(version)}"
    try:
        # A name that parses but is not all of the name (extras, markers) is refused too.
        valid = Requirement(text).name == distribution
    except InvalidRequirement:
        valid = False
    if not valid:
        raise PegboardError(
            f"{distribution!r} is not a valid distribution name to depend on.",
            hint="Give the host's distribution as it is published, e.g. 'acme-cli'.",
        )
    return text


def _major_minor(version: str) -> str:
    """Return the ``major.minor`` of a PEP 440 version, the precision plugins depend on."""
    try:
        release = Version(version).release
    except InvalidVersion as exc:
        raise PegboardError(
            f"{version!r} is not a PEP 440 version.",
            hint="Give the host's version like '1.4.0'.",
        ) from exc
    major, minor = (*release, 0)[:2]
    return f"{major}.{minor}"


def _write(path: Path, text: str, *, plugin: str) -> None:
    """Write one file of the project, creating its folder; report failures as PegboardError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            logger.info("overwriting %s", path)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PegboardError(
            f"Could not write {path}: {exc.strerror or exc}.",
            plugin=plugin,
            hint="Check the folder's permissions, or choose another folder with --dir.",
        ) from exc
