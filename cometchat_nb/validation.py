"""Local checks run before anything is sent, in the official SDK's order (spec 7.2)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .errors import CometChatException, local_error, missing_parameters
from .models import User
from .secret import Secret
from .wire import UID_CHARS, UID_MAX, UID_RULE, WRITABLE_FIELDS

_SNAKE_TO_WIRE = {"status_message": "statusMessage"}


def is_falsy(value: Any) -> bool:
    """The SDK's falsiness: None, False, 0, {}, and blank, "0", "null", "undefined" strings."""
    if isinstance(value, Secret):
        value = value.reveal()
    if isinstance(value, str):
        return value.strip() in ("", "0", "null", "undefined")
    if isinstance(value, dict):
        return not value
    return value is None or value is False or (isinstance(value, int | float) and value == 0)


def check_uid(uid: Any) -> str:
    """`uid` if it is 1-100 letters, digits, `_` or `-`; else `INVALID_UID`."""
    if not isinstance(uid, str):
        raise local_error("INVALID_UID", "UID should be a string.")
    if len(uid) > UID_MAX or not UID_CHARS.fullmatch(uid):
        shown = uid if len(uid) <= 40 else uid[:40] + "…"
        raise local_error("INVALID_UID", f"Invalid UID {shown!r}: a UID is {UID_RULE}.")
    return uid


def user_fields(user: User | Mapping[str, Any]) -> dict[str, Any]:
    """The writable wire fields of a `User` or a mapping (snake_case or camelCase keys)."""
    check_user_argument("user", user)
    if isinstance(user, User):
        wire = user.to_dict()
    else:
        wire = {_SNAKE_TO_WIRE.get(str(k), str(k)): v for k, v in user.items()}
    return {key: wire[key] for key in WRITABLE_FIELDS if key in wire and wire[key] is not None}


def check_new_user(fields: Mapping[str, Any]) -> None:
    """The SDK's `createUser` checks (after the auth key), then the uid rule."""
    if "uid" not in fields:
        raise local_error("UID_IS_COMPULSORY", "UID cannot be blank. Please provide a valid UID.")
    uid = fields["uid"]
    if not isinstance(uid, str):
        raise local_error("INVALID_UID", "UID should be a string.")
    if is_falsy(uid):
        raise local_error(
            "INVALID_UID", "Invalid UID provided for a user. Please provide a valid UID."
        )
    if "name" not in fields:
        raise local_error(
            "USER_NAME_IS_COMPULSORY",
            "User name cannot be blank. Please provide a valid User name.",
        )
    name = fields["name"]
    if not isinstance(name, str):
        raise local_error("INVALID_USER_NAME", "User name should be a string.")
    if is_falsy(name):
        raise local_error(
            "INVALID_USER_NAME", "Invalid name provided for a user. Please provide a valid name."
        )
    for key, code, label in (
        ("avatar", "INVALID_USER_AVATAR", "avatar"),
        ("metadata", "INVALID_USER_METADATA", "metadata"),
        ("link", "INVALID_USER_LINK", "link"),
        ("statusMessage", "INVALID_USER_STATUS_MESSAGE", "status message"),
        ("role", "INVALID_USER_ROLE", "role"),
    ):
        if fields.get(key) == "":
            raise local_error(code, f"User {label} cannot be empty.")
    if "tags" in fields:
        tags = fields["tags"]
        if not isinstance(tags, list):
            raise local_error("INVALID_USER_TAGS", "User tags should be an array.")
        if not tags:
            raise local_error(
                "INVALID_USER_TAGS",
                "The parameter User tags should be an array and it cannot be empty.",
            )
    check_uid(uid)


def check_profile_update(fields: Mapping[str, Any]) -> None:
    """Checks for a profile update: a given name must not be empty."""
    if "name" not in fields:
        return
    if not isinstance(fields["name"], str):
        raise local_error("INVALID_USER_NAME", "User name should be a string.")
    if not fields["name"].strip():
        raise local_error("INVALID_USER_NAME", "User name cannot be empty.")


def check_login(uid: Any, auth_key: Any, auth_token: Any) -> CometChatException | None:
    """The error `login` must fail with before sending anything, or None."""
    if uid is not None and auth_token is not None:
        return missing_parameters(
            "Pass either a uid (with an auth key) or an auth_token, not both."
        )
    if auth_token is not None or uid is None:
        if not isinstance(auth_token, str | Secret) or is_falsy(auth_token):
            return missing_parameters("An auth token (or a uid) is required to log in.")
        return None
    if is_falsy(uid):
        return missing_parameters("A uid is required to log in.")
    if not isinstance(auth_key, str | Secret) or is_falsy(auth_key):
        return missing_parameters(
            "An auth key is required to log in with a uid: pass auth_key= or set "
            "COMETCHAT_AUTH_KEY (or log in with an auth token)."
        )
    try:
        check_uid(uid)
    except CometChatException as exc:
        return exc
    return None


# Arguments of the public calls: a clear error naming the argument, before anything is sent.

_HEADER_SAFE = re.compile(r"[\x20-\x7e]+")  # printable ASCII: what a header value carries


def check_flag(name: str, value: Any) -> bool:
    """`value` if it is True or False (a string such as "false" is refused)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return value


def check_text(name: str, value: Any) -> str | None:
    """`value` if it is None or a string."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    return value


def check_strings(name: str, values: Any) -> list[str] | None:
    """`values` as a list of non-empty strings, or None; a lone string is refused
    (it would be split into characters)."""
    if values is None:
        return None
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} takes a list of strings, not a single string")
    if not isinstance(values, Iterable):
        raise TypeError(f"{name} takes a list of strings, not {type(values).__name__}")
    items = list(values)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise TypeError(f"{name} takes a list of non-empty strings, not {item!r} in it")
    return items


def check_credential(name: str, value: Any) -> Secret | None:
    """`value` as a `Secret` (None stays None): a key or token is printable ASCII.

    A header cannot carry anything else, and no CometChat key or token holds it.
    """
    if value is None:
        return None
    if not isinstance(value, str | Secret):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    secret = Secret(value)
    if secret.reveal() and not _HEADER_SAFE.fullmatch(secret.reveal()):
        raise ValueError(f"{name} holds characters no CometChat key or token has")
    return secret


def check_user_argument(name: str, value: Any) -> User | Mapping[str, Any]:
    """`value` if it is a `User` or a mapping of user fields."""
    if not isinstance(value, User | Mapping):
        raise TypeError(f"{name} must be a User or a mapping, not {type(value).__name__}")
    return value


def check_seconds(name: str, value: Any) -> float:
    """`value` as a positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {value!r}")
    if not 0 < value < float("inf"):
        raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
    return float(value)


# The service's limits on a user's fields (spec 6): checked before a bulk write, so that a
# plan refuses what the write would be refused (and a million-row job sends none of them).
_TEXT_LIMITS = {"name": 100, "avatar": 3000, "link": 3000, "role": 100, "statusMessage": 3000}


def check_field_limits(fields: Mapping[str, Any]) -> None:
    """The fields of a user body (wire names) within the service's limits; else the
    service's `ERR_BAD_REQUEST`, with its message for the first field out of bounds."""
    for key, limit in _TEXT_LIMITS.items():
        value = fields.get(key)
        if isinstance(value, str) and len(value) > limit:
            raise local_error(
                "ERR_BAD_REQUEST", f"The {key} must not be greater than {limit} characters."
            )
        if key in ("avatar", "link") and isinstance(value, str) and not _is_url(value):
            raise local_error("ERR_BAD_REQUEST", f"The {key} must be a valid URL.")
    tags = fields.get("tags")
    if isinstance(tags, list):
        if len(tags) > 25:
            raise local_error("ERR_BAD_REQUEST", "The tags must not have more than 25 items.")
        for i, tag in enumerate(tags):
            if isinstance(tag, str) and len(tag) > 100:
                raise local_error(
                    "ERR_BAD_REQUEST", f"The tags.{i} must not be greater than 100 characters."
                )
    metadata = fields.get("metadata")
    if isinstance(metadata, dict) and len(json.dumps(metadata, default=str)) > 5 * 1024:
        raise local_error("ERR_BAD_REQUEST", "The metadata must not be greater than 5 kilobytes.")


def _is_url(value: str) -> bool:
    """An absolute URL with a scheme and a host, no whitespace (spec 6)."""
    parts = urlsplit(value)
    return (
        not any(c.isspace() for c in value)
        and parts.scheme in ("http", "https")
        and bool(parts.netloc)
    )
