"""``HookOutcome``: what one plugin's implementation of a hook produced."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class HookOutcome:
    """What one plugin's implementation of a hook produced."""

    plugin: str
    result: Any = None
    error: BaseException | None = None
    duration: float = 0.0
    """Seconds from the call (or the task's start) to its result."""

    @property
    def ok(self) -> bool:
        """Whether the implementation returned without raising or timing out."""
        return self.error is None
