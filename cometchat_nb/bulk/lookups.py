"""What a bulk plan looks up by lowercase uid, in flat memory however long the input.

`Snapshot`: the app's users as read before the plan (their writable fields, whether
deactivated). `FirstRows`: the position of the first input row of each uid, to refuse the
rows that repeat it. A million-row job meets a million uids: each table lives in a private
temporary SQLite database, held in memory up to SQLite's page cache (about 2 MB) and
spilled to a temporary file beyond it, deleted when closed.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Self

from ..models import User
from .rows import FIELDS


class _Table:
    """A private temporary SQLite database of one table; a context manager that closes it."""

    SCHEMA = ""

    def __init__(self) -> None:
        # "": a temporary database, in memory until its cache fills; used by one thread at a
        # time (the one planning), which need not be the one that opened it
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute(self.SCHEMA)

    def close(self) -> None:
        """Forget the table (its file, if it spilled to one, is deleted)."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Snapshot(_Table):
    """The app's users as a plan needs them: writable fields and whether deactivated."""

    SCHEMA = "CREATE TABLE users (uid TEXT PRIMARY KEY, held TEXT, deactivated INT) WITHOUT ROWID"

    def add(self, user: User) -> None:
        held = {f: getattr(user, f) for f in FIELDS if getattr(user, f) is not None}
        self._db.execute(
            "INSERT OR REPLACE INTO users VALUES (?, ?, ?)",
            (user.uid.lower(), json.dumps(held), user.deactivated_at is not None),
        )

    def get(self, uid: str) -> tuple[dict[str, Any], bool] | None:
        """The fields the app holds for `uid` (lowercase) and whether it is deactivated."""
        found = self._db.execute(
            "SELECT held, deactivated FROM users WHERE uid = ?", (uid,)
        ).fetchone()
        return None if found is None else (json.loads(found[0]), bool(found[1]))


class FirstRows(_Table):
    """The position of the first input row of each uid (lowercase) met so far."""

    SCHEMA = "CREATE TABLE rows (uid TEXT PRIMARY KEY, position INT) WITHOUT ROWID"

    def first(self, uid: str, position: int) -> int:
        """The position of the first row of `uid`: this row's, if none came before."""
        if self._db.execute("INSERT OR IGNORE INTO rows VALUES (?, ?)", (uid, position)).rowcount:
            return position
        return int(
            self._db.execute("SELECT position FROM rows WHERE uid = ?", (uid,)).fetchone()[0]
        )
