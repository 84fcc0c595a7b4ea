"""Plugins installed through a host that uv tool or pipx installed survive that tool's upgrades.

Real uv and pipx, installed from the package index into a temporary environment by the test
(skipped, with the reason, when the index cannot be reached), install pegboard itself from
this checkout; ``pegboard plugins install`` must then go through the same tool, so that
``uv tool upgrade``, ``uv tool install --reinstall`` and ``pipx reinstall`` keep the plugin,
or ``plugins sync`` brings it back.

These tests take about a minute, mostly the tools resolving pegboard's dependencies. They do
not depend on the interpreter the suite runs on, so they run on the default interpreter only
(see ``DEFAULT_PYTHON``), once per CI run instead of once per Python version.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PYTHON = (3, 11)
"""The interpreter CI runs the real-tool tests on (the oldest supported, as ruff targets)."""

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != DEFAULT_PYTHON,
    reason="real uv/pipx installs take about a minute; they run on the default interpreter only",
)

PLUGIN = '''
import click

@click.command()
def plugin():
    """Say hello."""
    click.echo("hello from the plugin")
'''


class Tools:
    """uv and pipx in a temporary environment, with their homes in temporary folders."""

    def __init__(self, root: Path):
        self.root = root
        self.bin = root / "tools" / "bin"
        self.env = {
            **os.environ,
            "PATH": f"{root / 'apps'}{os.pathsep}{self.bin}{os.pathsep}{os.environ['PATH']}",
            "UV_TOOL_DIR": str(root / "uv-tools"),
            "UV_TOOL_BIN_DIR": str(root / "apps"),
            "UV_CACHE_DIR": str(root / "uv-cache"),
            "PIPX_HOME": str(root / "pipx-home"),
            "PIPX_BIN_DIR": str(root / "apps"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command with the tools' environment (the test's config folders included)."""
        env = {**self.env, **{k: v for k, v in os.environ.items() if k.startswith("XDG_")}}
        done = subprocess.run(
            list(args),
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if check:
            assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
        return done

    def pegboard(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.root / "apps" / "pegboard"), *args, check=check)


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Tools:
    """uv and pipx from the package index, or a skip saying the index is unreachable."""
    root = tmp_path_factory.mktemp("tools")
    subprocess.run([sys.executable, "-m", "venv", str(root / "tools")], check=True)
    pip = subprocess.run(
        [str(root / "tools" / "bin" / "python"), "-m", "pip", "install", "-q", "uv", "pipx"],
        capture_output=True,
        text=True,
        check=False,
    )
    if pip.returncode != 0:
        pytest.skip(f"the package index is unreachable: {pip.stderr.strip()[-300:]}")
    return Tools(root)


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """A plugin project for pegboard, ``hello``, installable from its folder."""
    project = tmp_path / "pegboard-hello"
    (project / "pegboard_hello").mkdir(parents=True)
    (project / "pegboard_hello" / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    (project / "pyproject.toml").write_text(
        textwrap.dedent("""\
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "pegboard-hello"
            version = "1.0"
            dependencies = ["click"]

            [project.entry-points."pegboard.plugins"]
            hello = "pegboard_hello:plugin"
            """)
    )
    return project


def broken_plugin(folder: Path) -> Path:
    """A plugin project whose import fails, so its check after the install fails."""
    (folder / "pegboard_broken").mkdir(parents=True)
    (folder / "pegboard_broken" / "__init__.py").write_text("import not_a_module\n")
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "pegboard-broken"\nversion = "1.0"\n'
        '[project.entry-points."pegboard.plugins"]\nbroken = "pegboard_broken:plugin"\n'
    )
    return folder


def receipt(tools: Tools) -> dict[str, object]:
    with open(tools.root / "uv-tools" / "pegboard" / "uv-receipt.toml", "rb") as stream:
        return tomllib.load(stream)


def with_names(tools: Tools) -> list[str]:
    requirements = receipt(tools)["tool"]["requirements"]  # type: ignore[index]
    return [r["name"] for r in requirements if r["name"] != "pegboard"]


def test_a_plugin_survives_uv_tool_upgrade_and_comes_back_after_reinstall(
    tools: Tools, plugin: Path
) -> None:
    uv = str(tools.bin / "uv")
    tools.run(uv, "tool", "install", "--force", str(ROOT))
    installed = tools.pegboard("plugins", "install", str(plugin))
    assert "Installed pegboard-hello 1.0: plugin hello" in installed.stdout
    assert with_names(tools) == ["pegboard-hello"]  # in uv's own record: a --with
    assert tools.pegboard("hello").stdout == "hello from the plugin\n"

    tools.run(uv, "tool", "upgrade", "pegboard")
    assert tools.pegboard("hello").stdout == "hello from the plugin\n"

    # A reinstall without the --with drops the plugin: the host says so, and sync helps.
    tools.run(uv, "tool", "install", "--reinstall", str(ROOT))
    gone = tools.pegboard("plugins", "list")
    assert "run `pegboard plugins sync`" in gone.stderr
    assert "Installed pegboard-hello" in tools.pegboard("plugins", "sync").stdout
    assert with_names(tools) == ["pegboard-hello"]
    assert tools.pegboard("hello").stdout == "hello from the plugin\n"

    tools.pegboard("plugins", "uninstall", "hello", "--yes")
    assert with_names(tools) == []
    assert tools.pegboard("hello", check=False).returncode == 3


def test_a_failed_check_under_uv_tool_restores_the_receipt(tools: Tools, tmp_path: Path) -> None:
    uv = str(tools.bin / "uv")
    tools.run(uv, "tool", "install", "--force", str(ROOT))
    before = (tools.root / "uv-tools" / "pegboard" / "uv-receipt.toml").read_bytes()
    broken = broken_plugin(tmp_path / "pegboard-broken")
    failed = tools.pegboard("plugins", "install", str(broken), check=False)
    assert failed.returncode == 1
    assert "Rolled back: removed pegboard-broken." in failed.stderr
    assert (tools.root / "uv-tools" / "pegboard" / "uv-receipt.toml").read_bytes() == before
    assert "broken" not in tools.pegboard("plugins", "list").stdout


def test_a_plugin_install_under_uv_tool_keeps_the_users_constraints_and_options(
    tools: Tools, plugin: Path, tmp_path: Path
) -> None:
    uv = str(tools.bin / "uv")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("click>=8\n")
    chosen = ["-c", str(constraints), "--resolution", "highest", "--prerelease", "explicit"]
    tools.run(uv, "tool", "install", "--force", *chosen, "--compile-bytecode", str(ROOT))
    before = receipt(tools)["tool"]
    assert before["constraints"] == [{"name": "click", "specifier": ">=8"}]  # type: ignore[index]
    assert before["options"] == {  # type: ignore[index]
        "resolution": "highest",
        "prerelease": "explicit",
        "compile-bytecode": True,
    }
    installed = tools.pegboard("plugins", "install", str(plugin))
    assert "Installed pegboard-hello 1.0: plugin hello" in installed.stdout
    assert "drops" not in installed.stderr  # nothing had to be left out
    after = receipt(tools)["tool"]
    assert with_names(tools) == ["pegboard-hello"]
    for key in ("constraints", "options"):
        assert after[key] == before[key]  # type: ignore[index]
    tools.pegboard("plugins", "uninstall", "hello", "--yes")
    assert with_names(tools) == []
    assert receipt(tools)["tool"]["options"] == before["options"]  # type: ignore[index]


def test_a_plugin_survives_pipx_reinstall(tools: Tools, plugin: Path, tmp_path: Path) -> None:
    pipx = str(tools.bin / "pipx")
    tools.run(pipx, "install", "--force", str(ROOT))
    metadata = tools.root / "pipx-home" / "venvs" / "pegboard" / "pipx_metadata.json"
    before = metadata.read_bytes()
    failed = tools.pegboard("plugins", "install", str(broken_plugin(tmp_path / "b")), check=False)
    assert "Rolled back: removed pegboard-broken." in failed.stderr
    assert metadata.read_bytes() == before  # pipx does not list it as injected
    installed = tools.pegboard("plugins", "install", str(plugin))
    assert "Installed pegboard-hello 1.0: plugin hello" in installed.stdout
    assert "pegboard-hello" in tools.run(pipx, "list", "--include-injected").stdout
    tools.run(pipx, "reinstall", "pegboard")
    assert tools.pegboard("hello").stdout == "hello from the plugin\n"

    tools.pegboard("plugins", "uninstall", "hello", "--yes")
    assert "pegboard-hello" not in tools.run(pipx, "list", "--include-injected").stdout
    assert tools.pegboard("hello", check=False).returncode == 3
