"""``plugins new``: write a complete plugin project that installs and passes its own tests.

The project follows the plugin contract: an entry point in ``<host>.plugins`` naming a plugin
object with a version, the plugin API it needs, a Click command and one hook; a requirement on
the host's distribution (checked before import); a test; a README.

The requirement on the host is ``>=`` the host's current major.minor release, with no upper
bound: an upper cap would make pip refuse every future host release, compatible or not, while
the API break that matters is declared separately by ``requires_api_version`` (``>=`` the
host's current plugin API major.minor), which the host checks after import. The generated
plugin implements ``health`` only: ``pre_execute``/``post_execute`` would make the host import
it before every plugin command, a cost a new plugin should not pay by default.
"""

from __future__ import annotations

import dataclasses
import logging
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
from pegboard._names import validate_name
from pegboard._version import __version__

logger = logging.getLogger(__name__)

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

_PYPROJECT: Final = string.Template("""\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "$distribution"
version = "$version"
description = "A plugin for $host adding the `$host $name` command."
readme = "README.md"
requires-python = ">=3.11"
dependencies = [$dependencies]

[project.optional-dependencies]
test = ["pytest>=8"]

# How $host finds the plugin: the group is "$host.plugins", the name is the command's.
[project.entry-points."$host.plugins"]
$name = "$package:plugin"

[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
"*" = ["py.typed"]

[tool.pytest.ini_options]
testpaths = ["tests"]
""")

_MODULE: Final = string.Template('''\
"""The $name plugin for $host: adds the `$host $name` command."""

from __future__ import annotations

import click
import pegboard

__version__ = "$version"


@click.command(name="$name")
@click.option("--name", "who", default="world", show_default=True, help="Who to greet.")
def command(who: str) -> None:
    """Greet someone (a command the $name plugin adds to $host)."""
    click.echo(f"Hello, {who}!")


class Plugin:
    """What $host loads through the entry point: a command and one hook.

    Implement more of the host's hooks as methods marked with ``@pegboard.hookimpl``.
    A plugin implementing ``pre_execute`` or ``post_execute`` is imported before every
    plugin command, so add those only when the plugin needs them.
    """

    version = __version__
    requires_api_version = "$api_requirement"
    command = command

    @pegboard.hookimpl
    def health(self) -> bool | str:
        """Report readiness to `$host plugins check`; a message reports a problem."""
        return True


plugin = Plugin()
''')

_TEST: Final = string.Template('''\
"""Tests of the $name plugin: its command, its hook and its metadata."""

from __future__ import annotations

import importlib.metadata

from click.testing import CliRunner

from $package import command, plugin


def test_command_greets() -> None:
    result = CliRunner().invoke(command, ["--name", "Ada"])
    assert result.exit_code == 0, result.output
    assert result.output == "Hello, Ada!\\n"


def test_help_comes_from_the_docstring() -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0, result.output
    assert "Greet someone" in result.output


def test_plugin_offers_the_command_and_is_healthy() -> None:
    assert plugin.command is command
    assert command.name == "$name"
    assert plugin.health() is True


def test_version_matches_the_installed_distribution() -> None:
    assert plugin.version == importlib.metadata.version("$distribution")
''')

_README: Final = string.Template("""\
# $distribution

A plugin for `$host` adding the `$host $name` command.

## Install

Into the environment `$host` runs in, with a check that the plugin loads:

    $host plugins install .

or with pip alone:

    pip install .

## Use

    $host $name --name Ada

`$host plugins check $name` loads the plugin in isolation and asks its health hook.

## Develop

    pip install -e ".[test]"
    pytest

## How $host finds it

`pyproject.toml` declares the entry point `$name = "$package:plugin"` in the group
`$host.plugins`; the entry point's name is the command's name. The dependency
`$requirement` declares which host releases the plugin works with: `$host` checks it
before importing the plugin. `Plugin.requires_api_version` names the plugin API it needs,
checked right after import.
""")

_GITIGNORE: Final = string.Template("""\
__pycache__/
*.egg-info/
build/
dist/
.venv/
.pytest_cache/
""")

_FILES: Final = (
    ("pyproject.toml", _PYPROJECT),
    ("README.md", _README),
    (".gitignore", _GITIGNORE),
    ("src/$package/__init__.py", _MODULE),
    ("src/$package/py.typed", string.Template("")),
    ("tests/test_$package.py", _TEST),
)
"""Each file of the project: its path under the root and its text, both templates."""


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
) -> ScaffoldResult:
    """Write a project for plugin ``name`` of ``host`` and return where it is.

    ``directory`` defaults to ``./<host>-<name>``. ``api_version`` is the host's plugin API
    version (default: ``host_version``). ``reserved`` are the host's built-in command names,
    which a plugin cannot take (built-ins win, so it would never run). An existing non-empty
    folder is refused unless ``force``; then only the scaffold's own files are overwritten,
    so the author's other files survive.
    """
    _check_name(name, reserved)
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
    dependencies = [requirement, *_pegboard_requirement(host_distribution), "click>=8.1"]
    values = {
        "name": name,
        "host": host,
        "distribution": distribution,
        "package": package,
        "version": _PLUGIN_VERSION,
        "requirement": requirement,
        "dependencies": ", ".join(f'"{dependency}"' for dependency in dependencies),
        "api_requirement": f">={_major_minor(api_version or host_version)}",
    }
    root = _target_folder(directory, distribution, name=name, force=force)
    written = []
    for relative, template in _FILES:
        path = root / string.Template(relative).substitute(values)
        _write(path, template.substitute(values), plugin=name)
        written.append(path)
    logger.info("created plugin project %s in %s", distribution, root)
    return ScaffoldResult(root, distribution, package, tuple(written))


def _check_name(name: str, reserved: Collection[str]) -> None:
    """Refuse a name that is not also a command word, a distribution and a package part."""
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
    if root.exists() and not root.is_dir():
        raise PegboardError(
            f"{root} exists and is not a folder.",
            plugin=name,
            hint="Choose another place with --dir.",
        )
    if root.is_dir() and any(root.iterdir()) and not force:
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
