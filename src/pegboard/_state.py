"""Persisted enable/disable choices of one host's plugins.

The file is ``<config dir>/plugins.json``::

    {"schema": 1, "disabled": ["name", ...]}

Choices are keyed by plugin name, not version, so they survive upgrades. Unknown keys are kept
when the file is rewritten (a newer pegboard may have added them). Reading is cheap and
lock-free (the file is only ever replaced atomically); writing takes a lock, reads the file
again, changes it and replaces it, so concurrent processes lose no update. A corrupt file is
moved aside (kept as ``plugins.json.corrupt-<time>``), the user is told once through
``notices``, and the defaults apply.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Final

from pegboard import _paths
from pegboard._errors import StateFileError
from pegboard._log import get_logger
from pegboard._names import validate_name

logger = get_logger(__name__)

SCHEMA: Final = 1
FILENAME: Final = "plugins.json"


class PluginStates:
    """Enable/disable choices of one host, stored as JSON in ``path``."""

    def __init__(self, path: str):
        self.path = path
        self.notices: list[str] = []
        """Messages for the user (e.g. a corrupt file was moved aside), each said once."""

    @classmethod
    def for_host(cls, host: str) -> PluginStates:
        """Return the state of ``host``, stored in its config folder."""
        return cls(os.path.join(_paths.config_dir(host), FILENAME))

    def disabled(self) -> frozenset[str]:
        """Return the names of disabled plugins."""
        return frozenset(self._read()["disabled"])

    def is_enabled(self, name: str) -> bool:
        """Whether plugin ``name`` is enabled (the default)."""
        return name not in self.disabled()

    def enable(self, name: str) -> bool:
        """Enable plugin ``name``; return whether anything changed."""
        return self.set_enabled(name, True)

    def disable(self, name: str) -> bool:
        """Disable plugin ``name``; return whether anything changed."""
        return self.set_enabled(name, False)

    def set_enabled(self, name: str, enabled: bool) -> bool:
        """Record the choice for ``name`` under the file lock; return whether it changed."""
        validate_name(name)
        import filelock  # only writers pay for it

        try:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            with filelock.FileLock(self.path + ".lock", timeout=30):
                data = self._read()
                disabled = set(data["disabled"])
                before = name in disabled
                if enabled:
                    disabled.discard(name)
                else:
                    disabled.add(name)
                if before == (name in disabled):
                    return False
                data["disabled"] = sorted(disabled)
                from pegboard._atomic import write_atomic

                write_atomic(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
        except (OSError, filelock.Timeout) as exc:
            raise StateFileError(
                f"Cannot save plugin state to {self.path}: {exc}.",
                plugin=name,
                hint="Check that the folder is writable, or set the config folder with "
                "the <HOST>_CONFIG_DIR environment variable.",
            ) from exc
        return True

    def _read(self) -> dict[str, Any]:
        """Return the file's data, or defaults when it is missing or corrupt."""
        try:
            with open(self.path, "rb") as stream:
                raw = stream.read()
        except FileNotFoundError:
            return {"schema": SCHEMA, "disabled": []}
        except OSError as exc:
            return self._set_aside(f"it cannot be read ({exc})")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return self._set_aside("it is not valid JSON")
        if not isinstance(data, dict):
            return self._set_aside("it does not hold a JSON object")
        disabled = data.get("disabled", [])
        if not isinstance(disabled, list) or not all(isinstance(n, str) for n in disabled):
            return self._set_aside("its 'disabled' entry is not a list of names")
        data.setdefault("schema", SCHEMA)
        data["disabled"] = disabled
        return data

    def _set_aside(self, why: str) -> dict[str, Any]:
        """Move the corrupt file out of the way (never delete it) and return defaults."""
        kept = f"{self.path}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        try:
            os.replace(self.path, kept)
        except OSError:
            message = (
                f"The plugin state file {self.path} is unusable ({why}) and could not be "
                "moved aside; all plugins are treated as enabled."
            )
        else:
            message = (
                f"The plugin state file {self.path} was unusable ({why}); it was kept as "
                f"{kept} and all plugins are enabled again."
            )
        if message not in self.notices:
            self.notices.append(message)
            logger.info("%s", message)
        return {"schema": SCHEMA, "disabled": []}
