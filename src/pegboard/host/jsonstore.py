"""A small JSON file of pegboard's own, kept in the config folder, safe to read and update.

The base of the plugin state file and the plugin set. Reading is cheap and lock-free,
because writers only ever replace the file atomically; it uses ``json`` and ``os`` alone,
since every start of the host may read such a file. Updating takes a lock (``<file>.lock``),
reads the file again, changes it and replaces it, so concurrent processes lose no update. A
symlinked file is written through its link; a symlinked lock file is refused with a hint.

The file is untrusted input: whatever is not a small regular file holding the expected JSON
(a FIFO, a huge or deeply nested file, invalid UTF-8) is moved aside under the lock (kept as
``<file>.corrupt-<time>-<pid>``), the user is told once through ``notices``, and the
defaults apply. A UTF-8 byte-order mark, which some editors add, is accepted.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from pegboard._errors import StateFileError
from pegboard._log import get_logger

if TYPE_CHECKING:
    import filelock

logger = get_logger(__name__)

LOCK_TIMEOUT: Final = 30.0
"""Seconds to wait for another process's write; a write holds the lock for milliseconds."""
MAX_BYTES: Final = 1 << 20
"""A larger file is not a file pegboard wrote: it is moved aside unread."""


class JsonStore:
    """One JSON object in the file ``path``; subclasses say what is valid and the defaults.

    ``what`` names the file in messages; ``reset`` says what the defaults mean for the user.
    """

    what = "file"
    content = "data"
    """What the file holds, for "Cannot save <content> to <path>"."""
    reset = "the defaults apply"

    def __init__(self, path: str) -> None:
        self.path = path
        self.notices: list[str] = []
        """Messages for the user (e.g. a corrupt file was moved aside), each said once."""

    def defaults(self) -> dict[str, Any]:
        """Return the content of a file nobody has written yet."""
        raise NotImplementedError

    def validate(self, data: Any) -> dict[str, Any]:
        """Return ``data`` if it is valid content (filling in defaults), else raise ValueError."""
        raise NotImplementedError

    def update(self, change: Callable[[dict[str, Any]], bool], *, plugin: str | None) -> bool:
        """Apply ``change`` to the content under the lock; save if it returns True.

        The file is read again under the lock, so what another process saved meanwhile is
        kept. Raises StateFileError, naming ``plugin``, when the file cannot be saved.
        """
        try:
            with self._lock():
                data = self._read(locked=True)
                if not change(data):
                    return False
                self._write(data)
        except OSError as exc:  # filelock.Timeout is an OSError too
            raise self._write_error(exc, plugin) from exc
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
            f"Cannot save {self.content} to {self.path}: {exc}", plugin=name, hint=hint
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
            return self.validate(_parse(_read_bytes(self.path)))
        except (FileNotFoundError, NotADirectoryError):  # no file, or not even its folder
            return self.defaults()
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
            f"The {self.what} {self.path} was unusable ({problem}); it was kept as "
            f"{kept} and {self.reset}."
        )
        return self.defaults()

    def _unusable(self, problem: str, error: OSError) -> dict[str, Any]:
        """Report a corrupt file that could not be moved aside and return defaults."""
        self._tell(
            f"The {self.what} {self.path} is unusable ({problem}) and could not be moved "
            f"aside ({error}); {self.reset}. Move or delete it by hand."
        )
        return self.defaults()

    def _tell(self, message: str) -> None:
        """Add ``message`` to ``notices`` once, and log it.

        Logged at INFO, not WARNING: the command line prints ``notices`` itself, and an
        unconfigured ``logging`` would print a WARNING on stderr a second time.
        """
        if message not in self.notices:
            self.notices.append(message)
            logger.info("%s", message)


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


def _parse(raw: bytes) -> Any:
    """Return the JSON value in ``raw``; raise ValueError saying what is wrong with it."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
        raise ValueError("it is not valid JSON") from None
