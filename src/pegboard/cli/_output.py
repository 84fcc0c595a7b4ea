"""Output of the management commands: aligned text tables, JSON and YAML.

JSON and YAML are stable interfaces (scripts parse them); their shapes are:

``plugins list``
    an array of objects ``{"name", "version", "state", "enabled", "distribution", "kind",
    "reason", "import_seconds"}``; ``state`` is one of ``active``, ``inactive`` (disabled by the
    user), ``failed``, ``discovered`` (never loaded yet), ``incompatible``, ``invalid``,
    ``reserved``, ``duplicate``, ``corrupt``; ``reason`` is null when there is nothing to
    say; ``import_seconds`` is null unless known.
``plugins info NAME``
    one object with the keys above plus ``target``, ``help``, ``hooks``, ``groups`` and
    ``failure`` (the last load failure, or null).
``plugins check``
    an array of objects ``{"ok", "name", "problems", "installed", "distribution", "version",
    "verdict", "kind", "import_seconds", "seconds", "hooks", "commands", "health", "output",
    "traceback"}``.
``doctor``
    one object ``{"ok", "python", "pegboard", "host", "manifest", "state_file", "problems",
    "slowest"}``.

Colour is used only when stdout is a terminal and ``NO_COLOR`` is unset.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from pegboard._errors import PegboardError
from pegboard._host import FORMATS, options

Row = dict[str, Any]


def format_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--format`` to a data-printing command (it overrides the global option)."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format (default: the global --format, else text).",
    )(function)


def chosen_format(ctx: click.Context, output_format: str | None) -> str:
    """Return the command's format: its own option, else the global one."""
    return output_format or options(ctx).format


def emit(data: Any, fmt: str, text: Callable[[], None]) -> None:
    """Print ``data`` as JSON or YAML, or call ``text`` to print it for people."""
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    elif fmt == "yaml":
        click.echo(dump_yaml(data), nl=False)
    else:
        text()


def dump_yaml(data: Any) -> str:
    """Return ``data`` as YAML; PyYAML is imported only here."""
    try:
        import yaml
    except ImportError as exc:
        raise PegboardError(
            "YAML output needs the PyYAML package, which is not installed.",
            hint="Install it with `pip install pyyaml`, or use --format json.",
        ) from exc
    text: str = yaml.safe_dump(data, sort_keys=True, default_flow_style=False)
    return text


def table(rows: Sequence[Row], columns: Sequence[tuple[str, str]]) -> str:
    """Return ``rows`` as an aligned text table with the given (key, header) columns."""
    cells = [[header.upper() for _, header in columns]]
    cells += [["" if row.get(key) is None else str(row[key]) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in cells
    ]
    return "\n".join(lines)


def colour(text: str, **style: Any) -> str:
    """Return ``text`` styled when colour is allowed, else unchanged."""
    if os.environ.get("NO_COLOR") or not sys.stdout.isatty():
        return text
    return click.style(text, **style)
