"""What a bulk plan looks up by lowercase uid, in flat memory however long the input.

`Snapshot`: the app's users as read before the plan (their writable fields, whether
deactivated). `FirstRows`: the position of the first input row of each uid, to refuse the
rows that repeat it. A million-row job meets a million uids: each table is an SQLite
database in a private temporary directory (owner-only, as the users' fields are personal
data), holding at most `CACHE_KIB` of its pages in memory and the rest on disk (a million
uids: about 21 MB; users' fields more), removed when the call ends. The writes are never
committed: a scratch table has nothing to recover, so it has no journal either.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from typing import Any, Self

from ..models import User
from .rows import FIELDS

#: The pages of a table SQLite keeps in memory, in KiB (its default; set, not assumed).
CACHE_KIB = 2000


class _Table:
    """An SQLite database of one table in a private temporary directory; a context
    manager that closes it and removes the directory."""

    SCHEMA = ""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="cometchat-nb-bulk-")
        self._db = sqlite3.connect(os.path.join(self._folder.name, "table.db"))
        for pragma in (f"cache_size = -{CACHE_KIB}", "journal_mode = OFF", "synchronous = OFF"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(self.SCHEMA)

    def close(self) -> None:
        """Forget the table: its file is removed."""
        self._db.close()
        self._folder.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Snapshot(_Table):
    """The app's users as a plan needs them: writable fields and whether deactivated."""

    SCHEMA = "CREATE TABLE users (uid TEXT PRIMARY KEY, held TEXT, deactivated INT) WITHOUT ROWID"

    def add(self, user: User) -> None:
        held = {f: getattr(user, f) for f in FIELDS if f != "uid" and getattr(user, f) is not None}
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
