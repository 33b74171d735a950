"""Provisioning with the REST API key, sans-IO: rows from a spreadsheet, a plan, row flows.

`row_of` reads a row of a frame (or records, or uids) the way spreadsheets give it:
numeric uids become strings, `tags` as `"a,b"` and `metadata` as a JSON string are parsed, unknown
columns are refused by name. A `Job` compares the rows with the app's users (read page
by page beforehand) and plans each row: `create`, `update` (only the fields that
differ), `reactivate`, `unchanged`, `deactivate`, `delete`, `absent`, or `error`. Its
flows do the writes, one row each; a rerun plans only what is left, so a job cut half
way is finished by running it again.
"""

from __future__ import annotations

import ast
import json
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import CometChatException, local_error
from ..models import User
from ..validation import check_uid, user_fields
from .client import Flow
from .rest import AdminFlows

#: The columns a row may set (snake_case; `statusMessage` is read as `status_message`).
FIELDS = ("uid", "name", "avatar", "link", "role", "status_message", "metadata", "tags")
#: Columns of an exported users frame that describe the service's side: ignored.
READ_ONLY = (
    "status", "created_at", "updated_at", "last_active_at", "deactivated_at",
    "has_blocked_me", "blocked_by_me",
)  # fmt: skip
_ALIASES = {
    "statusMessage": "status_message", "createdAt": "created_at", "updatedAt": "updated_at",
    "lastActiveAt": "last_active_at", "deactivatedAt": "deactivated_at",
    "hasBlockedMe": "has_blocked_me", "blockedByMe": "blocked_by_me",
}  # fmt: skip
#: What a row can come to (the `result` column).
RESULTS = [
    "created", "updated", "unchanged", "reactivated", "exists",
    "deactivated", "deleted", "absent", "error",
]  # fmt: skip
#: A planned action -> the result it gives when done.
DONE = {
    "create": "created", "update": "updated", "unchanged": "unchanged",
    "reactivate": "reactivated", "deactivate": "deactivated", "delete": "deleted",
    "absent": "absent", "error": "error",
}  # fmt: skip
Row = dict[str, Any]


def _empty(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    if isinstance(value, list | tuple | dict | set):
        return not value
    try:
        return bool(value != value)  # NaN, NA, NaT
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> Any:
    """A cell as text: 12 (int64 from a CSV) and 12.0 (a column with gaps) as "12"."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return ast.literal_eval(text)  # a frame written by to_csv: Python's repr


def _cell(column: str, value: Any) -> Any:
    """A spreadsheet cell as the field's value (ValueError when it cannot be one)."""
    if column == "tags":
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                value = _literal(text)
            else:
                return [tag.strip() for tag in text.split(",") if tag.strip()]
        if hasattr(value, "tolist"):
            value = value.tolist()
        if not isinstance(value, list | tuple):
            raise ValueError(f"tags must be a list or 'a,b' text, not {value!r}")
        return [str(_text(tag)) for tag in value]
    if column == "metadata":
        if isinstance(value, str):
            try:
                value = _literal(value.strip())
            except (ValueError, SyntaxError):
                raise ValueError(f"metadata is not JSON: {value[:40]!r}") from None
        if not isinstance(value, Mapping):
            raise ValueError(f"metadata must be a JSON object, not {value!r}")
        return dict(value)
    value = _text(value)
    return str(value) if isinstance(value, float) else value


def check_columns(columns: Iterable[Any], strict: bool) -> list[str]:
    """The columns rows are read from; unknown ones raise ValueError naming them
    (with `strict=False`: a warning, and they are left out)."""
    names = [_ALIASES.get(str(c), str(c)) for c in columns]
    unknown = [n for n in names if n not in FIELDS and n not in READ_ONLY]
    if unknown:
        message = (
            f"unknown column(s) {', '.join(repr(n) for n in unknown)}: a row may have "
            f"{', '.join(FIELDS)} (and an exported frame's {', '.join(READ_ONLY)}, ignored)"
        )
        if strict:
            raise ValueError(message + "; pass strict=False to leave them out")
        warnings.warn(message + "; left out", UserWarning, stacklevel=4)
    return [n for n in names if n in FIELDS]


def row_of(record: Mapping[str, Any], columns: Iterable[str]) -> Row | CometChatException:
    """One input row as fields (empty cells left out), or the error that makes it unusable."""
    row: Row = {}
    try:
        for column in columns:
            value = record.get(column)
            if column == "status_message" and value is None:
                value = record.get("statusMessage")
            if not _empty(value) and not _empty(cell := _cell(column, value)):
                row[column] = cell  # "{}" and "[]" (a frame written by to_csv) say "not set"
        row["uid"] = check_uid(row.get("uid"))
    except CometChatException as exc:
        return exc
    except (ValueError, SyntaxError, TypeError) as exc:
        return local_error("INVALID_ROW", str(exc))
    return row


def changes_of(row: Row, user: User) -> Row:
    """The fields of `row` that differ from `user` (tags compared as sets)."""
    changes: Row = {}
    for field, wanted in row.items():
        if field == "uid":
            continue
        have = getattr(user, field)
        if field == "tags":
            if set(wanted) != set(have or ()):
                changes[field] = wanted
        elif wanted != have:
            changes[field] = wanted
    return changes


class Job:
    """The rows of one bulk call, their plan and their outcomes."""

    def __init__(self, rows: list[Row | CometChatException]) -> None:
        self.rows = rows
        self.actions: list[str] = []
        self.changes: list[Row | None] = []
        self.outcomes: list[tuple[str, str | None, str | None] | None] = [None] * len(rows)
        self.errors: dict[int, CometChatException] = {}
        seen: dict[str, int] = {}
        for position, row in enumerate(rows):
            if isinstance(row, CometChatException):
                self.errors[position] = row
                continue
            uid = row["uid"].lower()
            if uid in seen:
                self.errors[position] = local_error(
                    "DUPLICATE_UID",
                    f"uid {row['uid']!r} repeats the row at position {seen[uid]}; "
                    "only that row is done.",
                )
            else:
                seen[uid] = position

    def row(self, position: int) -> Row:
        row = self.rows[position]
        assert not isinstance(row, CometChatException)
        return row

    def plan(self, verb: str, users: Mapping[str, User] | None, reactivate: bool = False) -> None:
        """Plan each row of a `create`, `update`, `upsert`, `deactivate` or `delete`;
        `users` are the app's (deactivated included) by lowercase uid, None when unread."""
        self.actions, self.changes = [], []
        for position in range(len(self.rows)):
            action, changes = "error", None
            if position not in self.errors:
                row = self.row(position)
                user = None if users is None else users.get(row["uid"].lower())
                action, changes = self._action(position, verb, row, user, users, reactivate)
            self.actions.append(action)
            self.changes.append(changes)

    def _action(
        self, position: int, verb: str, row: Row, user: User | None,
        users: Mapping[str, User] | None, reactivate: bool,
    ) -> tuple[str, Row | None]:  # fmt: skip
        if verb in ("deactivate", "delete"):
            if users is not None and user is None:
                return "absent", None
            if verb == "deactivate" and user is not None and user.deactivated_at is not None:
                return "unchanged", None
            return verb, None
        if user is None:
            if verb == "update" and users is not None:
                self.errors[position] = local_error(
                    "ERR_UID_NOT_FOUND", f"No user {row['uid']!r} to update."
                )
                return "error", None
            return "create", {k: v for k, v in row.items() if k != "uid"}
        changes = changes_of(row, user)
        if verb == "create":
            self.errors[position] = local_error(
                "ERR_UID_ALREADY_EXISTS", f"The uid {row['uid'].lower()} already exists."
            )
            return "error", None
        if user.deactivated_at is not None:
            if reactivate:
                return "reactivate", changes
            self.errors[position] = local_error(
                "USER_DEACTIVATED",
                f"{row['uid']!r} is deactivated: pass reactivate=True to bring it back.",
            )
            return "error", None
        return ("update", changes) if changes else ("unchanged", changes)

    def flow(self, position: int, flows: AdminFlows, exist_ok: bool = False) -> Flow[str]:
        """The writes of one planned row; its result."""
        action, row = self.actions[position], self.row(position)
        uid, changes = row["uid"], self.changes[position]
        if action == "create":
            try:
                yield from flows.create_user(row, exist_ok=False)
            except CometChatException as exc:
                if exist_ok and exc.code == "ERR_UID_ALREADY_EXISTS":
                    return "exists"
                raise
        elif action == "reactivate":
            yield from flows.reactivate_users([uid])
            if changes:
                yield from flows.update_user(uid, user_fields(changes), ())
        elif action == "update" and changes:
            yield from flows.update_user(uid, user_fields(changes), ())
        elif action in ("deactivate", "delete"):
            try:
                yield from flows.delete_user(uid, permanent=action == "delete")
            except CometChatException as exc:
                if exc.code == "ERR_UID_NOT_FOUND":
                    return "absent"
                raise
        return DONE[action]

    def todo(self) -> list[int]:
        """The rows that need a write."""
        return [
            p
            for p, action in enumerate(self.actions)
            if action not in ("unchanged", "absent", "error")
        ]

    def finish(self, position: int, outcome: str | BaseException) -> None:
        """Record one row's outcome."""
        if isinstance(outcome, str):
            self.outcomes[position] = (outcome, None, None)
        elif isinstance(outcome, CometChatException):
            self.outcomes[position] = ("error", outcome.code, outcome.message)
        else:
            self.outcomes[position] = ("error", type(outcome).__name__, str(outcome))

    def settle_planned(self) -> None:
        """Give the rows that need no write their outcome (after `plan`)."""
        for position, action in enumerate(self.actions):
            if action in ("unchanged", "absent"):
                self.finish(position, DONE[action])
            elif action == "error":
                self.finish(position, self.errors[position])

    def records(self, dry_run: bool) -> list[dict[str, Any]]:
        """The result rows: what was done, or with `dry_run` what would be."""
        records = []
        for position, row in enumerate(self.rows):
            uid = name = None
            if not isinstance(row, CometChatException):
                uid, name = row["uid"], row.get("name")
            outcome = self.outcomes[position]
            if dry_run or outcome is None:
                error = self.errors.get(position)
                action = self.actions[position] if self.actions else "error"
                outcome = (
                    DONE[action] if error is None else "error",
                    None if error is None else error.code,
                    None if error is None else error.message,
                )
            result, code, message = outcome
            records.append(
                {
                    "uid": uid, "name": name, "result": result,
                    "changes": self.changes[position] if self.changes else None,
                    "error_code": code, "error_message": message,
                }
            )  # fmt: skip
        return records


def uid_rows(uids: Iterable[Any]) -> list[Row | CometChatException]:
    """Rows of only a uid, from a list of uids."""
    return [row_of({"uid": uid}, ["uid"]) for uid in uids]
