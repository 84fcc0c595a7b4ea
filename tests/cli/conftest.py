"""Fixtures for the management commands: a host and real plugin distributions for it."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from conftest import SiteDir
from pegboard.host.host import Host

GROUP = "acmetest.plugins"

COMMAND_SOURCE = '''
import click

@click.command()
def cli():
    """Say {word}."""
    click.echo("{word}")
'''


def add_command_plugin(
    site: SiteDir,
    name: str,
    *,
    version: str = "1.0",
    requires: tuple[str, ...] = ("acmetest>=1.0",),
    prelude: str = "",
    group: str = GROUP,
) -> str:
    """Install distribution ``acmetest-<name>`` whose plugin ``name`` is a Click command.

    ``prelude`` is code the module runs at import (printing, sleeping, ...). Returns the
    plugin's module name, for ``sys.modules`` checks.
    """
    module = f"acmetest_{name}"
    site.add(
        f"acmetest-{name}",
        version,
        entry_points={group: {name: f"{module}:cli"}},
        modules={module: prelude + COMMAND_SOURCE.format(word=name)},
        requires=requires,
    )
    return module


Invoke = Callable[..., Result]


@pytest.fixture
def acmetest() -> Host:
    """A fresh host per test, so nothing is cached between tests."""
    return Host("acmetest", version="1.0", api_version="1.0")


@pytest.fixture
def invoke(acmetest: Host) -> Invoke:
    """Run ``acmetest`` with arguments; stdout and stderr are kept apart in the result."""

    def run(*args: str, cli: click.Command | None = None, **kwargs: Any) -> Result:
        return CliRunner().invoke(cli or acmetest.cli, list(args), **kwargs)

    return run


@pytest.fixture
def installed(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> SiteDir:
    """A good plugin ``hello``, a broken one (missing module), a disabled one (``sleepy``)
    and an incompatible one (``old``: Requires-Dist acmetest<0.5, host 1.0).

    PYTHONPATH lets child processes (import timings) see the site as this process does.
    """
    add_command_plugin(site, "hello", version="1.2")
    site.add(
        "acmetest-broken",
        "0.1",
        entry_points={GROUP: {"broken": "acmetest_broken_missing:plugin"}},
        requires=["acmetest>=1.0"],
    )
    add_command_plugin(site, "sleepy", version="2.0")
    add_command_plugin(site, "old", version="0.3", requires=("acmetest<0.5",))
    from pegboard.host.state import PluginStates

    PluginStates.for_host("acmetest").disable("sleepy")
    monkeypatch.setenv("PYTHONPATH", os.fspath(site.path))
    return site


def json_of(result: Result) -> Any:
    """Return the parsed stdout of a run that must have succeeded or reported via exit code."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return json.loads(result.stdout)


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Index ``plugins list`` rows by plugin name."""
    return {row["name"]: row for row in rows}


def imported(module: str) -> bool:
    """Whether ``module`` was imported into this process."""
    return module in sys.modules
