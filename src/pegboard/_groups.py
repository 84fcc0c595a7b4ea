"""``command_group``: plugins adding subcommands to a named command group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pegboard._names import validate_name
from pegboard._registry import Registry

F = TypeVar("F", bound=Callable[..., Any])


def command_group(
    name: str, *, version: str | None = None, registry: Registry | None = None
) -> Callable[[str], Callable[[F], F]]:
    """Return a factory of decorators adding subcommands to the group ``name``.

    ``command_group("db")("migrate")(fn)`` records ``fn`` as the command ``db migrate`` in
    ``registry`` (by default the one in ``pegboard.di.current()``). The host mounts recorded
    commands under a Click group of that name. ``version`` is shown by the group's help.
    """
    validate_name(name, what="command group name")

    def subcommand(sub: str) -> Callable[[F], F]:
        validate_name(sub, what="command name")

        def decorate(function: F) -> F:
            target = registry if registry is not None else _current_registry()
            target.add_command(name, sub, function, version=version)
            return function

        return decorate

    return subcommand


def _current_registry() -> Registry:
    from pegboard import di

    return di.current().resolve(Registry)
