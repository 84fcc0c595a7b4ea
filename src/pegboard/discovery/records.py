"""What pegboard knows about one installed plugin without importing it."""

from __future__ import annotations

import enum
import itertools
import operator
from typing import Any, Final


class Verdict(enum.Enum):
    """Whether a discovered plugin may be loaded, and if not, why."""

    OK = "ok"
    """Loadable."""
    INCOMPATIBLE = "incompatible"
    """Its distribution requires another version of the host."""
    INVALID = "invalid"
    """Its entry-point name is not a usable plugin name."""
    RESERVED = "reserved"
    """Its name is one of the host's built-in commands."""
    DUPLICATE = "duplicate"
    """Another distribution, found earlier on ``sys.path``, provides the same name."""
    CORRUPT = "corrupt"
    """Its distribution metadata cannot be read."""


_FIELDS: Final = (
    "name",
    "target",
    "distribution",
    "version",
    "verdict",
    "reason",
    "help",
    "hooks",
    "kind",
    "failure",
    "groups",
    "import_seconds",
    "summary",
)

_GET_FIELDS: Final = operator.attrgetter(*_FIELDS)


class PluginRecord:
    """One entry point of the host's group, and what was learnt about it.

    ``help``, ``hooks`` and ``kind`` are learnt the first time the plugin is loaded and kept
    in the manifest, so later starts can show help and pick hook implementers without
    importing anything. ``hooks is None`` means "not learnt yet". ``kind`` is one of
    ``command`` (a Click command), ``typer``, ``plugin`` (an object with a command), ``hooks``
    (an object without one), ``failed`` or ``incompatible`` (``failure`` says why).
    ``groups`` are the command groups the plugin adds subcommands to with ``command_group``;
    ``import_seconds`` is how long its first import took (learnt with the rest);
    ``summary`` is the distribution's one-line Summary, what help shows until it is learnt.

    Records are treated as immutable (``refuse``, ``learn`` and ``with_failure`` return
    copies). A plain class with slots, because this module is imported on every warm start:
    not a dataclass (importing :mod:`dataclasses` costs about a millisecond), and not a
    ``NamedTuple``, whose class takes about 0.3 ms longer to create and which parses a
    manifest row no faster; see "One plugin, four types" in ``docs/architecture.md``.
    """

    __slots__ = _FIELDS
    __hash__ = None  # type: ignore[assignment]  # equal records may differ later in a copy

    def __init__(
        self,
        name: str,
        target: str,
        distribution: str,
        version: str,
        *,
        verdict: Verdict = Verdict.OK,
        reason: str | None = None,
        help: str | None = None,
        hooks: tuple[str, ...] | None = None,
        kind: str | None = None,
        failure: str | None = None,
        groups: tuple[str, ...] = (),
        import_seconds: float | None = None,
        summary: str | None = None,
    ) -> None:
        self.name = name
        self.target = target
        self.distribution = distribution
        self.version = version
        self.verdict = verdict
        self.reason = reason
        self.help = help
        self.hooks = hooks
        self.kind = kind
        self.failure = failure
        self.groups = groups
        self.import_seconds = import_seconds
        self.summary = summary

    def _values(self) -> tuple[Any, ...]:
        values: tuple[Any, ...] = _GET_FIELDS(self)
        return values

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PluginRecord):
            return NotImplemented
        return self._values() == other._values()

    def __repr__(self) -> str:
        fields = ", ".join(f"{field}={getattr(self, field)!r}" for field in _FIELDS)
        return f"PluginRecord({fields})"

    def _replace(self, **changes: Any) -> PluginRecord:
        return PluginRecord(**{field: getattr(self, field) for field in _FIELDS} | changes)

    @property
    def usable(self) -> bool:
        """Whether the plugin may be imported."""
        return self.verdict is Verdict.OK

    @property
    def learnt(self) -> bool:
        """Whether help and hooks were recorded by an earlier load."""
        return self.hooks is not None

    def refuse(self, verdict: Verdict, reason: str) -> PluginRecord:
        """Return a copy marked unusable for ``reason``."""
        return self._replace(verdict=verdict, reason=reason)

    def unrefused(self) -> PluginRecord:
        """Return the record as its own distribution declares it, before the rules that span
        distributions (duplicate and reserved names) were applied."""
        if self.verdict in _ACROSS_DISTRIBUTIONS:
            return self._replace(verdict=Verdict.OK, reason=None)
        return self

    def forget(self) -> PluginRecord:
        """Return a copy with nothing learnt, so the plugin is learnt again."""
        return self._replace(
            help=None, hooks=None, kind=None, failure=None, groups=(), import_seconds=None
        )

    @property
    def has_command(self) -> bool:
        """Whether the plugin is known to contribute a top-level command."""
        return self.kind in {"command", "typer", "plugin"}

    def learn(
        self,
        *,
        help: str | None,
        hooks: tuple[str, ...],
        kind: str,
        failure: str | None = None,
        groups: tuple[str, ...] = (),
        import_seconds: float | None = None,
    ) -> PluginRecord:
        """Return a copy with the facts learnt from loading the plugin."""
        return self._replace(
            help=help,
            hooks=tuple(sorted(hooks)),
            kind=kind,
            failure=failure,
            groups=tuple(sorted(groups)),
            import_seconds=import_seconds,
        )

    def with_failure(self, failure: str | None) -> PluginRecord:
        """Return a copy whose last failure is ``failure`` (None: it has run well since)."""
        return self._replace(failure=failure)

    def to_row(self) -> list[Any]:
        """Return the record as one JSON-compatible row (the manifest's per-plugin entry).

        A row, not an object: without a key per value the manifest is half the size and
        parses twice as fast. Hook and group names (which hold no whitespace) are joined
        by spaces, so every value is a string, a number or null.
        """
        row = list(self._values())
        row[4] = self.verdict.value
        row[7] = None if self.hooks is None else " ".join(self.hooks)
        row[10] = " ".join(self.groups)
        return row

    @classmethod
    def from_row(cls, row: object) -> PluginRecord:
        """Rebuild a record from :meth:`to_row` output; raise on any malformed value.

        The types of a whole row are checked with one set lookup: a warm start reads
        hundreds of rows.
        """
        if type(row) is not list or tuple(map(type, row)) not in _ROW_TYPES:
            raise TypeError(f"malformed plugin row: {row!r}")
        verdict = _VERDICTS.get(row[4])
        if verdict is None:
            raise ValueError(f"unknown verdict {row[4]!r}")
        hooks = row[7]
        return cls(
            row[0],
            row[1],
            row[2],
            row[3],
            verdict=verdict,
            reason=row[5],
            help=row[6],
            hooks=None if hooks is None else tuple(hooks.split()),
            kind=row[8],
            failure=row[9],
            groups=tuple(row[10].split()),
            import_seconds=row[11],
            summary=row[12],
        )


_VERDICTS: Final = {verdict.value: verdict for verdict in Verdict}
_ACROSS_DISTRIBUTIONS: Final = frozenset({Verdict.DUPLICATE, Verdict.RESERVED})
"""Verdicts that depend on other distributions, not on the record's own."""
_TEXT: Final = (str,)
_OPTIONAL_TEXT: Final = (str, type(None))
_ROW_TYPES: Final = frozenset(
    itertools.product(
        *(_TEXT,) * 5,  # name, target, distribution, version, verdict
        *(_OPTIONAL_TEXT,) * 5,  # reason, help, hooks, kind, failure
        _TEXT,  # groups
        (float, int, type(None)),  # import_seconds
        _OPTIONAL_TEXT,  # summary
    )
)
"""Every allowed sequence of value types in a manifest row."""
