"""Plugin-name arguments with shell completion, and name lookups that never import plugins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from pegboard._errors import PluginNotFoundError
from pegboard.discovery.records import PluginRecord
from pegboard.host.completion import dynamic_choices
from pegboard.host.host import catalog_of


def _installed_names(ctx: click.Context) -> list[str]:
    catalog = catalog_of(ctx)
    return sorted({record.name for record in catalog.records()})


def plugin_name_argument(*, required: bool = True, nargs: int = 1) -> Callable[..., Any]:
    """Return a NAME argument that completes installed plugin names from the manifest."""
    return click.argument(
        "name" if nargs == 1 else "names",
        required=required,
        nargs=nargs,
        shell_complete=dynamic_choices(_installed_names),
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
