"""Where a login is persisted between sessions, like the SDK's localStorage (spec 8.4).

A store maps an app id to a JSON-able dict: the logged-in user with its token,
`jwt`, `wsChannel` and `settings`, and the device id. Never a key.
"""

from __future__ import annotations

import json
import os
import re
import threading
import warnings
from collections.abc import Hashable
from pathlib import Path
from typing import Any, Protocol

from .private import write_private


class SessionStore(Protocol):
    """What a `Session` needs from a store."""

    def load(self, app_id: str) -> dict[str, Any]:
        """The stored data for `app_id` (`{}` when there is none or it is unreadable)."""

    def save(self, app_id: str, data: dict[str, Any]) -> None:
        """Replace the stored data for `app_id`."""


class MemoryStore:
    """A store in memory, shared by every session given the same instance.

    Data is kept as JSON text, as a `FileStore` keeps it: what is loaded is a fresh
    copy, and what cannot be written to a file cannot be saved here either.
    """

    def __init__(self) -> None:
        self._data: dict[str, str] = {}
        self._lock = threading.Lock()

    def load(self, app_id: str) -> dict[str, Any]:
        with self._lock:
            text = self._data.get(app_id)
        if text is None:
            return {}
        data = json.loads(text)  # fresh: no copy needed
        return data if isinstance(data, dict) else dict(data)  # a dict, whatever was saved

    def save(self, app_id: str, data: dict[str, Any]) -> None:
        text = json.dumps(data)
        with self._lock:
            self._data[app_id] = text

    def clear(self) -> None:
        """Forget every app's data."""
        with self._lock:
            self._data.clear()

    def __repr__(self) -> str:
        return f"MemoryStore(apps={len(self._data)})"


def share_key(store: SessionStore) -> Hashable:
    """What tells whether two stores are one: a `FileStore`'s folder, else the object."""
    if isinstance(store, FileStore):
        return ("folder", str(store.directory.expanduser().resolve()))
    return ("object", id(store))


def default_home() -> Path:
    """`$COMETCHAT_NB_HOME`, else the user's data folder for cometchat-nb, where each
    operating system keeps one (`platformdirs`): `$XDG_DATA_HOME/cometchat-nb` or
    `~/.local/share/cometchat-nb` on Linux, `~/Library/Application Support/cometchat-nb`
    on macOS, `%LOCALAPPDATA%\\cometchat-nb` on Windows."""
    if home := os.environ.get("COMETCHAT_NB_HOME"):
        return Path(home)
    from platformdirs import user_data_path  # here: `import cometchat_nb` stays light

    return user_data_path("cometchat-nb", appauthor=False)


class FileStore:
    """One JSON file per app id, written atomically with owner-only permissions.

    A corrupt or unreadable file reads as "no session" with a warning.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_home()
        self._lock = threading.Lock()

    def path(self, app_id: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", app_id) or "_"
        return self.directory / f"session-{safe}.json"

    def load(self, app_id: str) -> dict[str, Any]:
        path = self.path(app_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            warnings.warn(
                f"ignoring unreadable session file {path}: {type(exc).__name__}",
                RuntimeWarning,
                stacklevel=2,
            )
            return {}
        if not isinstance(data, dict):
            warnings.warn(f"ignoring malformed session file {path}", RuntimeWarning, stacklevel=2)
            return {}
        return data

    def save(self, app_id: str, data: dict[str, Any]) -> None:
        with self._lock:
            write_private(self.path(app_id), json.dumps(data))

    def __repr__(self) -> str:
        return f"FileStore({str(self.directory)!r})"
