"""The text of the files ``plugins new`` writes, as :class:`string.Template` objects.

Kept apart from :mod:`pegboard.manage.scaffold`, which decides names, folders and the
requirement on the host: this module is only what a new plugin project says. Each flavour
(a Click command or a Typer app) has its own module and test; the rest is shared.
"""

from __future__ import annotations

import string
from typing import Final, NamedTuple

PYPROJECT: Final = string.Template("""\
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

# How $host finds the plugin: the group is "$group", the name is the command's.
[project.entry-points."$group"]
$name = "$package:plugin"

[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
"*" = ["py.typed"]

[tool.pytest.ini_options]
testpaths = ["tests"]
""")

CLICK_MODULE: Final = string.Template('''\
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

CLICK_TEST: Final = string.Template('''\
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

README: Final = string.Template("""\
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
`$group`; the entry point's name is the command's name. The dependency
`$requirement` declares which host releases the plugin works with: `$host` checks it
before importing the plugin. `Plugin.requires_api_version` names the plugin API it needs,
checked right after import.
""")

GITIGNORE: Final = string.Template("""\
__pycache__/
*.egg-info/
build/
dist/
.venv/
.pytest_cache/
""")

TYPER_MODULE: Final = string.Template('''\
"""The $name plugin for $host: adds the `$host $name` command."""

from __future__ import annotations

from typing import Annotated

import pegboard
import typer

__version__ = "$version"

app = typer.Typer(name="$name", add_completion=False)


@app.command()
def greet(
    who: Annotated[str, typer.Option("--name", help="Who to greet.")] = "world",
) -> None:
    """Greet someone (a command the $name plugin adds to $host)."""
    typer.echo(f"Hello, {who}!")


class Plugin:
    """What $host loads through the entry point: a Typer app and one hook.

    The app's commands become `$host $name ...`; with a single command, as here, it is
    `$host $name` itself. Implement more of the host's hooks as methods marked with
    ``@pegboard.hookimpl``. A plugin implementing ``pre_execute`` or ``post_execute`` is
    imported before every plugin command, so add those only when the plugin needs them.
    """

    version = __version__
    requires_api_version = "$api_requirement"
    command = app

    @pegboard.hookimpl
    def health(self) -> bool | str:
        """Report readiness to `$host plugins check`; a message reports a problem."""
        return True


plugin = Plugin()
''')

TYPER_TEST: Final = string.Template('''\
"""Tests of the $name plugin: its command, its hook and its metadata."""

from __future__ import annotations

import importlib.metadata

from typer.testing import CliRunner

from $package import app, plugin


def test_command_greets() -> None:
    result = CliRunner().invoke(app, ["--name", "Ada"])
    assert result.exit_code == 0, result.output
    assert result.output == "Hello, Ada!\\n"


def test_help_comes_from_the_docstring() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    assert "Greet someone" in result.output


def test_plugin_offers_the_app_and_is_healthy() -> None:
    assert plugin.command is app
    assert plugin.health() is True


def test_version_matches_the_installed_distribution() -> None:
    assert plugin.version == importlib.metadata.version("$distribution")
''')


class Flavour(NamedTuple):
    """What differs between a Click plugin and a Typer plugin."""

    module: string.Template
    """The package's ``__init__.py``."""
    test: string.Template
    """The project's test module."""
    requirement: str
    """The command-line library the plugin depends on."""


FLAVOURS: Final = {
    "click": Flavour(CLICK_MODULE, CLICK_TEST, "click>=8.1"),
    "typer": Flavour(TYPER_MODULE, TYPER_TEST, "typer>=0.12"),
}
"""Every flavour ``plugins new`` can write, by name; ``click`` is the default."""


def project_files(flavour: Flavour) -> tuple[tuple[str, string.Template], ...]:
    """Return each file of a project: its path under the root and its text, both templates."""
    return (
        ("pyproject.toml", PYPROJECT),
        ("README.md", README),
        (".gitignore", GITIGNORE),
        ("src/$package/__init__.py", flavour.module),
        ("src/$package/py.typed", string.Template("")),
        ("tests/test_$package.py", flavour.test),
    )
