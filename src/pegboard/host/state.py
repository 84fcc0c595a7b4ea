"""Persisted enable/disable choices of one host's plugins, per environment.

Each environment (the interpreter's ``sys.prefix``) has its own file,
``<config dir>/environments/<name>-<checksum>/plugins.json``::

    {"schema": 1, "disabled": ["name", ...], "environment": "/path/to/venv"}

so disabling ``hello`` in one virtual environment leaves another one's ``hello`` alone, and a
virtual environment recreated at the same path keeps its choices. ``disabled`` is kept
sorted. Choices are keyed by plugin name, not version, so they survive upgrades. Unknown keys
are kept when the file is rewritten (a newer pegboard may have added them). The user-wide
file of earlier releases (``<config dir>/plugins.json``) is migrated once: the first
environment that runs takes its choices, and the user is told.

Reading is cheap and lock-free, because writers only ever replace the file atomically; it uses
``json`` and ``os`` alone, since every start of the host reads the file. Writing takes a lock
(``plugins.json.lock``), reads the file again, changes it and replaces it, so concurrent
processes lose no update. A symlinked file is written through its link. The file is untrusted
input: whatever is not a small regular file holding the expected JSON (a FIFO, a huge or
deeply nested file, invalid UTF-8) is moved aside under that same lock (kept as
``plugins.json.corrupt-<time>-<pid>``), the user is told once through ``notices``, and the
defaults apply.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
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
MAX_BYTES: Final = 1 << 20
"""A larger file is not a state file pegboard wrote: it is moved aside unread."""


class PluginStates:
    """Enable/disable choices of one host, stored as JSON in ``path``."""

    def __init__(self, path: str, *, environment: str | None = None) -> None:
        self.path = path
        self.environment = environment
        """The prefix of the environment the choices belong to, recorded in the file."""
        self.notices: list[str] = []
        """Messages for the user (e.g. a corrupt file was moved aside), each said once."""

    @classmethod
    def for_host(cls, host: str, prefix: str = sys.prefix) -> PluginStates:
        """Return the state of ``host`` in the environment at ``prefix`` (the running one).

        The user-wide file of earlier releases, if any, is migrated into it first.
        """
        path = os.path.join(config.environment_dir(host, prefix), FILENAME)
        states = cls(path, environment=prefix)
        legacy = os.path.join(config.config_dir(host), FILENAME)
        if not os.path.lexists(states.path) and os.path.lexists(legacy):
            states._migrate(legacy, prefix)
        return states

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
                if self.environment is not None:
                    data.setdefault("environment", self.environment)
                self._write(data)
        except OSError as exc:  # filelock.Timeout is an OSError too
            raise self._write_error(exc, name) from exc
        return True

    def _write(self, data: dict[str, Any]) -> None:
        """Replace the file atomically; through its link when it is a symbolic link.

        Replacing the link itself would silently cut it from the file the user keeps
        elsewhere (in a dotfiles repository, say).
        """
        from pegboard.discovery.atomic import write_atomic

        write_atomic(os.path.realpath(self.path), json.dumps(data, indent=2, sort_keys=True) + "\n")

    def _write_error(self, exc: OSError, name: str | None) -> StateFileError:
        """Say why the file could not be written, and what to do about it."""
        folder = os.path.dirname(self.path) or "."
        hint = (
            f"Check that the folder is writable ({folder}), or point the host's "
            "<HOST>_CONFIG_DIR environment variable at a writable folder."
        )
        if exc.errno == errno.ELOOP:  # filelock opens its lock file without following links
            hint = (
                f"The lock file {self.path}.lock is a symbolic link, which is refused so that "
                "no other file is ever locked or truncated; delete the link."
            )
        return StateFileError(
            f"Cannot save plugin state to {self.path}: {exc}", plugin=name, hint=hint
        )

    def _migrate(self, legacy: str, prefix: str) -> None:
        """Move the user-wide file of earlier releases to this environment, once."""
        old = PluginStates(legacy)
        try:
            with self._lock():
                if os.path.lexists(self.path) or not os.path.lexists(legacy):
                    return  # another process migrated it meanwhile
                data = old._read(locked=True)  # only releases before this one write it
                data["environment"] = self.environment or prefix
                self._write(data)
                if os.path.lexists(legacy):  # else it was corrupt, and is kept aside
                    os.replace(legacy, legacy + ".migrated")
        except OSError as exc:
            self._tell(f"The plugin state file {legacy} could not be migrated ({exc}).")
            return
        finally:
            for notice in old.notices:
                self._tell(notice)
        if data["disabled"]:
            self._tell(
                f"Disabled plugins ({', '.join(data['disabled'])}) now apply to this environment "
                f"({prefix}) only; the old file was kept as {legacy}.migrated."
            )

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
            return _parse(_read_bytes(self.path))
        except (FileNotFoundError, NotADirectoryError):  # no file, or not even its folder
            return _defaults()
        except OSError as exc:  # a folder in its place, no permission to read, ...
            problem = f"it cannot be read: {exc.strerror or exc}"
        except ValueError as exc:
            problem = str(exc)
        except RecursionError:
            problem = "it is nested too deeply"
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


def _read_bytes(path: str) -> bytes:
    """Return the content of the regular file at ``path``; raise ValueError for anything else.

    Opened without blocking, so a FIFO in its place cannot hang every start of the host;
    read up to :data:`MAX_BYTES`, so a huge file cannot exhaust memory.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("it is not a regular file")
        if info.st_size > MAX_BYTES:
            raise ValueError(f"it is larger than {MAX_BYTES} bytes")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return stream.read(MAX_BYTES + 1)
    finally:
        os.close(fd)


def _parse(raw: bytes) -> dict[str, Any]:
    """Return the state held in ``raw``; raise ValueError saying what is wrong with it.

    A UTF-8 byte-order mark, which some editors add, is accepted.
    """
    try:
        data = json.loads(raw.decode("utf-8-sig"))
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
