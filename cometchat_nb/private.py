"""Files only their owner can read: folders 0700, files 0600, whatever the umask.

What holds a secret on disk goes through here: stored logins (`store.FileStore`), the
emulator's SQLite database with its WAL and SHM files (`--data`), and exported emulator
snapshots (`--export-on-exit`), which hold every user's auth tokens.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def private_directory(path: Path) -> None:
    """Create `path` and any missing parent, each owner-only (0700); existing ones stay."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
        directory.chmod(0o700)  # mode= is masked by the umask


def private_file(path: Path) -> None:
    """Create an empty owner-only (0600) file at `path` unless one is there (its folders
    as `private_directory`); an existing file is left as it is."""
    if path.exists():
        return
    private_directory(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # made meanwhile by another process: theirs to keep
        return
    try:
        os.fchmod(fd, 0o600)  # the mode given to open() is masked by the umask
    finally:
        os.close(fd)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically as an owner-only (0600) file, synced to disk."""
    private_directory(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:  # mkstemp makes it 0600
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
