"""Creating users: the one state operation behind `POST /users` and `Emulator.add_users`.

Each body is checked as the service checks it (fields, role, a uid not taken, the
plan's user quota) before anything is stored; a refusal is the service's error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import refusals
from .state import State
from .user_checks import check_user_body, new_user_record


def create_users(
    state: State,
    bodies: Iterable[Mapping[str, Any]],
    *,
    quota: int | None,
    now: int,
) -> list[dict[str, Any]]:
    """Store a user record for each body, all or none; return the records.

    Raises `ServiceError` (`ERR_BAD_REQUEST`, `ERR_ROLE_NOT_FOUND`,
    `ERR_UID_ALREADY_EXISTS`, `ERR_PLAN_QUOTA_RESTRICTION`), storing nothing.
    """
    records: dict[str, dict[str, Any]] = {}
    for body in bodies:
        if problems := check_user_body(body, create=True):
            raise refusals.bad_request(problems.details)
        role = body.get("role")
        if role is not None and role not in state.roles:
            raise refusals.role_not_found(role)
        uid = body["uid"].lower()
        if uid in state.users or uid in records:
            raise refusals.uid_exists(uid)
        if quota is not None and len(state.users) + len(records) >= quota:
            raise refusals.quota_exhausted(quota)
        records[uid] = new_user_record(body, now)
    state.put_users(list(records.values()))
    return list(records.values())
