"""The service's server-side validation of user bodies (spec 6), as the emulator applies it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..wire import UID_CHARS, UNSETTABLE_FIELDS

_URL_FIELDS = ("avatar", "link")


class Problems:
    """Collects `details` messages per field, as the service lists every failure at once."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.details.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.details)


def _string(problems: Problems, body: Mapping[str, Any], field: str, limit: int) -> str | None:
    value = body[field]
    if not isinstance(value, str):
        problems.add(field, f"The {field} must be a string.")
        return None
    if len(value) > limit:
        problems.add(field, f"The {field} must not be greater than {limit} characters.")
    return value


def _valid_url(value: str) -> bool:
    if any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def check_user_body(body: Mapping[str, Any], *, create: bool) -> Problems:
    """Every failing field of a create (`create=True`) or update body."""
    problems = Problems()
    if create:
        for field in ("uid", "name"):
            if field not in body or body[field] is None or body[field] == "":
                problems.add(field, f"The {field} field is required.")
        if "uid" not in problems.details:
            uid = _string(problems, body, "uid", 100)
            if uid is not None and not UID_CHARS.fullmatch(uid):
                problems.add(
                    "uid", "The uid may only contain letters, numbers, dashes and underscores."
                )
    if "name" in body and "name" not in problems.details:
        if body["name"] == "" or body["name"] is None:
            problems.add("name", "The name field must have a value.")
        else:
            _string(problems, body, "name", 100)
    for field in _URL_FIELDS:
        value = _string(problems, body, field, 3000) if field in body else None
        if value is not None and not _valid_url(value):
            problems.add(field, f"The {field} must be a valid URL.")
    for field in ("role", "statusMessage"):
        if field in body:
            _string(problems, body, field, 100 if field == "role" else 3000)
    if "metadata" in body:
        metadata = body["metadata"]
        if not isinstance(metadata, dict | str):
            problems.add("metadata", "The metadata must be an object.")
        elif len(json.dumps(metadata)) > 5 * 1024:
            problems.add("metadata", "The metadata must not be greater than 5 kilobytes.")
    if "tags" in body:
        _check_tags(problems, body["tags"])
    if not create and "unset" in body:
        unset = body["unset"]
        if not isinstance(unset, list):
            problems.add("unset", "The unset must be an array.")
        else:
            for i, item in enumerate(unset):
                if item not in UNSETTABLE_FIELDS:
                    problems.add(f"unset.{i}", f"The selected unset.{i} is invalid.")
    if create and "withAuthToken" in body and not isinstance(body["withAuthToken"], bool):
        problems.add("withAuthToken", "The with auth token field must be true or false.")
    return problems


def _check_tags(problems: Problems, tags: Any) -> None:
    if not isinstance(tags, list):
        problems.add("tags", "The tags must be an array.")
        return
    if len(tags) > 25:
        problems.add("tags", "The tags must not have more than 25 items.")
    for i, tag in enumerate(tags):
        field = f"tags.{i}"
        if tag is None or tag == "":
            problems.add(field, f"The {field} field is required.")
        elif not isinstance(tag, str):
            problems.add(field, f"The {field} must be a string.")
        elif len(tag) > 100:
            problems.add(field, f"The {field} must not be greater than 100 characters.")


def user_record_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The stored fields of a validated body (metadata strings wrapped, spec 5)."""
    fields = {
        key: body[key]
        for key in ("name", "avatar", "link", "role", "statusMessage", "metadata", "tags")
        if key in body and body[key] is not None
    }
    if isinstance(fields.get("metadata"), str):
        fields["metadata"] = {"rawMetadata": fields["metadata"]}
    return fields


def new_user_record(body: Mapping[str, Any], now: int) -> dict[str, Any]:
    """A new user's record from a validated create body, created at `now`: the uid
    lowercased, offline, and the `default` role unless the body names one."""
    fields = user_record_fields(body)
    return {
        "uid": body["uid"].lower(),
        **fields,
        "status": "offline",
        "role": fields.get("role", "default"),  # a given role keeps its place among the fields
        "createdAt": now,
    }
