"""A uv tool receipt becomes the ``uv tool install`` arguments that keep what the user chose.

The receipts are as uv 0.13 writes them (``uv tool install`` with the options named in each
test); paths are made neutral.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest

from pegboard._errors import InstallError
from pegboard.manage.tools import NO_OPTIONS, InstallOptions, UvTool
from pegboard.manage.uvreceipt import read_receipt

CONSTRAINED = """\
[tool]
requirements = [
    { name = "acme", directory = "/src/acme" },
    { name = "click", specifier = ">=8" },
    { name = "acme-edit", editable = "/src/acme-edit" },
]
constraints = [{ name = "setuptools", specifier = "<99" }]
overrides = [{ name = "setuptools", specifier = ">=60" }]
build-constraint-dependencies = [
    { name = "setuptools", specifier = "<100", marker = "python_version >= '3.8'" },
]
excludes = ["xyz"]
python = "/usr/bin/python3"
entrypoints = [
    { name = "acme", install-path = "/home/u/.local/bin/acme", from = "acme" },
]

[tool.options]
index-url = "file:///srv/wheels"
extra-index-url = ["https://extra.example/simple"]
find-links = ["file:///srv/links"]
index-strategy = "unsafe-best-match"
resolution = "lowest-direct"
prerelease = "allow"
config-settings = { foo = "bar" }
exclude-newer = "2030-01-01T00:00:00Z"
link-mode = "copy"
compile-bytecode = true
no-binary-package = ["xyz"]
"""
"""``uv tool install -c -o -b --excludes --python --index-url ... --with click ./acme``."""

INDEXED = """\
[tool]
requirements = [{ name = "acme", specifier = ">=2" }]
entrypoints = [
    { name = "acme", install-path = "/home/u/.local/bin/acme", from = "acme" },
    { name = "flask", install-path = "/home/u/.local/bin/flask", from = "flask" },
]

[tool.options]
keyring-provider = "disabled"
fork-strategy = "fewest"
config-settings-package = { acme = { k = "v" } }
build-isolation = { shared-package = ["setuptools"] }
exclude-newer-package = { click = "2030-01-01T00:00:00Z" }
no-sources = true
no-index = false
no-build-package = ["xyz"]

[[tool.options.index]]
url = "file:///srv/wheels"
explicit = false
default = true
format = "simple"
authenticate = "auto"

[[tool.options.index]]
name = "mine"
url = "https://mine.example/simple"
explicit = false
default = false
format = "simple"
authenticate = "auto"
"""
"""``--index mine=URL --default-index URL ... --with-executables-from flask acme>=2``."""


def tool(tmp_path: Path, text: str, name: str = "acme") -> UvTool:
    path = tmp_path / "uv-receipt.toml"
    path.write_text(text, encoding="utf-8")
    return UvTool("uv", read_receipt(str(path), name))


SWITCHES = {
    "--compile-bytecode",
    "--no-sources",
    "--no-build",
    "--no-binary",
    "--no-build-isolation",
}
FILE_FLAGS = {"--constraints", "--overrides", "--build-constraints", "--excludes"}


def pairs(command: list[str]) -> list[str]:
    """Return ``command`` after ``uv tool install``, each flag joined to its value."""
    args, joined = command[3:], []
    while args:
        arg = args.pop(0)
        takes_value = arg.startswith("--") and arg != "--" and arg not in SWITCHES
        joined.append(f"{arg} {args.pop(0)}" if takes_value else arg)
    return joined


def test_constraints_options_and_withs_are_carried_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    subject = tool(tmp_path, CONSTRAINED)
    (command,) = subject.install(["acme-hello>=1"], NO_OPTIONS)
    assert command[:3] == ["uv", "tool", "install"]
    args = pairs(command)
    files = {
        flag: Path(value).read_text()
        for flag, _, value in map(str.partition, args, " " * len(args))
        if flag in FILE_FLAGS
    }
    assert [arg for arg in args if arg.split(" ")[0] not in FILE_FLAGS] == [
        "--python /usr/bin/python3",
        "--index-url file:///srv/wheels",
        "--extra-index-url https://extra.example/simple",
        "--find-links file:///srv/links",
        "--index-strategy unsafe-best-match",
        "--resolution lowest-direct",
        "--prerelease allow",
        "--config-setting foo=bar",
        "--exclude-newer 2030-01-01T00:00:00Z",
        "--link-mode copy",
        "--compile-bytecode",
        "--no-binary-package xyz",
        "--with acme-hello>=1",
        "--with click>=8",
        "--with-editable /src/acme-edit",
        "--",
        f"acme @ {Path('/src/acme').as_uri()}",
    ]
    assert files == {
        "--constraints": "setuptools<99\n",
        "--overrides": "setuptools>=60\n",
        "--build-constraints": "setuptools<100 ; python_version >= '3.8'\n",
        "--excludes": "xyz\n",
    }
    assert caplog.records == []  # everything was carried over
    # An uninstall rebuilds the tool with the same settings, without the removed --with.
    (removal,) = subject.uninstall(["Acme_Edit"])
    assert "--with-editable" not in removal
    assert pairs(removal)[:16] == pairs(command)[:16]
    assert subject.manages("acme-edit")
    assert not subject.manages("setuptools")


def test_named_and_default_indexes_and_package_tables_are_carried_over(tmp_path: Path) -> None:
    (command,) = tool(tmp_path, INDEXED).uninstall([])
    assert pairs(command) == [
        "--with-executables-from flask",
        "--keyring-provider disabled",
        "--fork-strategy fewest",
        "--config-settings-package acme:k=v",
        "--no-build-isolation-package setuptools",
        "--exclude-newer-package click=2030-01-01T00:00:00Z",
        "--no-sources",
        "--no-build-package xyz",
        "--default-index file:///srv/wheels",
        "--index mine=https://mine.example/simple",
        "--",
        "acme>=2",
    ]


def test_an_option_the_user_gives_again_replaces_the_receipts(tmp_path: Path) -> None:
    chosen = InstallOptions(pre=True, index_url="https://other.example/simple")
    (command,) = tool(tmp_path, CONSTRAINED).install(["acme-hello"], chosen)
    args = pairs(command)
    assert args.count("--prerelease allow") == 1
    assert "--index-url https://other.example/simple" in args
    assert "--index-url file:///srv/wheels" not in args
    assert "--resolution lowest-direct" in args  # what the user did not give is kept


@pytest.mark.parametrize(
    ("options", "flags"),
    [
        ('build-isolation = "shared"', ["--no-build-isolation"]),
        ('build-isolation = "isolate"', []),
        ("no-build-isolation = true", ["--no-build-isolation"]),  # older uv
        ('no-build-isolation-package = ["a"]', ["--no-build-isolation-package a"]),
        ("no-build = true\nno-binary = true", ["--no-build", "--no-binary"]),
        ('config-settings = { k = ["a", "b"] }', ["--config-setting k=a", "--config-setting k=b"]),
    ],
)
def test_each_spelling_of_a_setting_becomes_its_flag(
    tmp_path: Path, options: str, flags: list[str]
) -> None:
    text = f'[tool]\nrequirements = [{{ name = "acme" }}]\n[tool.options]\n{options}\n'
    (command,) = tool(tmp_path, text).uninstall([])
    assert pairs(command) == [*flags, "--", "acme"]


def test_settings_without_a_flag_are_named_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = textwrap.dedent("""\
        [tool]
        requirements = [{ name = "acme" }]
        future-key = 1

        [tool.options]
        index = [{ name = "torch", url = "https://torch.example/whl", explicit = true }]
        extra-build-dependencies = { acme = ["setuptools"] }
        resolution = "lowest"
        prerelease = true
        """)
    with caplog.at_level(logging.WARNING, logger="pegboard.manage.tools"):
        (command,) = tool(tmp_path, text).install(["acme-hello"], NO_OPTIONS)
    assert pairs(command) == ["--resolution lowest", "--with acme-hello", "--", "acme"]
    (record,) = caplog.records
    message = record.getMessage()
    assert str(tmp_path / "uv-receipt.toml") in message
    assert "drops: [tool] future-key, index, extra-build-dependencies, prerelease." in message
    assert "uv.toml" in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[tool\nrequirements = []", "Expected ']'"),
        ("", "it has no [tool] requirements list"),
        ("[tool]\nrequirements = 'acme'", "it has no [tool] requirements list"),
        ('[tool]\nrequirements = [{ name = "other" }]', "it has no requirement on the tool 'acme'"),
        ("[tool]\nrequirements = ['acme']", "a requirement is not a table with a name: 'acme'"),
        (
            '[tool]\nrequirements = [{ name = "acme" }]\nconstraints = [1]',
            "an entry of [tool] constraints is not a requirement: 1",
        ),
        (
            '[tool]\nrequirements = [{ name = "acme" }]\noverrides = "x"',
            "[tool] overrides is not a list",
        ),
        (
            '[tool]\nrequirements = [{ name = "acme" }]\noptions = 3',
            "[tool.options] is not a table",
        ),
    ],
)
def test_a_malformed_receipt_is_an_error_naming_the_file_and_the_way_out(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "uv-receipt.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstallError) as error:
        read_receipt(str(path), "acme")
    assert error.value.message.startswith(f"Cannot read the installer's record {path}: ")
    assert problem in error.value.message
    assert "uv tool install --force" in str(error.value.hint)
