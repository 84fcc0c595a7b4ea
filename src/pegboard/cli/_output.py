"""Output of the management commands: plugin rows, aligned text tables, JSON and YAML.

Text is for people and may change. JSON and YAML are stable interfaces (scripts parse them);
keys are sorted and their shapes are:

``plugins list``
    an array of objects, one per plugin (with ``--all``, one per discovered entry point)::

        {"name": str, "version": str, "state": str, "enabled": bool,
         "distribution": str, "kind": str | null, "reason": str | null,
         "import_seconds": float | null}

    ``state`` is one of :data:`STATES`: ``active`` (usable and enabled), ``inactive``
    (disabled by the user), ``failed`` (an earlier load or startup failed), or a refusal:
    ``incompatible`` (by its ``Requires-Dist`` on the host, or its ``requires_api_version``
    found at an earlier load), ``invalid``, ``reserved``, ``duplicate``, ``corrupt``.
    ``reason`` says why a plugin is refused or failed, and is null when there is nothing to
    say. ``kind`` is ``command``, ``typer``, ``plugin``, ``hooks``, ``failed`` or
    ``incompatible``, and null until the plugin has been loaded once. ``import_seconds`` is
    the import time learnt at the first load, or null; with ``--timings`` it is measured
    afresh in a child process (null when the import fails or times out) and each object also
    has ``"slow": bool | null`` (more than 0.1 s; null when the time is unknown).
``plugins info NAME``
    one object with the keys of a list entry plus ``"verdict"`` (``ok`` or the refusal),
    ``"target"`` (the entry point's ``module:attribute``), ``"help"`` (its command's short
    help, or null), ``"hooks"`` (names of the hooks it implements; null until loaded once),
    ``"groups"`` (command groups it adds subcommands to), ``"failure"`` (the last load
    failure, or null) and ``"slow"``; ``import_seconds`` is measured in a child process.
``plugins check``
    an array of objects ``{"ok", "name", "problems", "installed", "distribution", "version",
    "verdict", "kind", "import_seconds", "seconds", "hooks", "commands", "health", "output",
    "traceback"}``.
``doctor``
    one object::

        {"ok": bool, "python": str, "pegboard": str,
         "host": {"name": str, "version": str, "api_version": str},
         "manifest": {"path": str, "plugins": int, "rebuilt_now": bool, "writable": bool},
         "state_file": {"path": str, "exists": bool, "disabled": [str], "notices": [str]},
         "problems": [{"name": str, "state": str, "reason": str | null}],
         "slowest": [{"name": str, "import_seconds": float}]}

``--quiet`` changes only the text output. Colour is used only when stdout is a terminal,
``NO_COLOR`` is unset and ``TERM`` is not ``dumb``. Text from plugins and their metadata is
printed through :func:`~pegboard._text.printable`, so it cannot drive the terminal.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Final, NamedTuple

import click

from pegboard._text import printable
from pegboard.discovery.records import PluginRecord, Verdict
from pegboard.host.options import command_option, options
from pegboard.host.root import host_of
from pegboard.host.state import PluginStates
from pegboard.manage.timing import SLOW

Row = dict[str, Any]
"""A row as data, ready for JSON or YAML (or :func:`escaped` for text)."""

ACTIVE: Final = "active"
INACTIVE: Final = "inactive"
FAILED: Final = "failed"
STATES: Final = frozenset({ACTIVE, INACTIVE, FAILED}) | {
    verdict.value for verdict in Verdict if verdict is not Verdict.OK
}
"""Every ``state`` a plugin row can have; all but active and inactive need attention."""

YAML_EXTRA: Final = "pegboard[yaml]"
"""The requirement that brings PyYAML, as users should type it."""


def user_states(ctx: click.Context) -> PluginStates:
    """Return the host's enable/disable choices, read now, with their notices on stderr.

    Call it before the catalog is built: whichever reads a corrupt state file first moves it
    aside and says so, so reading it here first keeps the notice (said once) in the
    command's own hands.
    """
    states = PluginStates.for_host(host_of(ctx).name)
    states.disabled()
    for notice in states.notices:
        click.echo(f"Warning: {notice}", err=True)
    return states


def plugin_state(record: PluginRecord, disabled: Collection[str]) -> str:
    """Return ``record``'s state from the manifest and the state file, never from loading.

    A refusal from metadata wins over the user's choice: an incompatible plugin stays
    incompatible whether or not it is disabled. What an earlier load learnt comes next: kind
    ``incompatible`` (its ``requires_api_version``), or a ``failure`` (at import, or later in
    its ``startup``).
    """
    if not record.usable:
        return record.verdict.value
    if record.name in disabled:
        return INACTIVE
    if record.kind == Verdict.INCOMPATIBLE.value:
        return Verdict.INCOMPATIBLE.value
    if record.kind == FAILED or record.failure is not None:
        return FAILED
    return ACTIVE


class PluginRow(NamedTuple):
    """One plugin as ``plugins list``, ``info`` and ``doctor`` show it: the JSON shapes above.

    Made only by :func:`plugin_row`; a command prints its text and its JSON or YAML from
    the same rows, so the two cannot tell different stories. ``list`` emits
    :data:`LIST_KEYS` of it, ``info`` all of it. A named tuple, not a dict: a misspelt
    field is a type error, and this module is never on the startup path.
    """

    name: str
    version: str
    state: str
    enabled: bool
    distribution: str
    kind: str | None
    reason: str | None
    import_seconds: float | None
    slow: bool | None
    verdict: str
    target: str
    help: str | None
    hooks: tuple[str, ...] | None
    groups: tuple[str, ...]
    failure: str | None

    def data(self, keys: Iterable[str] = ()) -> Row:
        """Return the row as JSON-compatible data: ``keys`` of it, or all of it."""
        row = self._asdict()
        return {key: row[key] for key in keys} if keys else row


LIST_KEYS: Final = (
    "name",
    "version",
    "state",
    "enabled",
    "distribution",
    "kind",
    "reason",
    "import_seconds",
)
"""The keys of a ``plugins list`` entry (with ``--timings``, ``slow`` too)."""


def plugin_row(
    record: PluginRecord,
    disabled: Collection[str],
    *,
    measured: Mapping[str, float | None] | None = None,
) -> PluginRow:
    """Describe one record, with the user's choices, as every command prints it.

    ``import_seconds`` is the time learnt at the first load, or, when imports were
    ``measured`` just now, the plugin's time there (None when it was not timed, or could
    not be imported).
    """
    seconds = record.import_seconds if measured is None else measured.get(record.name)
    return PluginRow(
        name=record.name,
        version=record.version,
        state=plugin_state(record, disabled),
        enabled=record.name not in disabled,
        distribution=record.distribution,
        kind=record.kind,
        reason=record.reason or record.failure,
        import_seconds=seconds,
        slow=None if seconds is None else seconds > SLOW,
        verdict=record.verdict.value,
        target=record.target,
        help=record.help,
        hooks=record.hooks,
        groups=record.groups,
        failure=record.failure,
    )


def needs_attention(row: PluginRow) -> bool:
    """Whether a plugin row shows a problem the user should act on."""
    return row.state not in {ACTIVE, INACTIVE}


format_option = command_option("format")
"""Add ``--format`` to a data-printing command: the global option, given after the command."""

quiet_option = command_option("quiet")
"""Add ``-q/--quiet`` to a command: the global option, given after the command."""


def chosen_format(ctx: click.Context, output_format: str | None) -> str:
    """Return the command's format: its own option, else the global one.

    YAML is refused here, before the command does any work, when PyYAML is not installed:
    finding its module spec is cheap, importing it is not.
    """
    chosen = output_format or options(ctx).format
    if chosen == "yaml" and not yaml_available():
        raise click.UsageError(
            "--format yaml needs PyYAML, which is not installed. "
            f"Install it with `pip install '{YAML_EXTRA}'`, or use --format json.",
            ctx,
        )
    return chosen


def yaml_available() -> bool:
    """Whether PyYAML can be imported, found without importing it."""
    from importlib.util import find_spec

    return find_spec("yaml") is not None


def is_quiet(ctx: click.Context, quiet: bool) -> bool:
    """Return whether the command's or the global ``--quiet`` was given."""
    return quiet or options(ctx).quiet


def emit(data: Any, fmt: str, text: Callable[[], None]) -> None:
    """Print ``data`` as JSON or YAML, or call ``text`` to print it for people."""
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    elif fmt == "yaml":
        click.echo(dump_yaml(data), nl=False)
    else:
        text()


def dump_yaml(data: Any) -> str:
    """Return ``data`` as YAML; PyYAML is imported only here, as it is an optional extra.

    :func:`chosen_format` has already refused YAML when PyYAML is missing.
    """
    import yaml

    text: str = yaml.safe_dump(data, sort_keys=True, default_flow_style=False)
    return text


def escaped(row: Row) -> Row:
    """Return ``row`` with its text (and lists of text) made safe for the terminal."""
    return {key: _escaped_value(value) for key, value in row.items()}


def _escaped_value(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list | tuple):
        return [_escaped_value(item) for item in value]
    return value


def plural(count: int, noun: str) -> str:
    """Return ``count`` and ``noun``, with an ``s`` unless there is exactly one."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def table(rows: Sequence[Row], columns: Sequence[tuple[str, str]]) -> str:
    """Return ``rows`` as an aligned text table with the given (key, header) columns.

    Cells may be styled: widths are measured without the escape codes, so colour does not
    break the alignment.
    """
    cells = [[header.upper() for _, header in columns]]
    cells += [["" if row.get(key) is None else str(row[key]) for key, _ in columns] for row in rows]
    widths = [max(len(click.unstyle(line[i])) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(
            cell + " " * (width - len(click.unstyle(cell)))
            for cell, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in cells
    )


def colour(text: str, **style: Any) -> str:
    """Return ``text`` styled when colour is allowed, else unchanged."""
    return click.style(text, **style) if colour_allowed() else text


def colour_allowed() -> bool:
    """Whether stdout is a terminal that wants colour (no-color.org; ``TERM=dumb`` has none)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def styled_state(state: str) -> str:
    """Return a state for text output: problems in red, disabled in yellow."""
    if state == ACTIVE:
        return state
    return colour(state, fg="yellow" if state == INACTIVE else "red")


def short_reason(reason: str | None) -> str | None:
    """Return what went wrong without the advice; reasons read "what; what to do"."""
    return reason.partition("; ")[0] if reason else reason


def milliseconds(seconds: float | None) -> str:
    """Return an import time for text output, marking slow ones."""
    if seconds is None:
        return "-"
    text = f"{seconds * 1000:.1f} ms"
    return text + " " + colour("(slow)", fg="yellow") if seconds > SLOW else text
