"""The emulator's users, auth tokens, roles, blocks and friends: dicts in memory,
mirrored to SQLite if asked.

Besides the dicts, the state keeps the users in list order (newest first) as a
sorted index, so a page of one million users is a slice, not a sort.
"""

from __future__ import annotations

import json
import sqlite3
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path
from typing import Any, Literal

from ..private import private_file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (uid TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, uid TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roles (role TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (uid TEXT, blocked TEXT, at INTEGER, PRIMARY KEY (uid, blocked));
CREATE TABLE IF NOT EXISTS friends (uid TEXT, friend TEXT, PRIMARY KEY (uid, friend));
"""
_UPSERT_USER = (
    "INSERT INTO users (uid, record) VALUES (?, ?) "
    "ON CONFLICT(uid) DO UPDATE SET record = excluded.record"
)

#: Which users a listing walks: the active ones (the default), all, or the deactivated ones.
Which = Literal["active", "all", "deactivated"]
# A user's place in list order: (createdAt, creation sequence, uid); newest is last.
Key = tuple[int, int, str]


def stamp(record: dict[str, Any]) -> int:
    """When a user last changed, for the list cursor: `updatedAt`, else `createdAt`."""
    changed: int = record.get("updatedAt", record["createdAt"])
    return changed


class State:
    """Users by lowercased uid and tokens by value, both in creation order; roles by name;
    who blocked whom (and when) and who befriended whom.

    Every change is committed to SQLite (WAL mode) before memory changes and the
    method returns, so a failed write changes nothing; callers hold the emulator's
    lock, so one connection serves all threads. `users` and `tokens` are read
    directly; every change goes through the methods, which keep the indexes.
    """

    def __init__(self, path: str | PathLike[str] | None = None) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self._user_tokens: dict[str, dict[str, dict[str, Any]]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        #: uid -> {blocked uid: when}, oldest block first; `blocked_by` is its mirror.
        self.blocks: dict[str, dict[str, int]] = {}
        self.blocked_by: dict[str, dict[str, int]] = {}
        #: uid -> its friends (friendship goes both ways).
        self.friends: dict[str, set[str]] = {}
        self._keys: dict[str, Key] = {}  # uid -> its place in `_order`
        self._order: list[Key] = []  # every user, oldest first
        self._deactivated: list[Key] = []  # the deactivated users' keys, sorted
        self._stamps: list[Key] = []  # (stamp, sequence, uid), sorted
        self._sequence = 0
        self._db: sqlite3.Connection | None = None
        if path is not None:
            if str(path) != ":memory:":  # owner-only: its WAL and SHM files take its mode
                private_file(Path(path))
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
        for _, record in self._db.execute("SELECT token, record FROM tokens ORDER BY rowid"):
            self._add_token(json.loads(record))
        for role, record in self._db.execute("SELECT role, record FROM roles ORDER BY rowid"):
            self.roles[role] = json.loads(record)
        for uid, blocked, at in self._db.execute("SELECT * FROM blocks ORDER BY rowid"):
            self._add_block(uid, blocked, at)
        for uid, friend in self._db.execute("SELECT uid, friend FROM friends"):
            self.friends.setdefault(uid, set()).add(friend)
        for uid, record in self.users.items():
            key = self._keys[uid] = (record["createdAt"], self._sequence, uid)
            self._sequence += 1
            self._order.append(key)
            self._stamps.append((stamp(record), key[1], uid))
            if record.get("deactivatedAt"):
                self._deactivated.append(key)
        for index in (self._order, self._deactivated, self._stamps):
            index.sort()

    def _write(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        if self._db is None:
            return
        with self._db:  # one transaction, committed on exit
            self._db.execute("BEGIN")
            for sql, args in statements:
                self._db.execute(sql, args)

    # -- users -----------------------------------------------------------------

    def put_user(self, record: dict[str, Any]) -> None:
        self.put_users([record])

    def put_users(self, records: list[dict[str, Any]]) -> None:
        """Create or replace users (a new uid goes last in creation order)."""
        # A generator: in memory only, no record is ever turned into JSON.
        self._write((_UPSERT_USER, (r["uid"], json.dumps(r))) for r in records)
        for record in records:
            old = self.users.get(record["uid"])
            self.users[record["uid"]] = record
            if old is None:
                self._index(record)
            else:
                self._reindex(old, record)

    def _index(self, record: dict[str, Any]) -> None:
        """Place a new user, last in creation order."""
        uid = record["uid"]
        key = self._keys[uid] = (record["createdAt"], self._sequence, uid)
        self._sequence += 1
        insort(self._order, key)
        insort(self._stamps, (stamp(record), key[1], uid))
        if record.get("deactivatedAt"):
            insort(self._deactivated, key)

    def _reindex(self, old: dict[str, Any], record: dict[str, Any]) -> None:
        """Move a changed user where its new `createdAt`, deactivation and stamp put it."""
        uid = record["uid"]
        key = self._keys[uid]
        moved = (record["createdAt"], key[1], uid)
        was, now = bool(old.get("deactivatedAt")), bool(record.get("deactivatedAt"))
        if was and (not now or moved != key):
            _remove(self._deactivated, key)
        if moved != key:
            _remove(self._order, key)
            insort(self._order, moved)
            self._keys[uid] = moved
        if now and (not was or moved != key):
            insort(self._deactivated, moved)
        if stamp(record) != stamp(old):
            _remove(self._stamps, (stamp(old), key[1], uid))
            insort(self._stamps, (stamp(record), key[1], uid))

    def delete_user(self, uid: str) -> None:
        """Remove the user and every token, block and friendship of theirs."""
        self._write(
            [
                ("DELETE FROM users WHERE uid = ?", (uid,)),
                ("DELETE FROM tokens WHERE uid = ?", (uid,)),
                ("DELETE FROM blocks WHERE uid = ? OR blocked = ?", (uid, uid)),
                ("DELETE FROM friends WHERE uid = ? OR friend = ?", (uid, uid)),
            ]
        )
        self._forget_relations(uid)
        record = self.users.pop(uid, None)
        if record is None:
            return
        key = self._keys.pop(uid)
        _remove(self._order, key)
        _remove(self._stamps, (stamp(record), key[1], uid))
        if record.get("deactivatedAt"):
            _remove(self._deactivated, key)
        for token in self._user_tokens.pop(uid, {}):
            del self.tokens[token]

    def count(self, which: Which) -> int:
        """How many users a listing of `which` holds."""
        if which == "all":
            return len(self._order)
        if which == "deactivated":
            return len(self._deactivated)
        return len(self._order) - len(self._deactivated)

    def page(self, which: Which, offset: int, limit: int) -> list[dict[str, Any]]:
        """`limit` users of `which`, newest first, after skipping the `offset` newest."""
        if which == "active" and self._deactivated:
            return self._active_page(offset, limit)
        index = self._deactivated if which == "deactivated" else self._order
        end = max(0, len(index) - offset)
        return [self.users[key[2]] for key in reversed(index[max(0, end - limit) : end])]

    def _active_page(self, offset: int, limit: int) -> list[dict[str, Any]]:
        # The largest position p whose suffix _order[p:] holds at least `offset` active users;
        # then _order[p:] holds exactly `offset` of them, and the page walks back from p - 1.
        low, high = 0, len(self._order)
        while low < high:
            middle = (low + high + 1) // 2
            if self._active_from(middle) >= offset:
                low = middle
            else:
                high = middle - 1
        page: list[dict[str, Any]] = []
        position = low - 1
        while position >= 0 and len(page) < limit:
            record = self.users[self._order[position][2]]
            if not record.get("deactivatedAt"):
                page.append(record)
            position -= 1
        return page

    def _active_from(self, position: int) -> int:
        """How many active users `_order[position:]` holds."""
        if position >= len(self._order):
            return 0
        deactivated = len(self._deactivated) - bisect_left(self._deactivated, self._order[position])
        return len(self._order) - position - deactivated

    def newest_stamp(self, which: Which) -> int | None:
        """The latest `updatedAt` (or `createdAt`) among `which`, for the list cursor."""
        if which == "deactivated":
            return max((stamp(self.users[k[2]]) for k in self._deactivated), default=None)
        for newest, _, uid in reversed(self._stamps):
            if which == "all" or not self.users[uid].get("deactivatedAt"):
                return newest
        return None

    def newest_first(self) -> Iterator[dict[str, Any]]:
        """Every user, newest first (for filtered listings, which must look at each)."""
        for key in reversed(self._order):
            yield self.users[key[2]]

    # -- tokens ----------------------------------------------------------------

    def _add_token(self, record: dict[str, Any]) -> None:
        self.tokens[record["authToken"]] = record
        self._user_tokens.setdefault(record["uid"], {})[record["authToken"]] = record

    def put_token(self, record: dict[str, Any]) -> None:
        if self._db is not None:
            values = (record["authToken"], record["uid"], json.dumps(record))
            self._write([("INSERT INTO tokens (token, uid, record) VALUES (?, ?, ?)", values)])
        self._add_token(record)

    def tokens_of(self, uid: str) -> list[dict[str, Any]]:
        """A user's tokens, newest first."""
        return list(reversed(self._user_tokens.get(uid, {}).values()))

    def delete_tokens(self, tokens: list[str]) -> None:
        self._write([("DELETE FROM tokens WHERE token = ?", (token,)) for token in tokens])
        for token in tokens:
            record = self.tokens.pop(token, None)
            if record is not None:
                owned = self._user_tokens[record["uid"]]
                del owned[token]
                if not owned:
                    del self._user_tokens[record["uid"]]

    # -- roles -----------------------------------------------------------------

    def put_role(self, record: dict[str, Any]) -> None:
        """Create or replace a role (by its `role`)."""
        upsert = "INSERT OR REPLACE INTO roles (role, record) VALUES (?, ?)"
        self._write([(upsert, (record["role"], json.dumps(record)))])
        self.roles[record["role"]] = record

    def delete_role(self, role: str) -> None:
        self._write([("DELETE FROM roles WHERE role = ?", (role,))])
        self.roles.pop(role, None)

    # -- blocks and friends ------------------------------------------------------

    def _add_block(self, uid: str, blocked: str, at: int) -> None:
        self.blocks.setdefault(uid, {})[blocked] = at
        self.blocked_by.setdefault(blocked, {})[uid] = at

    def block(self, uid: str, others: list[str], at: int) -> None:
        """`uid` blocks each of `others` (not yet blocked) at `at`."""
        new = [o for o in dict.fromkeys(others) if o not in self.blocks.get(uid, {})]
        insert = "INSERT INTO blocks (uid, blocked, at) VALUES (?, ?, ?)"
        self._write([(insert, (uid, other, at)) for other in new])
        for other in new:
            self._add_block(uid, other, at)

    def unblock(self, uid: str, others: list[str]) -> None:
        """`uid` unblocks each of `others`."""
        delete = "DELETE FROM blocks WHERE uid = ? AND blocked = ?"
        self._write([(delete, (uid, other)) for other in others])
        for other in others:
            _discard(self.blocks, uid, other)
            _discard(self.blocked_by, other, uid)

    def relation(self, uid: str, other: str) -> tuple[int | None, int | None]:
        """When `uid` blocked `other`, and when `other` blocked `uid` (None: not blocked)."""
        return self.blocks.get(uid, {}).get(other), self.blocked_by.get(uid, {}).get(other)

    def befriend(self, uid: str, others: list[str]) -> None:
        """`uid` and each of `others` become friends (both ways)."""
        insert = "INSERT OR IGNORE INTO friends (uid, friend) VALUES (?, ?)"
        self._write([(insert, pair) for o in others for pair in ((uid, o), (o, uid))])
        for other in others:
            self.friends.setdefault(uid, set()).add(other)
            self.friends.setdefault(other, set()).add(uid)

    def unfriend(self, uid: str, others: list[str]) -> None:
        """`uid` and each of `others` stop being friends."""
        delete = "DELETE FROM friends WHERE uid = ? AND friend = ?"
        self._write([(delete, pair) for o in others for pair in ((uid, o), (o, uid))])
        for other in others:
            _discard(self.friends, uid, other)
            _discard(self.friends, other, uid)

    def _forget_relations(self, uid: str) -> None:
        for blocked in self.blocks.pop(uid, {}):
            _discard(self.blocked_by, blocked, uid)
        for blocker in self.blocked_by.pop(uid, {}):
            _discard(self.blocks, blocker, uid)
        for friend in self.friends.pop(uid, set()):
            _discard(self.friends, friend, uid)

    def clear(self) -> None:
        """Forget every user, token, role, block and friendship."""
        tables = ("users", "tokens", "roles", "blocks", "friends")
        self._write([(f"DELETE FROM {table}", ()) for table in tables])
        for mapping in (self.users, self.tokens, self._user_tokens, self._keys, self.roles,
                        self.blocks, self.blocked_by, self.friends):  # fmt: skip
            mapping.clear()
        for index in (self._order, self._deactivated, self._stamps):
            index.clear()
        self._sequence = 0

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _discard(relation: dict[str, Any], uid: str, other: str) -> None:
    """Drop `other` from `relation[uid]` (a dict or set), and the entry once empty."""
    related = relation.get(uid)
    if related is not None and other in related:
        if isinstance(related, dict):
            del related[other]
        else:
            related.discard(other)
        if not related:
            del relation[uid]


def _remove(index: list[Key], key: Key) -> None:
    """Drop `key` from a sorted index."""
    position = bisect_left(index, key)
    if position < len(index) and index[position] == key:
        del index[position]
