"""Persisted enable/disable choices of one host's plugins.

The file is ``<config dir>/plugins.json``::

    {"schema": 1, "disabled": ["name", ...]}

``disabled`` is kept sorted. Choices are keyed by plugin name, not version, so they survive
upgrades. Unknown keys are kept when the file is rewritten (a newer pegboard may have added
them).

Reading is cheap and lock-free, because writers only ever replace the file atomically; it uses
``json`` and ``os`` alone, since every start of the host reads the file. Writing takes a lock
(``plugins.json.lock``), reads the file again, changes it and replaces it, so concurrent
processes lose no update. A corrupt file is moved aside under that same lock (kept as
``plugins.json.corrupt-<time>-<pid>``), the user is told once through ``notices``, and the
defaults apply.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING, Any, Final

from pegboard._errors import StateFileError
from pegboard._log import get_logger
from pegboard._names import validate_name
from pegboard.host import config

if TYPE_CHECKING:
    import filelock

logger = get_logger(__name__)

SCHEMA: Final = 1
FILENAME: Final = "plugins.json"
LOCK_TIMEOUT: Final = 30.0
"""Seconds to wait for another process's write; a write holds the lock for milliseconds."""


class PluginStates:
    """Enable/disable choices of one host, stored as JSON in ``path``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.notices: list[str] = []
        """Messages for the user (e.g. a corrupt file was moved aside), each said once."""

    @classmethod
    def for_host(cls, host: str) -> PluginStates:
        """Return the state of ``host``, stored in its config folder."""
        return cls(os.path.join(config.config_dir(host), FILENAME))

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
        """Record the choice for ``name`` under the file lock; return whether it changed.

        The file is read again under the lock, so a choice another process saved meanwhile
        is kept.
        """
        validate_name(name)
        try:
            with self._lock():
                data = self._read(locked=True)
                disabled = set(data["disabled"])
                if (name not in disabled) == enabled:
                    return False
                if enabled:
                    disabled.remove(name)
                else:
                    disabled.add(name)
                data["disabled"] = sorted(disabled)
                from pegboard.discovery.atomic import write_atomic

                write_atomic(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
        except OSError as exc:  # filelock.Timeout is an OSError too
            folder = os.path.dirname(self.path) or "."
            raise StateFileError(
                f"Cannot save plugin state to {self.path}: {exc}",
                plugin=name,
                hint=f"Check that the folder is writable ({folder}), or point the host's "
                "<HOST>_CONFIG_DIR environment variable at a writable folder.",
            ) from exc
        return True

    def _lock(self) -> filelock.BaseFileLock:
        """Return the lock every change of the file is made under (creating its folder)."""
        import filelock  # only writers pay for it

        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        return filelock.FileLock(self.path + ".lock", timeout=LOCK_TIMEOUT)

    def _read(self, *, locked: bool = False) -> dict[str, Any]:
        """Return the file's data, or defaults when it is missing or corrupt.

        A corrupt file is moved aside only under the lock (taken here unless the caller holds
        it), after reading it again: a lock-free reader must never move aside the good file
        a writer has just put in its place.
        """
        try:
            with open(self.path, "rb") as stream:
                return _parse(stream.read())
        except (FileNotFoundError, NotADirectoryError):  # no file, or not even its folder
            return _defaults()
        except OSError as exc:  # a folder in its place, no permission to read, ...
            problem = f"it cannot be read: {exc.strerror or exc}"
        except ValueError as exc:
            problem = str(exc)
        if locked:
            return self._set_aside(problem)
        try:
            with self._lock():
                return self._read(locked=True)
        except OSError as exc:
            return self._unusable(problem, exc)

    def _set_aside(self, problem: str) -> dict[str, Any]:
        """Move the corrupt file out of the way (never delete it) and return defaults."""
        kept = f"{self.path}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        try:
            os.replace(self.path, kept)
        except OSError as exc:
            return self._unusable(problem, exc)
        self._tell(
            f"The plugin state file {self.path} was unusable ({problem}); it was kept as "
            f"{kept} and all plugins are enabled again."
        )
        return _defaults()

    def _unusable(self, problem: str, error: OSError) -> dict[str, Any]:
        """Report a corrupt file that could not be moved aside and return defaults."""
        self._tell(
            f"The plugin state file {self.path} is unusable ({problem}) and could not be moved "
            f"aside ({error}); all plugins are treated as enabled. Move or delete it by hand."
        )
        return _defaults()

    def _tell(self, message: str) -> None:
        """Add ``message`` to ``notices`` once, and log it.

        Logged at INFO, not WARNING: the command line prints ``notices`` itself, and an
        unconfigured ``logging`` would print a WARNING on stderr a second time.
        """
        if message not in self.notices:
            self.notices.append(message)
            logger.info("%s", message)


def _defaults() -> dict[str, Any]:
    """Return the state of a host nobody has changed: every plugin enabled."""
    return {"schema": SCHEMA, "disabled": []}


def _parse(raw: bytes) -> dict[str, Any]:
    """Return the state held in ``raw``; raise ValueError saying what is wrong with it."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
        raise ValueError("it is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError("it does not hold a JSON object")
    schema = data.setdefault("schema", SCHEMA)
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise ValueError("its 'schema' entry is not a number")
    disabled = data.setdefault("disabled", [])
    if not isinstance(disabled, list) or not all(isinstance(n, str) for n in disabled):
        raise ValueError("its 'disabled' entry is not a list of names")
    return data
