"""Plugin-name arguments with shell completion, and name lookups that never import plugins."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click

from pegboard._errors import PluginNotFoundError
from pegboard.discovery.records import PluginRecord
from pegboard.host.completion import dynamic_choices
from pegboard.host.root import catalog_of, host_of

Names = Callable[[click.Context], Iterable[str]]
"""Where a NAME argument's completions come from."""


def installed_names(ctx: click.Context) -> list[str]:
    """Return every installed plugin's name, from the manifest."""
    return sorted({record.name for record in catalog_of(ctx).records()})


def disabled_names(ctx: click.Context) -> list[str]:
    """Return the names the user disabled, installed or not: all of them can be enabled."""
    return sorted(_disabled(ctx))


def enabled_names(ctx: click.Context) -> list[str]:
    """Return the installed plugins the user has not disabled."""
    disabled = _disabled(ctx)
    return [name for name in installed_names(ctx) if name not in disabled]


def _disabled(ctx: click.Context) -> frozenset[str]:
    from pegboard.host.state import PluginStates

    return PluginStates.for_host(host_of(ctx).name).disabled()


def plugin_name_argument(
    *, required: bool = True, nargs: int = 1, choices: Names = installed_names
) -> Callable[..., Any]:
    """Return a NAME argument that completes ``choices`` (installed plugins by default)."""
    return click.argument(
        "name" if nargs == 1 else "names",
        required=required,
        nargs=nargs,
        shell_complete=dynamic_choices(choices),
    )


def find_record(ctx: click.Context, name: str) -> PluginRecord:
    """Return the record of plugin ``name`` or raise a not-found error with suggestions."""
    catalog = catalog_of(ctx)
    record = catalog.record(name)
    if record is None:
        from pegboard._names import suggest

        raise PluginNotFoundError(
            name,
            suggest(name, [r.name for r in catalog.records()]),
            hint=f"Run `{ctx.find_root().info_name} plugins list --all` to see installed plugins.",
        )
    return record
