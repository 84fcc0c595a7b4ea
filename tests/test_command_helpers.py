from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from pegboard import (
    InvalidNameError,
    NameConflictError,
    Registry,
    command_group,
    di,
    dynamic_choices,
)


def test_command_group_registers_into_an_explicit_registry() -> None:
    registry = Registry()
    db = command_group("db", version="2.0", registry=registry)

    @db("migrate")
    def migrate() -> str:
        return "migrated"

    assert registry.commands()[("db", "migrate")] is migrate
    assert registry.group_version("db") == "2.0"
    with pytest.raises(NameConflictError, match="Command 'db migrate' is already registered"):
        db("migrate")(migrate)


def test_command_group_defaults_to_the_current_container_registry() -> None:
    with di.scope() as scope:
        registry = Registry()
        scope.provide(Registry, registry)
        command_group("tools")("lint")(lambda: None)
    assert ("tools", "lint") in registry.commands()


@pytest.mark.parametrize(("group", "sub"), [("", "x"), ("a b", "x"), ("db", ""), ("db", "x y")])
def test_command_group_rejects_bad_names(group: str, sub: str) -> None:
    with pytest.raises(InvalidNameError):
        command_group(group, registry=Registry())(sub)


def complete(cli: click.Command, words: str) -> list[str]:
    result = CliRunner().invoke(
        cli,
        env={"_CLI_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": "1"},
        prog_name="cli",
        standalone_mode=True,
    )
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.output.splitlines() if line]


def make_cli(callback: object, **options: bool) -> click.Command:
    @click.command()
    @click.argument("name", shell_complete=dynamic_choices(callback, **options))  # type: ignore[arg-type]
    def cli(name: str) -> None:
        """Test command."""

    return cli


def test_dynamic_choices_filter_by_prefix() -> None:
    cli = make_cli(lambda: ["alpha", "alpine", "beta"])
    assert complete(cli, "cli al") == ["alpha", "alpine"]
    assert complete(cli, "cli b") == ["beta"]
    assert complete(cli, "cli AL") == []


def test_dynamic_choices_case_insensitive_and_with_context() -> None:
    cli = make_cli(lambda ctx: ["Alpha", ctx.info_name], case_sensitive=False)
    assert complete(cli, "cli al") == ["Alpha"]
    assert complete(cli, "cli CL") == ["cli"]


def test_a_raising_callback_offers_nothing() -> None:
    def broken() -> list[str]:
        raise RuntimeError("database down")

    cli = make_cli(broken)
    assert complete(cli, "cli a") == []


def test_dynamic_choices_are_plain_strings_as_the_seed_s_were() -> None:
    complete = dynamic_choices(lambda: ["alpha", "alpine", "beta"])
    ctx = click.Context(click.Command("cli"))
    param = click.Argument(["name"])
    choices = complete(ctx, param, "al")
    assert choices == ["alpha", "alpine"]
    assert all(type(choice) is str for choice in choices)


def test_dynamic_choices_with_help_text_become_completion_items() -> None:
    offered: list[str | tuple[str, str]] = [("alpha", "the first"), "alpine"]
    complete = dynamic_choices(lambda: offered)
    ctx = click.Context(click.Command("cli"))
    items = complete(ctx, click.Argument(["name"]), "al")
    assert [(item.value, item.help) for item in items] == [  # type: ignore[union-attr]
        ("alpha", "the first"),
        ("alpine", None),
    ]
    cli = make_cli(lambda: [("alpha", "the first"), ("beta", "the second")])
    result = CliRunner().invoke(
        cli,
        env={"_CLI_COMPLETE": "zsh_complete", "COMP_WORDS": "cli a", "COMP_CWORD": "1"},
        prog_name="cli",
    )
    assert result.output.splitlines() == ["plain", "alpha", "the first"]
