"""``plugins new``: write a complete plugin project that installs and passes its own tests.

The project follows the plugin contract: an entry point in ``<host>.plugins`` naming a plugin
object with a version, the host API it needs, a Click command and one hook; a requirement on
the host's distribution (checked before import); a test; a README.
"""

from __future__ import annotations

import dataclasses
import os
import re
import string
from pathlib import Path
from typing import Final

from pegboard._errors import InvalidNameError, PegboardError
from pegboard._names import validate_name

_NAME: Final = re.compile(r"^[a-z][a-z0-9]*([-_][a-z0-9]+)*$")

_PYPROJECT: Final = string.Template("""\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "$distribution"
version = "0.1.0"
description = "A $host plugin adding the `$name` command."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["$requirement", "click>=8.1"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.entry-points."$host.plugins"]
$name = "$package:plugin"

[tool.setuptools.packages.find]
where = ["src"]
""")

_MODULE: Final = string.Template('''\
"""The $name plugin for $host."""

from __future__ import annotations

import click
import pegboard

__version__ = "0.1.0"


@click.command(name="$name")
@click.option("--name", "who", default="world", show_default=True, help="Who to greet.")
def command(who: str) -> None:
    """Greet someone (a command added by the $name plugin)."""
    click.echo(f"Hello, {who}!")


class Plugin:
    """What $host loads: a command and one hook."""

    version = __version__
    requires_api_version = "$api_requirement"
    command = command

    @pegboard.hookimpl
    def health(self) -> bool | str:
        """Report that the plugin is ready; return a message to report a problem."""
        return True


plugin = Plugin()
''')

_TEST: Final = string.Template("""\
from click.testing import CliRunner

from $package import command, plugin


def test_command_greets() -> None:
    result = CliRunner().invoke(command, ["--name", "Ada"])
    assert result.exit_code == 0
    assert result.output == "Hello, Ada!\\n"


def test_plugin_reports_healthy() -> None:
    assert plugin.health() is True
""")

_README: Final = string.Template("""\
# $distribution

A `$host` plugin adding the `$name` command.

## Install

    $host plugins install .        # or: pip install .

## Use

    $host $name --name Ada
    $host plugins check $name

## Develop

    pip install -e ".[test]"
    pytest
""")

_GITIGNORE: Final = "__pycache__/\n*.egg-info/\nbuild/\ndist/\n.venv/\n"


@dataclasses.dataclass(frozen=True)
class ScaffoldResult:
    """Where the project was written and what it is called."""

    root: Path
    distribution: str
    package: str
    files: tuple[Path, ...]


def create_plugin_project(
    name: str,
    directory: str | os.PathLike[str] | None = None,
    *,
    host: str = "pegboard",
    host_distribution: str = "pegboard",
    host_version: str,
    api_version: str | None = None,
    force: bool = False,
) -> ScaffoldResult:
    """Write a plugin project for plugin ``name`` of ``host`` and return where it is.

    The requirement on the host is ``>=`` its current major.minor release, and
    ``requires_api_version`` is ``>=`` its current API major.minor. An existing non-empty
    folder is refused unless ``force`` (then only the scaffold's own files are overwritten).
    """
    validate_name(name)
    if not _NAME.match(name):
        raise InvalidNameError(
            f"Invalid plugin name {name!r} for a new project.",
            plugin=name,
            hint="Use lowercase letters, digits, '-' and '_', starting with a letter "
            "(e.g. 'hello' or 'db-tools').",
        )
    distribution = f"{host}-{name}".replace("_", "-")
    package = distribution.replace("-", "_")
    root = Path(directory) if directory is not None else Path.cwd() / distribution
    if root.exists() and any(root.iterdir()) and not force:
        raise PegboardError(
            f"The folder {root} already exists and is not empty.",
            plugin=name,
            hint="Choose another folder with --dir, or pass --force to overwrite the "
            "scaffold's files.",
        )
    values = {
        "name": name,
        "host": host,
        "host_distribution": host_distribution,
        "distribution": distribution,
        "package": package,
        "requirement": f"{host_distribution}>={_major_minor(host_version)}",
        "api_requirement": f">={_major_minor(api_version or host_version)}",
    }
    files = {
        root / "pyproject.toml": _PYPROJECT.substitute(values),
        root / "src" / package / "__init__.py": _MODULE.substitute(values),
        root / "tests" / f"test_{package}.py": _TEST.substitute(values),
        root / "README.md": _README.substitute(values),
        root / ".gitignore": _GITIGNORE,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return ScaffoldResult(root, distribution, package, tuple(files))


def _major_minor(version: str) -> str:
    parts = re.findall(r"\d+", version)[:2]
    return ".".join(parts + ["0"] * (2 - len(parts)))
