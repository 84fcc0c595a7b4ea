"""``plugins new`` from the command line: the host's facts, the flavours, and clear refusals."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from pegboard.cli import cli as pegboard_cli
from pegboard.host.host import Host

from .conftest import Invoke


def dependencies(root: Path) -> list[str]:
    with (root / "pyproject.toml").open("rb") as file:
        found: list[str] = tomllib.load(file)["project"]["dependencies"]
    return found


@pytest.mark.parametrize(("flag", "library"), [((), "click>=8.1"), (("--typer",), "typer>=0.12")])
def test_new_writes_a_project_for_this_host(
    invoke: Invoke, tmp_path: Path, flag: tuple[str, ...], library: str
) -> None:
    root = tmp_path / "my project"
    result = invoke("plugins", "new", "hello", "--dir", str(root), *flag)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Created acmetest-hello in {root}",
        f"Next: acmetest plugins install '{root}'",
        "      acmetest hello --name Ada",
    ]
    assert dependencies(root)[0] == "acmetest>=1.0"
    assert dependencies(root)[-1] == library


def test_the_requirement_names_the_hosts_distribution(tmp_path: Path) -> None:
    notes = Host("notes", version="0.4.2", distribution="notesapp")
    result = CliRunner().invoke(notes.cli, ["plugins", "new", "tag", "--dir", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert dependencies(tmp_path / "p")[0] == "notesapp>=0.4"
    # notesapp is not installed here: the author is told where the name comes from.
    assert "no installed distribution is named 'notesapp'" in result.stderr
    assert "Host('notes', distribution=...)" in result.stderr
    assert "pip index" not in result.stderr


def test_no_warning_when_the_hosts_distribution_is_installed(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        pegboard_cli, ["plugins", "new", "tag", "--dir", str(tmp_path / "p")], prog_name="pegboard"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert dependencies(tmp_path / "p")[0].startswith("pegboard>=")


@pytest.mark.parametrize(
    ("name", "directory", "code", "message"),
    [
        (
            "a" * 300,
            "p",
            2,
            "Error: Invalid plugin name 'aaaaaaaaaaaaaaaaaaaa'... for a new project",
        ),
        ("hello", "x" * 300, 1, "Error: Cannot create the project in "),
        ("plugins", "p", 2, "Error: The plugin name 'plugins' is a built-in command"),
    ],
)
def test_refusals_are_short_errors(
    invoke: Invoke, tmp_path: Path, name: str, directory: str, code: int, message: str
) -> None:
    result = invoke("plugins", "new", name, "--dir", str(tmp_path / directory))
    assert result.exit_code == code
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 2  # what went wrong, what to do
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("groups", "expected"),
    [(None, "shipx.plugins"), ("shipx.commands", "shipx.commands"), (["a.b", "c.d"], "a.b")],
)
def test_the_entry_point_goes_to_the_group_the_host_reads(
    tmp_path: Path, groups: str | list[str] | None, expected: str
) -> None:
    shipx = Host("shipx", version="2.0", entry_point_group=groups)
    result = CliRunner().invoke(shipx.cli, ["plugins", "new", "tag", "--dir", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "p" / "pyproject.toml").open("rb") as file:
        entry_points = tomllib.load(file)["project"]["entry-points"]
    assert entry_points == {expected: {"tag": "shipx_tag:plugin"}}
    assert f"`{expected}`" in (tmp_path / "p" / "README.md").read_text(encoding="utf-8")
