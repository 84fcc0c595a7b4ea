"""What a warm start imports, as an allow-list (as Click's own ``tests/test_imports.py`` does).

Every module on the startup path costs finder work and execution on every run, so a new one
must be a decision, not an accident. A fresh interpreter runs the ``pegboard`` console
script's entry point with a warm manifest and lists ``sys.modules``; whatever it imports
beyond its floor must be in the allow-list below. The floors are the ones the benchmarks
compare with: for ``--help``, a bare Click group listing the same commands; for a plugin
command, a script that imports click and the plugin's module and calls its command.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest

from conftest import SiteDir

PEGBOARD_WARM_PATH: Final = frozenset(
    {
        "pegboard",
        "pegboard._errors",
        "pegboard._log",
        "pegboard._names",
        "pegboard._version",
        "pegboard.cli",
        "pegboard.discovery",
        "pegboard.discovery.manifest",
        "pegboard.discovery.records",
        "pegboard.host",
        "pegboard.host.catalog",
        "pegboard.host.config",
        "pegboard.host.host",
        "pegboard.host.jsonstore",  # the state file is read on every start, through it
        "pegboard.host.pipeline",  # the invocation's pipeline; loading is imported on first load
        "pegboard.host.state",
    }
)
"""pegboard's own modules that every warm start imports."""

STDLIB_FOR_THE_MANIFEST: Final = frozenset(
    {"_json", "gc", "json", "json.decoder", "json.encoder", "json.scanner", "zlib"}
)
"""The manifest is JSON lines checked by a CRC; ``gc`` pauses collection while parsing."""

FULL_ROOT: Final = frozenset(
    {
        "pegboard._text",  # help rows from metadata are escaped before printing
        "pegboard.host.lazy",
        "pegboard.host.options",
        "pegboard.host.root",  # the full root group, with pegboard's global options
    }
)
"""The full root group: ``--help``, and every command of an application a host adopted."""

ALLOWED_FOR_HELP: Final = PEGBOARD_WARM_PATH | STDLIB_FOR_THE_MANIFEST | FULL_ROOT

ALLOWED_FOR_A_COMMAND: Final = (
    PEGBOARD_WARM_PATH
    | STDLIB_FOR_THE_MANIFEST
    | {
        "copy",  # the plugin's command is mounted as a renamed copy
        "pegboard.hooks",
        "pegboard.hooks.names",  # which plugins observe commands; loading's hook names
        "pegboard.host.capture",  # what the plugin prints while it is imported is captured
        "pegboard.host.fastpath",  # one plugin command runs without the full root group
        "pegboard.host.loading",
    }
)

PROBE = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES " + repr(sorted(sys.modules)) + "\\n"))
mode = sys.argv.pop(1)
if mode == "pegboard":
    from pegboard.cli import main
    sys.argv[0] = "pegboard"
    sys.exit(main())
import click
if mode == "bare-click":
    names = ["alpha", "beta", "gamma"]
    click.Group("pegboard", commands=[click.Command(n, help="Say hi.") for n in names])()
else:
    from alphamod import cli
    cli()
"""

COMMAND = '''
import click

@click.command()
def cli():
    """Say hi."""
    click.echo("hi")
'''


@pytest.fixture
def probe(site: SiteDir, tmp_path: Path) -> list[str]:
    """Three command plugins, a probe script, and the command that runs it."""
    for name in ("alpha", "beta", "gamma"):
        site.add(
            name,
            requires=["pegboard>=0.1"],
            entry_points={"pegboard.plugins": {name: f"{name}mod:cli"}},
            modules={f"{name}mod": COMMAND},
        )
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    return [sys.executable, str(script)]


def modules(probe: list[str], site: SiteDir, tmp_path: Path, *args: str) -> set[str]:
    """Return the modules loaded by one run of the probe with ``args``."""
    env = {
        **os.environ,
        "PYTHONPATH": str(site.path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    result = subprocess.run(
        [*probe, *args], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert "MODULES " in result.stderr, result.stderr
    found: list[str] = ast.literal_eval(result.stderr.rsplit("MODULES ", 1)[1].strip())
    return set(found)


@pytest.mark.parametrize(
    ("args", "floor", "allowed"),
    [
        (("--help",), "bare-click", ALLOWED_FOR_HELP),
        (("alpha",), "direct", ALLOWED_FOR_A_COMMAND),
    ],
    ids=["warm-help", "warm-plugin-command"],
)
def test_a_warm_start_imports_only_allowed_modules(
    probe: list[str],
    site: SiteDir,
    tmp_path: Path,
    args: tuple[str, ...],
    floor: str,
    allowed: frozenset[str],
) -> None:
    for _ in range(2):  # build the manifest, learn the plugins: then it is warm
        modules(probe, site, tmp_path, "pegboard", *args)
    ours = modules(probe, site, tmp_path, "pegboard", *args)
    extra = ours - modules(probe, site, tmp_path, floor)
    assert extra - allowed == set(), (
        "new modules on the warm path; import them lazily, or add them to the allow-list "
        "with the reason they must be there"
    )
    assert allowed - ours == set(), "the allow-list names modules no longer imported: drop them"
    assert "pegboard.discovery.manifest" in extra  # the probe did run pegboard


def test_the_other_plugins_are_not_imported_by_a_command(
    probe: list[str], site: SiteDir, tmp_path: Path
) -> None:
    for _ in range(3):
        found = modules(probe, site, tmp_path, "pegboard", "alpha")
    assert "alphamod" in found
    assert not {"betamod", "gammamod"} & found


TYPER_APP = '''
import typer

app = typer.Typer(help="Take notes.")


@app.callback()
def main(ctx: typer.Context, notebook: str = typer.Option("inbox", "-n", "--notebook")):
    """Take notes."""
    ctx.obj = notebook


@app.command()
def status(ctx: typer.Context):
    """Show the status."""
    print("status", ctx.obj)
'''

TYPER_HOST = """
from notesmod import app
from pegboard import Host

host = Host("notes", version="1.0")
host.attach(app)
"""

TYPER_PROBE = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES " + repr(sorted(sys.modules)) + "\\n"))
mode = sys.argv.pop(1)
sys.argv[0] = "notes"
import click
if mode == "host":
    from noteshost import host
    sys.exit(host.main())
from notesmod import app
if mode == "app-help":
    app(["--help"])
else:
    from alphamod import cli
    app(["status"], standalone_mode=False)
    cli([], standalone_mode=False)
"""

TYPER_PLUGIN = """
import typer

app = typer.Typer(help="Widgets.")


@app.command()
def paint(colour: str):
    '''Paint a widget.'''
"""


@pytest.fixture
def typer_probe(site: SiteDir, tmp_path: Path) -> list[str]:
    """A Typer app adopted by a host, a Click and a Typer plugin, and the probe running it."""
    site.add("alpha", entry_points={"notes.plugins": {"alpha": "alphamod:cli"}})
    site.add("widgets", entry_points={"notes.plugins": {"widgets": "widgetsmod:app"}})
    modules = {"alphamod": COMMAND, "widgetsmod": TYPER_PLUGIN, "notesmod": TYPER_APP}
    for name, source in {**modules, "noteshost": TYPER_HOST}.items():
        site.write_module(name, source)
    script = tmp_path / "typer_probe.py"
    script.write_text(TYPER_PROBE, encoding="utf-8")
    return [sys.executable, str(script)]


@pytest.mark.parametrize(
    ("args", "floor", "allowed", "plugins"),
    [
        (
            ("--help",),
            "app-help",
            ALLOWED_FOR_HELP | {"pegboard.host.typer_bridge", "pegboard.host.typer_help"},
            set(),
        ),
        (
            ("alpha",),
            "app-command",
            ALLOWED_FOR_A_COMMAND | FULL_ROOT | {"pegboard.host.typer_bridge"},
            {"alphamod"},
        ),
    ],
    ids=["warm-help", "warm-plugin-command"],
)
def test_a_typer_hosts_warm_start_adds_only_pegboards_modules(
    typer_probe: list[str],
    site: SiteDir,
    tmp_path: Path,
    args: tuple[str, ...],
    floor: str,
    allowed: frozenset[str],
    plugins: set[str],
) -> None:
    """Over the Typer app doing the same by itself, a host adds only pegboard's modules.

    The floors are the app showing its own help (Typer's Rich help), and the app running
    its callback and a command, then the plugin's command: no Typer or Rich module may
    appear only because pegboard adopted the app, and no plugin is imported for help.
    """
    for _ in range(2):  # build the manifest, learn the plugins: then it is warm
        modules(typer_probe, site, tmp_path, "host", *args)
    found = modules(typer_probe, site, tmp_path, "host", *args)
    extra = found - modules(typer_probe, site, tmp_path, floor) - {"noteshost"}
    assert extra - allowed == set(), (
        "new modules on a Typer host's warm path; import them lazily, or add them to the "
        "allow-list with the reason they must be there"
    )
    assert "pegboard.host.typer_bridge" in extra  # the probe did adopt the Typer app
    assert found & {"alphamod", "widgetsmod"} == plugins
