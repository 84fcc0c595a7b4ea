"""``command_group``: plugins adding subcommands to a named command group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pegboard._names import validate_name
from pegboard.hooks.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])

_Registration = tuple[str, str, Callable[..., Any], str | None]
_MADE_BY_MODULE: dict[str, list[_Registration]] = {}
"""Registrations made through the current container, by the module that made them.

A module runs its decorators once per process; a second registry in the same process (a
host run twice, tests) gets them through :func:`replay`.
"""


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
            if registry is not None:
                registry.add_command(name, sub, function, version=version)
                return function
            _current_registry().add_command(name, sub, function, version=version)
            made = _MADE_BY_MODULE.setdefault(getattr(function, "__module__", ""), [])
            made.append((name, sub, function, version))
            return function

        return decorate

    return subcommand


def _current_registry() -> Registry:
    from pegboard import di

    return di.current().resolve(Registry)


def replay(registry: Registry, package: str) -> None:
    """Add to ``registry`` the commands that modules of ``package`` registered earlier."""
    known = registry.commands()
    for module, made in _MADE_BY_MODULE.items():
        if module != package and not module.startswith(package + "."):
            continue
        for group, sub, function, version in made:
            if (group, sub) not in known:
                registry.add_command(group, sub, function, version=version)
