"""``plugins new``, ``install`` and ``uninstall`` end to end, in a throw-away environment."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import SiteDir, Venv, make_venv
from pegboard.host.pluginset import PluginSet, Recorded

from .conftest import Invoke


@pytest.fixture
def pegboard(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> Venv:
    """The temporary environment, with pip offline and no build isolation."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")  # pip's inverted spelling of "off"
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return venv


def cli(venv: Venv, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return venv.run("-m", "pegboard", *args, check=check, stdin=subprocess.DEVNULL)


def make_project(root: Path, name: str, source: str, group: str = "pegboard.plugins") -> Path:
    (root / "src" / name).mkdir(parents=True)
    (root / "src" / name / "__init__.py").write_text(textwrap.dedent(source))
    entry = f'[project.entry-points."{group}"]\n{name} = "{name}:plugin"\n' if group else ""
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "{name}"\nversion = "1.0"\n{entry}'
        '[tool.setuptools.packages.find]\nwhere = ["src"]\n'
    )
    return root


def installed(venv: Venv) -> set[str]:
    out = venv.run(
        "-c",
        "import importlib.metadata as m; print([d.metadata['Name'] for d in m.distributions()])",
    )
    return set(eval(out.stdout))  # a list literal printed by Python itself


def test_new_install_run_check_uninstall(pegboard: Venv, tmp_path: Path) -> None:
    project = tmp_path / "tidy-project"
    created = cli(pegboard, "plugins", "new", "tidy", "--dir", str(project))
    assert created.returncode == 0, created.stderr
    assert "Created pegboard-tidy" in created.stdout
    again = cli(pegboard, "plugins", "new", "tidy", "--dir", str(project))
    assert again.returncode == 1
    assert "--force" in again.stderr

    result = cli(pegboard, "plugins", "install", str(project))
    assert result.returncode == 0, result.stderr
    assert "Installed pegboard-tidy 0.1.0: plugin tidy" in result.stdout
    # Learnt at install time: the next --help shows the command's own help, not the Summary.
    assert "Greet someone (a command the tidy plugin adds" in cli(pegboard, "--help").stdout
    assert cli(pegboard, "tidy", "--name", "Ada").stdout == "Hello, Ada!\n"
    listed = json.loads(cli(pegboard, "plugins", "list", "--format", "json").stdout)
    assert "tidy" in [row["name"] for row in listed]
    assert cli(pegboard, "plugins", "check", "tidy").returncode == 0

    # The scaffold's own tests pass in the environment it was installed into.
    tests = pegboard.run(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests"), check=False
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr

    removed = cli(pegboard, "plugins", "uninstall", "tidy", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert "pegboard-tidy" not in installed(pegboard)
    assert cli(pegboard, "tidy").returncode == 3


@pytest.mark.parametrize("name", ["plugins", "doctor"])
def test_new_refuses_the_name_of_a_built_in_command(
    invoke: Invoke, tmp_path: Path, name: str
) -> None:
    result = invoke("plugins", "new", name, "--dir", str(tmp_path / "project"))
    assert result.exit_code == 2
    assert f"The plugin name {name!r} is a built-in command" in result.stderr
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize("name", ["pegboard", "pip", "setuptools"])
def test_uninstall_refuses_what_is_not_a_plugin(pegboard: Venv, name: str) -> None:
    result = cli(pegboard, "plugins", "uninstall", name, "--yes")
    assert result.returncode == 1
    assert "Refusing to uninstall" in result.stderr or "not found" in result.stderr


def test_install_refuses_a_distribution_without_plugins(pegboard: Venv, tmp_path: Path) -> None:
    project = make_project(tmp_path / "plain", "plainlib", "plugin = 1", group="")
    result = cli(pegboard, "plugins", "install", str(project))
    assert result.returncode == 1
    assert "provides no plugin for pegboard" in result.stderr
    assert "plainlib" not in installed(pegboard)


def test_a_plugin_failing_its_check_is_rolled_back_unless_forced(
    pegboard: Venv, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "broken", "brokenplug", "import not_a_module\nplugin = 1")
    result = cli(pegboard, "plugins", "install", str(project))
    assert result.returncode == 1
    assert "failed their check" in result.stderr
    assert "Rolled back: removed brokenplug." in result.stderr
    assert "not_a_module" in result.stderr
    assert "brokenplug" not in installed(pegboard)
    forced = cli(pegboard, "plugins", "install", "--force", str(project))
    assert forced.returncode == 0, forced.stderr
    assert "brokenplug" in installed(pegboard)
    # A broken plugin never blocks its own removal.
    assert cli(pegboard, "plugins", "uninstall", "brokenplug", "--yes").returncode == 0


def test_a_venv_recreated_at_the_same_path_is_told_and_synced(
    pegboard: Venv, tmp_path: Path
) -> None:
    source = "import click\n\n@click.command()\ndef plugin():\n    click.echo('tidy')\n"
    project = make_project(tmp_path / "tidy", "tidyplug", source)
    done = cli(pegboard, "plugins", "install", str(project))
    assert done.returncode == 0, done.stderr
    exported = json.loads(cli(pegboard, "plugins", "export").stdout)
    assert exported["plugins"]["tidyplug"]["install"] == [f"tidyplug @ {project.as_uri()}"]
    assert cli(pegboard, "plugins", "list").stderr == ""

    shutil.rmtree(pegboard.path)
    recreated = make_venv(pegboard.path)
    assert "tidyplug" not in installed(recreated)
    first = cli(recreated, "plugins", "list")
    assert first.returncode == 0
    notes = [line for line in first.stderr.splitlines() if line.startswith("Note:")]
    assert notes == [
        "Note: 1 plugin distribution(s) installed through pegboard are missing from this "
        "environment (tidyplug); run `pegboard plugins sync` to install them again."
    ]
    assert "Note:" not in cli(recreated, "plugins", "list").stderr  # once per change
    assert "Note:" not in cli(recreated, "-q", "plugins", "list").stderr

    synced = cli(recreated, "plugins", "sync")
    assert synced.returncode == 0, synced.stderr
    assert "Installed tidyplug 1.0: plugin tidyplug" in synced.stdout
    assert cli(recreated, "tidyplug").stdout == "tidy\n"
    assert "Nothing to do" in cli(recreated, "plugins", "sync").stdout
    assert "Note:" not in cli(recreated, "plugins", "list").stderr

    # Uninstalling through the host forgets it: nothing to tell, nothing to sync.
    assert cli(recreated, "plugins", "uninstall", "tidyplug", "--yes").returncode == 0
    assert json.loads(cli(recreated, "plugins", "export").stdout)["plugins"] == {}
    assert "Note:" not in cli(recreated, "plugins", "list").stderr

    # The exported set installs the plugin again, wherever it is given.
    export_file = tmp_path / "set.json"
    export_file.write_text(json.dumps(exported))
    moved = cli(recreated, "plugins", "sync", "--from", str(export_file))
    assert moved.returncode == 0, moved.stderr
    assert "tidyplug" in installed(recreated)
    assert "tidyplug" in json.loads(cli(recreated, "plugins", "export").stdout)["plugins"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", "is not a plugin set written by `plugins export`: Expecting property"),
        ('{"plugins": []}', "'plugins' entry is not an object"),
    ],
)
def test_sync_from_a_malformed_file_is_a_usage_error(
    invoke: Invoke, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "set.json"
    bad.write_text(content)
    result = invoke("plugins", "sync", "--from", str(bad))
    assert result.exit_code == 2
    assert message in result.stderr


def test_uninstalling_what_is_not_installed_exits_3_naming_the_host(invoke: Invoke) -> None:
    result = invoke("plugins", "uninstall", "nope", "--yes")
    assert result.exit_code == 3
    assert "Plugin 'nope' not found." in result.stderr
    assert "Run `acmetest plugins list`" in result.stderr


GROUP_HOST = """\
from pegboard import Host

host = Host("grouphost", version="1.0", distribution="pegboard", entry_point_group={groups!r})
host.main()
"""
"""A host serving its plugins from ``groups``, run as ``python -m grouphost``."""


@pytest.mark.parametrize(
    "groups",
    [
        pytest.param(["grouphost.commands"], id="one-custom-group"),
        pytest.param(["grouphost.commands", "grouphost.extras"], id="two-groups"),
    ],
)
def test_a_host_with_its_own_groups_installs_lists_runs_and_syncs_their_plugins(
    pegboard: Venv, tmp_path: Path, groups: list[str]
) -> None:
    (pegboard.site_packages / "grouphost.py").write_text(GROUP_HOST.format(groups=groups))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return pegboard.run("-m", "grouphost", *args, check=False, stdin=subprocess.DEVNULL)

    source = '''import click

@click.command()
def plugin():
    """Tidy things up."""
    click.echo("tidy")
'''
    project = make_project(tmp_path / "tidy", "tidyplug", source, group=groups[-1])
    done = run("plugins", "install", str(project))
    assert done.returncode == 0, done.stderr
    assert "Installed tidyplug 1.0: plugin tidyplug" in done.stdout
    (row,) = json.loads(run("plugins", "list", "--format", "json").stdout)
    assert (row["name"], row["state"], row["distribution"]) == ("tidyplug", "active", "tidyplug")
    assert "Tidy things up." in run("--help").stdout  # learnt at install time
    assert run("tidyplug").stdout == "tidy\n"

    # Removed behind the host's back: told at the next start, and synced back.
    pegboard.run("-m", "pip", "uninstall", "--yes", "--quiet", "tidyplug")
    told = run("plugins", "list")
    assert "1 plugin distribution(s) installed through grouphost are missing" in told.stderr
    synced = run("plugins", "sync")
    assert synced.returncode == 0, synced.stderr
    assert run("tidyplug").stdout == "tidy\n"

    # The default group is not one this host serves: refused, and rolled back.
    stray = make_project(tmp_path / "stray", "strayplug", source, group="grouphost.plugins")
    refused = run("plugins", "install", str(stray))
    assert refused.returncode == 1
    assert "strayplug provides no plugin for grouphost" in refused.stderr
    assert " or ".join(map(repr, groups)) in refused.stderr
    assert "Rolled back: removed strayplug." in refused.stderr
    assert "strayplug" not in installed(pegboard)
    assert run("plugins", "uninstall", "tidyplug", "--yes").returncode == 0
    assert "tidyplug" not in installed(pegboard)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--format", "json", "plugins", "list"], id="global-json"),
        pytest.param(["--format", "yaml", "plugins", "info", "hello"], id="global-yaml"),
        pytest.param(["-q", "plugins", "list"], id="global-quiet"),
        pytest.param(["plugins", "list", "--format", "json"], id="list-json"),
        pytest.param(["plugins", "list", "--format", "yaml"], id="list-yaml"),
        pytest.param(["plugins", "list", "-q"], id="list-quiet"),
        pytest.param(["plugins", "info", "hello", "--format", "json"], id="info-json"),
        pytest.param(["plugins", "check", "hello", "--format", "json"], id="check-json"),
        pytest.param(["doctor", "--format", "json"], id="doctor-json"),
        pytest.param(["doctor", "--format", "yaml"], id="doctor-yaml"),
    ],
)
def test_the_missing_plugins_note_never_joins_data_or_quiet_output(
    invoke: Invoke, installed: SiteDir, tmp_path: Path, args: list[str]
) -> None:
    PluginSet.for_host("acmetest", sys.prefix).record([Recorded("acmetest-gone", ("gone",), ())])
    result = invoke(*args)
    assert "Note:" not in result.stderr
    if "json" in args:
        assert json.loads(result.stdout)
    # The note was kept for a run that prints text for people (the next one that rescans).
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
    told = invoke("plugins", "list")
    assert "Note: 1 plugin distribution(s) installed through acmetest are missing" in told.stderr
