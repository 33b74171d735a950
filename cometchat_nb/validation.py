"""Local checks run before anything is sent, in the official SDK's order (spec 7.2)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from .errors import CometChatException, local_error, missing_parameters
from .models import User
from .secret import Secret
from .wire import UID_CHARS, UID_MAX, UID_RULE, WRITABLE_FIELDS

_SNAKE_TO_WIRE = {"status_message": "statusMessage"}
#: The longest key or token taken: CometChat's are under 100 characters, and a header or
#: a path segment of a megabyte breaks the request before it is sent.
CREDENTIAL_MAX = 1000
#: The longest text an argument such as a search key takes (a query parameter keeps the
#: request target far under 64 KiB).
TEXT_MAX = 1000
#: The SDK's code for a bad value of each user field (spec 7.2).
_FIELD_CODES = {
    "uid": "INVALID_UID", "name": "INVALID_USER_NAME", "avatar": "INVALID_USER_AVATAR",
    "link": "INVALID_USER_LINK", "role": "INVALID_USER_ROLE",
    "statusMessage": "INVALID_USER_STATUS_MESSAGE", "metadata": "INVALID_USER_METADATA",
    "tags": "INVALID_USER_TAGS",
}  # fmt: skip
#: How deep `plain` follows nested objects and lists.
DEPTH_MAX = 32


def is_missing(value: Any) -> bool:
    """Whether `value` says "no value": None, NaN, `pd.NA`, `pd.NaT` (numpy's too)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    if isinstance(value, float) or (
        type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0
    ):
        try:
            return bool(value != value)
        except (TypeError, ValueError):
            return False
    return False


def scalar(value: Any) -> Any:
    """A numpy scalar as the Python value it holds; anything else as it is."""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.tolist()
    return value


def plain(name: str, value: Any, depth: int = 0) -> Any:
    """`value` as the JSON value it means, or a `TypeError`/`ValueError` naming `name`.

    The one conversion every outgoing value goes through (single calls and bulk rows):
    numpy and pandas scalars become Python's, datetimes and `Timestamp`s ISO 8601 text,
    numpy arrays lists, missing values (None, NaN, `pd.NA`, `NaT`) None. Refused: bytes,
    infinities, non-text keys, nesting deeper than `DEPTH_MAX`, any other object.
    """
    if is_missing(value):
        return None
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        value = value.tolist()  # a scalar to its Python value, an array to a list
        if is_missing(value):
            return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name} is {value!r}, which JSON cannot carry")
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if depth >= DEPTH_MAX:
        raise ValueError(f"{name} is nested deeper than {DEPTH_MAX} levels")
    if isinstance(value, Mapping):
        converted: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{name} has a key {key!r} that is not text")
            converted[key] = plain(f"{name}[{key!r}]", item, depth + 1)
        return converted
    if isinstance(value, list | tuple):
        return [plain(f"{name}[{i}]", item, depth + 1) for i, item in enumerate(value)]
    hint = ": decode them to text first" if isinstance(value, bytes | bytearray) else ""
    raise TypeError(f"{name} holds {type(value).__name__}, which JSON cannot carry{hint}")


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


def user_fields(user: User | Mapping[str, Any], name: str = "user") -> dict[str, Any]:
    """The writable wire fields of a `User` or a mapping (snake_case or camelCase keys),
    each made `plain` (a missing value leaves its field out); `name` names the argument."""
    check_user_argument(name, user)
    if isinstance(user, User):
        wire = user.to_dict()
    else:
        wire = {_SNAKE_TO_WIRE.get(str(k), str(k)): v for k, v in user.items()}
    fields: dict[str, Any] = {}
    for key in WRITABLE_FIELDS:
        try:
            value = plain(f"{name}[{key!r}]", wire[key]) if key in wire else None
        except (TypeError, ValueError) as exc:  # the field's own code: a bulk row reports it
            raise local_error(_FIELD_CODES[key], f"{exc}.") from None
        if value is not None:
            fields[key] = value
    return fields


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
        return _malformed("auth_token", auth_token)
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
    return _malformed("auth_key", auth_key)


def _malformed(name: str, value: str | Secret) -> CometChatException | None:
    """`MISSING_PARAMETERS` (the SDK's code for an unusable argument) naming `name`, when
    `value` cannot be a key or token; else None."""
    problem = credential_problem(Secret(value))
    return None if problem is None else missing_parameters(f"{name} {problem}.")


# Arguments of the public calls: a clear error naming the argument, before anything is sent.

_HEADER_SAFE = re.compile(r"[\x20-\x7e]+")  # printable ASCII: what a header value carries


def check_flag(name: str, value: Any) -> bool:
    """`value` if it is True or False (a string such as "false" is refused)."""
    value = scalar(value)
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return value


def check_text(name: str, value: Any, limit: int = TEXT_MAX) -> str | None:
    """`value` if it is None or a string of at most `limit` characters."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if value is not None and len(value) > limit:
        raise ValueError(f"{name} is {len(value):,} characters long; at most {limit:,} are taken")
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
            shown = item if not isinstance(item, str) else item[:40]
            raise TypeError(f"{name} takes a list of non-empty strings, not {shown!r} in it")
        check_text(name, item)
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
    if (problem := credential_problem(secret)) is not None:
        raise ValueError(f"{name} {problem}")
    return secret


def credential_problem(secret: Secret) -> str | None:
    """Why `secret` cannot be a CometChat key or token (too long, or not printable ASCII:
    a header carries nothing else), or None."""
    if len(secret.reveal()) > CREDENTIAL_MAX:
        return f"is longer than {CREDENTIAL_MAX:,} characters, which no CometChat key or token is"
    if secret.reveal() and not _HEADER_SAFE.fullmatch(secret.reveal()):
        return "holds characters no CometChat key or token has"
    return None


def as_secret(value: Any) -> Any:
    """`value` as a `Secret` when it is a string (else unchanged, to be checked later), so
    that no frame holds a typed key or token in the clear."""
    return Secret(value) if isinstance(value, str) else value


def check_user_argument(name: str, value: Any) -> User | Mapping[str, Any]:
    """`value` if it is a `User` or a mapping of user fields."""
    if not isinstance(value, User | Mapping):
        raise TypeError(f"{name} must be a User or a mapping, not {type(value).__name__}")
    return value


def check_bound(name: str, value: Any) -> int:
    """`value` as a buffer's bound: an integer, 0 or more (0: nothing kept)."""
    value = scalar(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be 0 or more, not {value}")
    return value


def check_seconds(name: str, value: Any) -> float:
    """`value` as a positive, finite number of seconds."""
    value = scalar(value)
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
