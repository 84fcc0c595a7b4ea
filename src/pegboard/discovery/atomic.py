"""Atomic file replacement: readers see the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import os


def write_atomic(path: str, data: str | bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Two writers racing leave one of their complete files. When ``durable``, the temporary
    file is also fsynced before ``os.replace``, so a crash leaves either the complete old
    file or the complete new one; a cache that detects torn files itself (the manifest's
    CRC) can skip that wait.
    """
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    # A name no other writer picks (as mkstemp does, without importing tempfile, which
    # costs a first start more than writing the file).
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data.encode() if isinstance(data, str) else data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
