"""What pegboard knows about one installed plugin without importing it."""

from __future__ import annotations

import dataclasses
import enum
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


@dataclasses.dataclass(slots=True)
class PluginRecord:
    """One entry point of the host's group, and what was learnt about it.

    ``help``, ``hooks`` and ``kind`` are learnt the first time the plugin is loaded and kept
    in the manifest, so later starts can show help and pick hook implementers without
    importing anything. ``hooks is None`` means "not learnt yet". Records are treated as
    immutable (``refuse`` and ``learn`` return copies); they are not ``frozen`` only because
    a frozen dataclass costs several times more to build, and warm starts build hundreds.
    ``kind`` is one of
    ``command`` (a Click command), ``typer``, ``plugin`` (an object with a command), ``hooks``
    (an object without one), ``failed`` or ``incompatible`` (``failure`` says why).
    """

    name: str
    target: str
    distribution: str
    version: str
    verdict: Verdict = Verdict.OK
    reason: str | None = None
    help: str | None = None
    hooks: tuple[str, ...] | None = None
    kind: str | None = None
    failure: str | None = None
    groups: tuple[str, ...] = ()
    """Command groups the plugin adds subcommands to with ``command_group``."""
    import_seconds: float | None = None
    """How long its first import took (learnt with the rest)."""

    @property
    def usable(self) -> bool:
        """Whether the plugin may be imported."""
        return self.verdict is Verdict.OK

    @property
    def learnt(self) -> bool:
        """Whether help and hooks were recorded by an earlier load."""
        return self.hooks is not None

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What must match for learnt facts to carry over to a rebuilt manifest."""
        return (self.name, self.target, self.distribution, self.version)

    def refuse(self, verdict: Verdict, reason: str) -> PluginRecord:
        """Return a copy marked unusable for ``reason``."""
        return dataclasses.replace(self, verdict=verdict, reason=reason)

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
        return dataclasses.replace(
            self,
            help=help,
            hooks=tuple(sorted(hooks)),
            kind=kind,
            failure=failure,
            groups=tuple(sorted(groups)),
            import_seconds=import_seconds,
        )

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-compatible dict (the manifest's per-plugin entry)."""
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data["verdict"] = self.verdict.value
        data["hooks"] = list(self.hooks) if self.hooks is not None else None
        data["groups"] = list(self.groups)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PluginRecord:
        """Rebuild a record from :meth:`to_json` output; raise on any malformed field.

        Written for speed as much as for strictness: a warm start reads hundreds of these.
        """
        for key in _TEXT_FIELDS:
            if type(data[key]) is not str:
                raise TypeError(f"{key} must be a string, got {data[key]!r}")
        for key in _OPTIONAL_TEXT_FIELDS:
            if data[key] is not None and type(data[key]) is not str:
                raise TypeError(f"{key} must be a string or null, got {data[key]!r}")
        hooks, groups, seconds = data["hooks"], data["groups"], data["import_seconds"]
        if hooks is not None and not _all_text(hooks):
            raise TypeError(f"hooks must be a list of strings or null, got {hooks!r}")
        if not _all_text(groups):
            raise TypeError(f"groups must be a list of strings, got {groups!r}")
        if seconds is not None and type(seconds) not in (int, float):
            raise TypeError(f"import_seconds must be a number or null, got {seconds!r}")
        return cls(
            data["name"],
            data["target"],
            data["distribution"],
            data["version"],
            Verdict(data["verdict"]),
            data["reason"],
            data["help"],
            None if hooks is None else tuple(hooks),
            data["kind"],
            data["failure"],
            tuple(groups),
            seconds,
        )


_TEXT_FIELDS: Final = ("name", "target", "distribution", "version")
_OPTIONAL_TEXT_FIELDS: Final = ("reason", "help", "kind", "failure")


def _all_text(value: object) -> bool:
    return type(value) is list and all(type(item) is str for item in value)
