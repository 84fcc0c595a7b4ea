"""What pegboard knows about one installed plugin without importing it."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any


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


@dataclasses.dataclass(frozen=True, slots=True)
class PluginRecord:
    """One entry point of the host's group, and what was learnt about it.

    ``help``, ``hooks`` and ``kind`` are learnt the first time the plugin is loaded and kept
    in the manifest, so later starts can show help and pick hook implementers without
    importing anything. ``hooks is None`` means "not learnt yet". ``kind`` is one of
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
        """Rebuild a record from :meth:`to_json` output; raise on any malformed field."""
        hooks, groups = data["hooks"], data["groups"]
        if hooks is not None and not isinstance(hooks, list):
            raise TypeError(f"hooks must be a list, got {hooks!r}")
        if not isinstance(groups, list):
            raise TypeError(f"groups must be a list, got {groups!r}")
        return cls(
            name=_text(data["name"]),
            target=_text(data["target"]),
            distribution=_text(data["distribution"]),
            version=_text(data["version"]),
            verdict=Verdict(data["verdict"]),
            reason=_optional_text(data["reason"]),
            help=_optional_text(data["help"]),
            hooks=None if hooks is None else tuple(_text(h) for h in hooks),
            kind=_optional_text(data["kind"]),
            failure=_optional_text(data["failure"]),
            groups=tuple(_text(g) for g in groups),
            import_seconds=_optional_number(data["import_seconds"]),
        )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _optional_number(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)
