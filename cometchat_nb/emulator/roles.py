"""The REST roles API (`/roles`, `/roles/{role}`, REST API key): create, list, get, update,
delete. A user's `role` must name one of these (spec 4.1, 6)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import refusals
from .call import Call
from .handlers import Context
from .listing import Listing, one_page
from .state import State

#: The role every app has; it cannot be deleted.
DEFAULT_ROLE = "default"
_ROLE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_TEXTS = (("name", 100), ("description", 255))
_OBJECTS = ("metadata", "settings")


def seed_roles(state: State, names: Iterable[str], now: int) -> None:
    """Create `default` and each of `names` that does not exist yet (configured roles)."""
    for role in (DEFAULT_ROLE, *names):
        if role not in state.roles:
            name = "Default Role" if role == DEFAULT_ROLE else role
            state.put_role({"role": role, "name": name, "createdAt": now})


def _check(body: dict[str, Any], *, create: bool) -> None:
    problems: dict[str, list[str]] = {}
    if create:
        role = body.get("role")
        if not isinstance(role, str) or not role:
            problems["role"] = ["The role field is required."]
        elif not _ROLE_ID.fullmatch(role):
            problems["role"] = [
                "The role may only contain letters, numbers, dashes and underscores."
            ]
        if body.get("name") in (None, ""):
            problems["name"] = ["The name field is required."]
    for field, limit in _TEXTS:
        value = body.get(field)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            problems[field] = [f"The {field} must be a string of at most {limit} characters."]
    if not create and body.get("name") == "":
        problems["name"] = ["The name field must have a value."]
    for field in _OBJECTS:
        if field in body and not isinstance(body[field], dict):
            problems[field] = [f"The {field} must be an object."]
    unset = body.get("unset", [])
    if not isinstance(unset, list) or any(f not in ("description", *_OBJECTS) for f in unset):
        problems["unset"] = ["The selected unset is invalid."]
    if problems:
        raise refusals.bad_request(problems)


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("name", "description", *_OBJECTS) if body.get(k) is not None}


def _existing(context: Context, call: Call) -> dict[str, Any]:
    record = context.state.roles.get(call.segments[1].lower())
    if record is None:
        raise refusals.role_not_found(call.segments[1].lower())
    return record


def create_role(context: Context, call: Call) -> dict[str, Any]:
    """`POST /roles {"role", "name", "description"?, "metadata"?, "settings"?}`."""
    body = call.body()
    _check(body, create=True)
    role = body["role"].lower()
    if role in context.state.roles:
        raise refusals.role_exists(role)
    record = {"role": role, **_fields(body), "createdAt": context.now()}
    context.state.put_role(record)
    return dict(record)


def list_roles(context: Context, call: Call) -> Listing:
    """`GET /roles`: every role, in creation order."""
    return one_page(call, list(context.state.roles.values()))


def get_role(context: Context, call: Call) -> dict[str, Any]:
    """`GET /roles/{role}`."""
    return dict(_existing(context, call))


def update_role(context: Context, call: Call) -> dict[str, Any]:
    """`PUT /roles/{role}`: `name`, `description`, `metadata`, `settings`, and `unset`."""
    body = call.body()
    _check(body, create=False)
    record = dict(_existing(context, call))
    for field in body.get("unset", []):
        record.pop(field, None)
    record.update(_fields(body))
    record["updatedAt"] = context.now()
    context.state.put_role(record)
    return dict(record)


def delete_role(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /roles/{role}`; `default` cannot be deleted."""
    role = _existing(context, call)["role"]
    if role == DEFAULT_ROLE:
        raise refusals.bad_request({"role": ["The default role cannot be deleted."]})
    context.state.delete_role(role)
    return {"success": True, "message": f"Role {role} deleted successfully."}
