"""``plugins new``: names, the folder rules, the files written, and the project working for real."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
from packaging.specifiers import SpecifierSet

from conftest import Venv
from pegboard import InvalidNameError, PegboardError, Registry
from pegboard._version import __version__
from pegboard.manage.scaffold import ScaffoldResult, create_plugin_project

EXPECTED_FILES = {
    ".gitignore",
    "README.md",
    "pyproject.toml",
    "src/pegboard_hello/__init__.py",
    "src/pegboard_hello/py.typed",
    "tests/test_pegboard_hello.py",
}


def create(name: str, directory: Path | None, **kwargs: Any) -> ScaffoldResult:
    """Create a project for pegboard 0.1.0 unless ``kwargs`` say otherwise."""
    return create_plugin_project(name, directory, **{"host_version": "0.1.0", **kwargs})


def pyproject(result: ScaffoldResult) -> dict[str, Any]:
    with (result.root / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def load_generated_package(result: ScaffoldResult) -> ModuleType:
    """Execute the generated package's module without putting it in ``sys.modules``."""
    spec = importlib.util.spec_from_file_location(
        result.package, result.root / "src" / result.package / "__init__.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def relative_files(result: ScaffoldResult) -> set[str]:
    return {path.relative_to(result.root).as_posix() for path in result.files}


@pytest.mark.parametrize(
    ("name", "package", "error"),
    [
        ("hello", "pegboard_hello", None),
        ("db-tools", "pegboard_db_tools", None),
        ("db_tools", "pegboard_db_tools", None),
        ("v2", "pegboard_v2", None),
        ("", None, "it is empty"),
        ("has space", None, "whitespace"),
        ("../x", None, "path separator"),
        ("a/b", None, "path separator"),
        ("a\\b", None, "path separator"),
        ("Hello", None, "Use lowercase letters"),
        ("1abc", None, "starting with a letter"),
        ("-abc", None, "starts with '-'"),
        ("abc-", None, "no separator at the end"),
        ("a--b", None, "twice in a row"),
        ("a.b", None, "Use lowercase letters"),
        ("héllo", None, "Use lowercase letters"),
        ("a" * 64, "pegboard_" + "a" * 64, None),
        ("a" * 65, None, "it has 65 characters, and the limit is 64"),
        ("a" * 300, None, r"^Invalid plugin name 'a{20}'\.\.\. .* it has 300 characters"),
    ],
)
def test_names(tmp_path: Path, name: str, package: str | None, error: str | None) -> None:
    target = tmp_path / "project"
    if error is not None:
        with pytest.raises(InvalidNameError, match=error):
            create(name, target)
        assert not target.exists()
        return
    result = create(name, target)
    assert result.package == package
    assert result.distribution == result.package.replace("_", "-")
    assert pyproject(result)["project"]["entry-points"]["pegboard.plugins"] == {
        name: f"{package}:plugin"
    }


def test_a_built_in_command_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidNameError, match="'plugins' is a built-in command"):
        create("plugins", tmp_path / "project", reserved={"plugins", "doctor"})
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize(
    ("facts", "error"),
    [
        ({"host": "acme.cli"}, "host name 'acme.cli' cannot start a Python package"),
        ({"host_distribution": "acme cli"}, "'acme cli' is not a valid distribution"),
        ({"host_distribution": "acme[all]"}, r"'acme\[all\]' is not a valid distribution"),
        ({"host_version": "soon"}, "'soon' is not a PEP 440 version"),
        ({"api_version": "v-two"}, "'v-two' is not a PEP 440 version"),
    ],
)
def test_unusable_host_facts_are_refused(tmp_path: Path, facts: dict[str, str], error: str) -> None:
    with pytest.raises(PegboardError, match=error):
        create("hello", tmp_path / "project", **facts)
    assert not (tmp_path / "project").exists()


def test_default_folder_is_the_distribution_name_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = create("hello", None)
    assert result.root == tmp_path / "pegboard-hello"
    assert relative_files(result) == EXPECTED_FILES
    assert all(path.is_file() for path in result.files)


def test_an_existing_empty_folder_is_used(tmp_path: Path) -> None:
    target = tmp_path / "project"
    target.mkdir()
    assert create("hello", target).root == target


@pytest.mark.parametrize("existing", ["scaffold", "unrelated"])
def test_a_non_empty_folder_is_refused_without_force(tmp_path: Path, existing: str) -> None:
    target = tmp_path / "project"
    if existing == "scaffold":
        create("hello", target)
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine", encoding="utf-8")
    before = {path: path.read_bytes() for path in target.rglob("*") if path.is_file()}
    with pytest.raises(PegboardError, match="already exists and is not empty") as caught:
        create("hello", target)
    assert caught.value.hint is not None
    assert "--force" in caught.value.hint
    assert {path: path.read_bytes() for path in target.rglob("*") if path.is_file()} == before


def test_a_file_in_the_way_is_refused_even_with_force(tmp_path: Path) -> None:
    target = tmp_path / "project"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(PegboardError, match="exists and is not a folder"):
        create("hello", target, force=True)


def test_force_rewrites_the_scaffold_files_and_keeps_the_others(tmp_path: Path) -> None:
    first = create("hello", tmp_path / "project")
    readme = first.root / "README.md"
    original = readme.read_text(encoding="utf-8")
    readme.write_text("edited", encoding="utf-8")
    notes = first.root / "src" / "pegboard_hello" / "notes.txt"
    notes.write_text("mine", encoding="utf-8")

    again = create("hello", tmp_path / "project", force=True)
    assert again == first
    assert readme.read_text(encoding="utf-8") == original
    assert notes.read_text(encoding="utf-8") == "mine"


def test_a_folder_path_the_file_system_refuses_is_reported(tmp_path: Path) -> None:
    target = tmp_path / ("x" * 300)  # longer than any file system allows one name to be
    with pytest.raises(PegboardError, match="Cannot create the project in") as caught:
        create("hello", target)
    assert caught.value.hint == "Choose another folder with --dir."


def test_an_unknown_flavour_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PegboardError, match="Unknown plugin flavour 'argparse'"):
        create("hello", tmp_path / "project", flavour="argparse")
    assert not (tmp_path / "project").exists()


def test_a_scaffold_file_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "project"
    (target / "README.md").mkdir(parents=True)  # a folder where the README goes
    with pytest.raises(PegboardError, match=r"Could not write .*README\.md") as caught:
        create("hello", target, force=True)
    assert caught.value.plugin == "hello"


@pytest.mark.parametrize(
    ("host_version", "requirement"),
    [
        ("0.1.0", "pegboard>=0.1"),
        ("2", "pegboard>=2.0"),
        ("1.4.2rc1", "pegboard>=1.4"),
        ("3.12.0.post1", "pegboard>=3.12"),
    ],
)
def test_pyproject_declares_the_plugin_for_pegboard(
    tmp_path: Path, host_version: str, requirement: str
) -> None:
    result = create("hello", tmp_path / "project", host_version=host_version)
    data = pyproject(result)
    assert data["build-system"]["build-backend"] == "setuptools.build_meta"
    project = data["project"]
    assert project["name"] == "pegboard-hello"
    assert project["version"] == "0.1.0"
    assert project["requires-python"] == ">=3.11"
    assert project["dependencies"] == [requirement, "click>=8.1"]
    assert project["entry-points"] == {"pegboard.plugins": {"hello": "pegboard_hello:plugin"}}
    assert project["optional-dependencies"] == {"test": ["pytest>=8"]}
    assert data["tool"]["pytest"]["ini_options"] == {"testpaths": ["tests"]}
    # The compatibility declaration admits the host version it was made for.
    assert SpecifierSet(requirement.removeprefix("pegboard")).contains(
        host_version, prereleases=True
    )


def test_a_project_for_another_host(tmp_path: Path) -> None:
    result = create(
        "hello",
        tmp_path / "project",
        host="acme",
        host_distribution="acme-cli",
        host_version="1.4.2",
        api_version="1.2.0",
    )
    assert (result.distribution, result.package) == ("acme-hello", "acme_hello")
    project = pyproject(result)["project"]
    major, minor = __version__.split(".")[:2]
    # The code imports pegboard, so it depends on it besides the host.
    assert project["dependencies"] == ["acme-cli>=1.4", f"pegboard>={major}.{minor}", "click>=8.1"]
    assert project["entry-points"] == {"acme.plugins": {"hello": "acme_hello:plugin"}}
    plugin = load_generated_package(result).plugin
    assert plugin.requires_api_version == ">=1.2"
    assert "acme-cli>=1.4" in (result.root / "README.md").read_text(encoding="utf-8")


def test_generated_plugin_follows_the_contract(tmp_path: Path) -> None:
    result = create("db-tools", tmp_path / "project", host_version="0.3.1", api_version="0.2")
    plugin = load_generated_package(result).plugin
    assert plugin.version == "0.1.0"
    assert "0.2.0" in SpecifierSet(plugin.requires_api_version)
    assert isinstance(plugin.command, click.Command)
    assert plugin.command.name == "db-tools"
    assert plugin.command.help is not None
    # pluggy accepts the hook implementation against the core specifications.
    registry = Registry()
    registry.register("db-tools", plugin)
    assert registry.implemented_hooks("db-tools") == ["health"]
    assert registry.call_hook_sync("health") == [True]


def test_a_typer_plugin_follows_the_contract(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    result = create("greet", tmp_path / "project", flavour="typer")
    assert relative_files(result) == {path.replace("hello", "greet") for path in EXPECTED_FILES}
    assert pyproject(result)["project"]["dependencies"] == ["pegboard>=0.1", "typer>=0.12"]
    module = load_generated_package(result)
    plugin = module.plugin
    assert isinstance(plugin.command, typer.Typer)
    assert plugin.command is module.app
    ran = CliRunner().invoke(module.app, ["--name", "Ada"])
    assert ran.output == "Hello, Ada!\n"
    registry = Registry()
    registry.register("greet", plugin)
    assert registry.implemented_hooks("greet") == ["health"]


@pytest.mark.parametrize("flavour", ["click", "typer"])
def test_generated_code_is_lint_clean_and_typed(tmp_path: Path, flavour: str) -> None:
    root = create("hello", tmp_path / "project", flavour=flavour).root
    for tool in (
        ["ruff", "check", "--isolated", "."],
        ["ruff", "format", "--isolated", "--check", "."],
        ["mypy", "--strict", "--cache-dir", str(tmp_path / "mypy-cache"), "src", "tests"],
    ):
        checked = subprocess.run(
            [sys.executable, "-m", *tool], cwd=root, capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("flavour", ["click", "typer"])
def test_installed_project_is_found_runs_and_passes_its_own_tests(
    venv: Venv, tmp_path: Path, flavour: str
) -> None:
    root = create("hello", tmp_path / "pegboard-hello", flavour=flavour).root
    installed = venv.pip("install", str(root), check=False)
    assert installed.returncode == 0, installed.stderr

    probe = venv.run(
        "-c",
        "import importlib.metadata as m, importlib.resources as r, json; print(json.dumps({"
        "'entry_points': [[e.name, e.value] for e in m.entry_points(group='pegboard.plugins')],"
        "'requires': m.requires('pegboard-hello'),"
        "'typed': r.files('pegboard_hello').joinpath('py.typed').is_file()}))",
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert ["hello", "pegboard_hello:plugin"] in found["entry_points"]
    assert "pegboard>=0.1" in found["requires"]
    assert found["typed"] is True

    tests = venv.run(
        "-m", "pytest", str(root / "tests"), "-q", "-p", "no:cacheprovider", cwd=root, check=False
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout

    ran = venv.run("-m", "pegboard", "hello", "--name", "Ada", cwd=tmp_path, check=False)
    assert (ran.returncode, ran.stdout) == (0, "Hello, Ada!\n"), ran.stderr
