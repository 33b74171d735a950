"""The emulator's users and auth tokens: dicts in memory, mirrored to SQLite if asked."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from os import PathLike
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (uid TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, uid TEXT NOT NULL, record TEXT NOT NULL);
"""


class State:
    """Users by lowercased uid and tokens by value, both in creation order.

    Every change is committed to SQLite (WAL mode) before memory changes and the
    method returns, so a failed write changes nothing; callers hold the emulator's
    lock, so one connection serves all threads.
    """

    def __init__(self, path: str | PathLike[str] | None = None) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._load()

    @property
    def persistent(self) -> bool:
        return self._db is not None

    def _load(self) -> None:
        assert self._db is not None
        for uid, record in self._db.execute("SELECT uid, record FROM users ORDER BY rowid"):
            self.users[uid] = json.loads(record)
        for token, record in self._db.execute("SELECT token, record FROM tokens ORDER BY rowid"):
            self.tokens[token] = json.loads(record)

    def _write(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        if self._db is None:
            return
        with self._db:  # one transaction, committed on exit
            self._db.execute("BEGIN")
            for sql, args in statements:
                self._db.execute(sql, args)

    _UPSERT_USER = (
        "INSERT INTO users (uid, record) VALUES (?, ?) "
        "ON CONFLICT(uid) DO UPDATE SET record = excluded.record"
    )

    def put_user(self, record: dict[str, Any]) -> None:
        self.put_users([record])

    def put_users(self, records: list[dict[str, Any]]) -> None:
        self._write([(self._UPSERT_USER, (r["uid"], json.dumps(r))) for r in records])
        for record in records:
            self.users[record["uid"]] = record

    def delete_user(self, uid: str) -> None:
        """Remove the user and every token of theirs."""
        self._write(
            [
                ("DELETE FROM users WHERE uid = ?", (uid,)),
                ("DELETE FROM tokens WHERE uid = ?", (uid,)),
            ]
        )
        self.users.pop(uid, None)
        for token in [t for t, r in self.tokens.items() if r["uid"] == uid]:
            del self.tokens[token]

    def put_token(self, record: dict[str, Any]) -> None:
        self._write(
            [
                (
                    "INSERT INTO tokens (token, uid, record) VALUES (?, ?, ?)",
                    (record["authToken"], record["uid"], json.dumps(record)),
                )
            ]
        )
        self.tokens[record["authToken"]] = record

    def delete_tokens(self, tokens: list[str]) -> None:
        self._write([("DELETE FROM tokens WHERE token = ?", (token,)) for token in tokens])
        for token in tokens:
            self.tokens.pop(token, None)

    def clear(self) -> None:
        self._write([("DELETE FROM users", ()), ("DELETE FROM tokens", ())])
        self.users.clear()
        self.tokens.clear()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
