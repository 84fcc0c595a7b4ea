"""Atomic file replacement: readers see the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import os
import tempfile


def write_atomic(path: str, data: str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The temporary file is flushed and fsynced before ``os.replace``, so a crash leaves either
    the complete old file or the complete new one; two writers racing leave one of their
    complete files.
    """
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
