"""The plan of a bulk call, and its ledger. Sans-IO: it reads rows and answers, sends nothing.

Each row is planned with every local rule a write would meet (the uid rule, a repeated
uid, a create's required name and fields, the service's field limits, an update's name),
by the checks single calls use (`validation`), and, when the app's users were read
(`lookups.Snapshot`), against what the app holds: `create`, `update` (only the fields that
differ), `reactivate`, `unchanged`, `deactivate`, `delete`, `absent`, `exists` or `error`. A dry
run is the same plan with the writes left out, so its counts are the run's on an unchanged
app. The writes are flows, one per row; a rerun plans only what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.client import Core, Flow
from ..core.rest import AdminFlows
from ..errors import CometChatException, local_error
from ..models import User
from ..ratelimit import NOT_SENT
from ..secret import redact
from ..validation import (
    check_field_limits,
    check_new_user,
    check_profile_update,
    check_uid,
    user_fields,
)
from ..wire import ERR_UID_ALREADY_EXISTS, ERR_UID_NOT_FOUND
from .lookups import FirstRows, Snapshot
from .rows import Row

Verb = Literal["create", "update", "upsert", "deactivate", "delete"]
Action = Literal[
    "create", "update", "reactivate", "unchanged", "deactivate", "delete", "absent", "exists",
    "error",
]  # fmt: skip
#: A planned action -> the result it gives when done.
DONE = {
    "create": "created", "update": "updated", "unchanged": "unchanged", "exists": "exists",
    "reactivate": "reactivated", "deactivate": "deactivated", "delete": "deleted",
    "absent": "absent", "error": "error",
}  # fmt: skip
#: Actions that write.
WRITES = ("create", "update", "reactivate", "deactivate", "delete")
#: The code of a row whose uid an earlier row of the same input has (case aside).
DUPLICATE_UID = "DUPLICATE_UID"


class AuthKeyWrites:
    """The writes the auth key may do: creates (`Session.create_users`)."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def create_user(self, user: Mapping[str, Any], exist_ok: bool) -> Flow[User]:
        return self.core.create_user(user, None, exist_ok)


#: The flows a plan's writes use: the REST API key's, or the auth key's.
Writes = AdminFlows | AuthKeyWrites


@dataclass(frozen=True)
class Options:
    """What a bulk call was asked for (checked by `Job`)."""

    verb: Verb
    exist_ok: bool = False
    reactivate: bool = False
    dry_run: bool = False
    confirm: bool = True


def changes_of(fields: Mapping[str, Any], held: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a row that differ from what the app holds (tags compared as sets)."""
    changes: dict[str, Any] = {}
    for name, wanted in fields.items():
        have = held.get(name)
        differs = set(wanted) != set(have or ()) if name == "tags" else wanted != have
        if name != "uid" and differs:
            changes[name] = wanted
    return changes


@dataclass
class Step:
    """One row's plan, then its outcome."""

    action: Action
    changes: dict[str, Any] | None = None
    error: CometChatException | None = None
    deactivated: bool = False  # the app holds the user deactivated
    result: str | None = None  # set when the row is done (or known without a write)
    code: str | None = None
    message: str | None = None


def plan_row(options: Options, row: Row, app: Snapshot | None, seen: FirstRows) -> Step:
    """The plan of one row (`seen`: the first row of each uid met before)."""
    try:
        return _plan(options, row, app, seen)
    except CometChatException as exc:
        return Step("error", error=exc)


def _plan(options: Options, row: Row, app: Snapshot | None, seen: FirstRows) -> Step:
    if row.error is not None or row.fields is None:
        return Step("error", error=row.error)
    fields, verb = row.fields, options.verb
    uid = fields.get("uid")
    if verb == "create":
        check_new_user(user_fields(fields))
        check_field_limits(user_fields(fields))
    elif uid is None:
        raise local_error("UID_IS_COMPULSORY", "UID cannot be blank. Please provide a valid UID.")
    uid = check_uid(uid)
    if (first := seen.first(uid.lower(), row.position)) != row.position:
        raise local_error(
            DUPLICATE_UID, f"uid {uid!r} repeats the row at position {first}; only that is done."
        )
    user = None if app is None else app.get(uid.lower())
    if verb in ("deactivate", "delete"):
        if app is not None and user is None:
            return Step("absent")
        if verb == "deactivate" and user is not None and user[1]:
            return Step("unchanged")
        return Step(verb, deactivated=user is not None and user[1])
    if user is None:
        if verb == "update" and app is not None:
            raise local_error(ERR_UID_NOT_FOUND, f"No user {uid!r} to update.")
        if verb != "create":  # an upsert's create: the same checks as a create's
            check_new_user(user_fields(fields))
            check_field_limits(user_fields(fields))
        return Step("create", changes={k: v for k, v in fields.items() if k != "uid"})
    if verb == "create":
        if options.exist_ok:
            return Step("exists")
        raise local_error(ERR_UID_ALREADY_EXISTS, f"The uid {uid.lower()} already exists.")
    changes = changes_of(fields, user[0])
    check_profile_update(user_fields(changes))
    check_field_limits(user_fields(changes))
    if user[1]:
        if options.reactivate:
            return Step("reactivate", changes)
        raise local_error(
            "USER_DEACTIVATED", f"{uid!r} is deactivated: pass reactivate=True to bring it back."
        )
    return Step("update", changes) if changes else Step("unchanged", changes)


def write(step: Step, row: Row, writes: Writes, options: Options) -> Flow[str]:
    """The writes of one planned row; the result they give."""
    assert row.fields is not None
    uid, changes, action = row.fields["uid"], step.changes or {}, step.action
    try:
        if action == "create":
            yield from writes.create_user(row.fields, False)
        elif not isinstance(writes, AdminFlows):
            raise TypeError(f"the auth key cannot {action} users")
        elif action == "reactivate":
            yield from writes.reactivate_users([uid])
            if changes:
                yield from writes.update_user(uid, changes, ())
        elif action == "update":
            yield from writes.update_user(uid, changes, ())
        else:  # a deactivated user is deleted once back (the service finds it no more)
            if step.deactivated:
                yield from writes.reactivate_users([uid])
            yield from writes.delete_user(uid, action == "delete")
    except CometChatException as exc:
        if action == "create" and options.exist_ok and exc.code == ERR_UID_ALREADY_EXISTS:
            return "exists"
        if action in ("deactivate", "delete") and exc.code == ERR_UID_NOT_FOUND:
            return "absent"
        raise
    return DONE[action]


@dataclass
class Chunk:
    """A chunk of rows and their steps; `todo`: the indexes of those that write."""

    rows: list[Row]
    steps: list[Step]
    todo: list[int] = field(default_factory=list)


class Plan:
    """The rows of one bulk call, planned a chunk at a time; their outcomes counted."""

    def __init__(self, options: Options, chunks: Iterator[list[Row]], app: Snapshot | None,
                 on_done: Callable[[Step], None]) -> None:  # fmt: skip
        self.options = options
        self.app = app
        self.seen = FirstRows()
        self.counts: dict[str, int] = {}
        self.on_done = on_done
        self._chunks = chunks

    def chunks(self) -> Iterator[Chunk]:
        """The planned chunks; the rows that need no write are already done."""
        for rows in self._chunks:
            steps = [plan_row(self.options, row, self.app, self.seen) for row in rows]
            chunk = Chunk(rows, steps)
            for index, step in enumerate(steps):
                if step.action in WRITES and not self.options.dry_run:
                    chunk.todo.append(index)
                else:
                    self.finish(step, DONE[step.action] if step.error is None else step.error)
            yield chunk

    def close(self) -> None:
        """Forget the uids met (the plan is done)."""
        self.seen.close()

    def finish(self, step: Step, outcome: str | BaseException) -> None:
        """Record a row's outcome: a result, or the error that stopped it (redacted)."""
        if isinstance(outcome, str):
            step.result = outcome
        elif isinstance(outcome, CometChatException) and outcome.code == NOT_SENT:
            step.result = "not_started"  # held for the rate limit when interrupted: unsent
        elif isinstance(outcome, CometChatException):
            step.result, step.code, step.message = "error", outcome.code, redact(outcome.message)
        else:
            step.result, step.code = "error", type(outcome).__name__
            step.message = redact(str(outcome))
        self.counts[step.result] = self.counts.get(step.result, 0) + 1
        self.on_done(step)

    def not_started(self, step: Step) -> None:
        """A row left alone because the call was interrupted."""
        self.finish(step, "not_started")
