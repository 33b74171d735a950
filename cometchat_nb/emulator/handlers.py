"""The endpoints of spec 4: users, auth tokens, the current user, telemetry and settings.

Each handler takes the `Context` (the state and the app's configuration) and the
decoded `Call`, and returns the `data` to answer with (or a `Listing`); errors
are raised as `ServiceError`. Credentials are checked before a handler runs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..secret import Secret
from ..wire import CLIENT_API_VERSION
from . import jwt, listing, refusals
from .call import SOCKET_PATH, Call
from .creation import create_users
from .listing import Listing, active_user, one_page, wire_user
from .presence import Presence
from .state import State
from .user_checks import check_user_body, user_record_fields

_PROFILE_FIELDS = ("name", "avatar", "link", "metadata", "statusMessage", "tags")
_BOOLEAN_TEXT = {"true": True, "1": True, "false": False, "0": False}
_HOST_PORT = re.compile(r"(.*):(\d+)")


@dataclass(frozen=True, slots=True)
class Context:
    """What handlers work on: the state, and the app it belongs to as configured now."""

    state: State
    app_id: str
    region: str
    auth_key: Secret
    rest_api_key: Secret
    user_quota: int | None
    now: Callable[[], int]  # the emulator's clock, Unix seconds
    token_hex: Callable[[], str]  # 30 hex digits, the random tail of a new token
    signing_key: bytes  # signs the JWTs and wsChannel secrets of logins
    presence: Presence  # who is online: logins and live WebSockets


# -- helpers ---------------------------------------------------------------------


def _mint(context: Context, uid: str) -> dict[str, Any]:
    now = context.now()
    record = {"uid": uid, "authToken": f"{uid}_{now:010d}{context.token_hex()}", "createdAt": now}
    context.state.put_token(record)
    return record


def _session_data(context: Context, record: dict[str, Any], call: Call) -> dict[str, Any]:
    """The `/me` answer: the user plus the login's token, JWT, wsChannel and settings."""
    assert call.token is not None
    token: str = call.token["authToken"]
    data = wire_user(record, call)
    data["authToken"] = token
    data["jwt"] = jwt.mint(context.signing_key, context.app_id, record["uid"], token, context.now())
    data["wsChannel"] = {
        "identity": f"[{context.app_id}]{record['uid']}",
        "secret": hashlib.sha1(context.signing_key + token.encode()).hexdigest(),
        "service": "cometchat-nb-emulator",
    }
    data["settings"] = _settings(context, call)
    return data


def _settings(context: Context, call: Call) -> dict[str, Any]:
    """The app settings of a login (spec 4.12), pointing back where the caller came from.

    On a port of its own, `CHAT_HOST` follows the single-port recipe of spec 4.1, so the
    SDK's socket and online count reach this server on that port too.
    """
    host = call.host
    explicit = _HOST_PORT.fullmatch(host)
    name, port = explicit.groups() if explicit else (host, "443")
    return {
        "CLIENT_API_HOST": host,
        "ADMIN_API_HOST": host,
        "CHAT_API_VERSION": CLIENT_API_VERSION,
        "WS_API_VERSION": CLIENT_API_VERSION,
        "CHAT_HOST": f"{host}{SOCKET_PATH}?_=" if explicit else host,
        "CHAT_USE_SSL": True,
        "CHAT_WSS_PORT": port,
        "CHAT_WS_PORT": port,
        "ANALYTICS_HOST": host,
        "ANALYTICS_VERSION": "v1",
        "ANALYTICS_USE_SSL": True,
        "ANALYTICS_PING_DISABLED": True,
        "APP_VERSION": 4,
        "MODE": "DEFAULT",
        "REGION": context.region,
        "EXTENSION_DOMAIN": name,
        "extensions": [],
        "settingsHash": hashlib.sha256(context.app_id.encode()).hexdigest()[:16],
        "settingsHashReceivedAt": context.now(),
    }


def _check_body(body: dict[str, Any], *, create: bool) -> None:
    if problems := check_user_body(body, create=create):
        raise refusals.bad_request(problems.details)


def _check_role(context: Context, body: dict[str, Any]) -> None:
    role = body.get("role")
    if role is not None and role not in context.state.roles:
        raise refusals.role_not_found(role)


# -- users -----------------------------------------------------------------------


def create_user(context: Context, call: Call) -> dict[str, Any]:
    """`POST /users` (spec 4.1)."""
    body = call.body()
    (record,) = create_users(context.state, [body], quota=context.user_quota, now=context.now())
    data = wire_user(record, call)
    if body.get("withAuthToken") is True:
        data["authToken"] = _mint(context, record["uid"])["authToken"]
    return data


def get_user(context: Context, call: Call) -> dict[str, Any]:
    """`GET /users/{uid}` (spec 4.3), with the relationship fields for a token or
    `onBehalfOf` (sdk-users §3.3)."""
    return wire_user(active_user(context.state, call.segments[1]), call, context.state)


def list_users(context: Context, call: Call) -> Listing:
    """`GET /users` (spec 4.2, sdk-users §1)."""
    return listing.list_users(context.state, call)


def update_user(context: Context, call: Call) -> dict[str, Any]:
    """`PUT /users/{uid}` (spec 4.4)."""
    body = call.body()
    _check_body(body, create=False)
    _check_role(context, body)
    record = dict(active_user(context.state, call.segments[1]))
    for field in body.get("unset", []):
        record.pop(field, None)
    record.update(user_record_fields(body))
    record["updatedAt"] = context.now()
    context.state.put_user(record)
    return wire_user(record, call)


def delete_user(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /users/{uid}` (spec 4.5): deactivate, or remove with `permanent`."""
    permanent = call.body().get("permanent", False)
    if isinstance(permanent, str):
        permanent = _BOOLEAN_TEXT.get(permanent.lower(), permanent)
    if not isinstance(permanent, bool):
        raise refusals.bad_request({"permanent": ["The permanent field must be true or false."]})
    record = active_user(context.state, call.segments[1])
    uid = record["uid"]
    if permanent:
        context.presence.gone(uid, "User deleted")
        context.state.delete_user(uid)
        return {"success": True, "message": f"User with UID {uid} has been deleted successfully."}
    record = context.presence.gone(uid, "User deactivated")
    context.state.put_user({**record, "deactivatedAt": context.now()})
    return {"deactivatedUids": [uid]}


def uid_list(call: Call, key: str) -> list[str]:
    """The body's `key`: a non-empty list of strings, else `ERR_BAD_REQUEST`."""
    uids = call.body().get(key)
    if not isinstance(uids, list) or not uids or not all(isinstance(u, str) for u in uids):
        raise refusals.bad_request({key: [f"The {key} must be a non-empty array of strings."]})
    return uids


def deactivate_users(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /users` (spec 4.6)."""
    result: dict[str, list[str]] = {
        "deactivatedUids": [],
        "alreadyDeactivatedUids": [],
        "notFound": [],
    }
    now = context.now()
    state = context.state
    for uid in uid_list(call, "uidsToDeactivate"):
        record = state.users.get(uid.lower())
        if record is None:
            result["notFound"].append(uid)
        elif record.get("deactivatedAt"):
            result["alreadyDeactivatedUids"].append(record["uid"])
        else:
            record = context.presence.gone(record["uid"], "User deactivated")
            state.put_user({**record, "deactivatedAt": now})
            result["deactivatedUids"].append(record["uid"])
    return {k: v for k, v in result.items() if v}


def reactivate_users(context: Context, call: Call) -> dict[str, Any]:
    """`PUT /users` (spec 4.7)."""
    result: dict[str, list[str]] = {"reactivatedUids": [], "nonDeactivatedUids": [], "notFound": []}
    state = context.state
    for uid in uid_list(call, "uidsToActivate"):
        record = state.users.get(uid.lower())
        if record is None:
            result["notFound"].append(uid)
        elif not record.get("deactivatedAt"):
            result["nonDeactivatedUids"].append(record["uid"])
        else:
            state.put_user({k: v for k, v in record.items() if k != "deactivatedAt"})
            result["reactivatedUids"].append(record["uid"])
    return {k: v for k, v in result.items() if v}


# -- auth tokens -----------------------------------------------------------------


def create_token(context: Context, call: Call) -> dict[str, Any]:
    """`POST /users/{uid}/auth_tokens` (spec 4.8): a new token on every call."""
    body = call.body()
    if "force" in body and not isinstance(body["force"], bool):
        raise refusals.bad_request({"force": ["The force field must be true or false."]})
    return dict(_mint(context, active_user(context.state, call.segments[1])["uid"]))


def list_tokens(context: Context, call: Call) -> Listing:
    """`GET /users/{uid}/auth_tokens` (spec 4.9): newest first, no cursor."""
    uid = active_user(context.state, call.segments[1])["uid"]
    return one_page(call, context.state.tokens_of(uid))


def _token(context: Context, call: Call) -> dict[str, Any]:
    uid = active_user(context.state, call.segments[1])["uid"]
    record = context.state.tokens.get(call.segments[3])
    if record is None or record["uid"] != uid:
        raise refusals.auth_token_not_found()
    return record


def get_token(context: Context, call: Call) -> dict[str, Any]:
    """`GET /users/{uid}/auth_tokens/{authToken}` (spec 4.10)."""
    return dict(_token(context, call))


def update_token(context: Context, call: Call) -> dict[str, Any]:
    """`PUT /users/{uid}/auth_tokens/{authToken}` (spec 4.10): checked, not stored."""
    body = call.body()
    problems = {
        f: [f"The {f} must be a {kind}."]
        for f, kind, types in (
            ("platform", "string", str),
            ("userAgent", "string", str),
            ("appInfo", "object", dict),
        )
        if f in body and not isinstance(body[f], types)
    }
    if problems:
        raise refusals.bad_request(problems)
    return dict(_token(context, call))


def delete_token(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /users/{uid}/auth_tokens/{authToken}` (spec 4.10)."""
    context.state.delete_tokens([_token(context, call)["authToken"]])
    return {"success": True, "message": "Auth token deleted successfully."}


def flush_tokens(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /users/{uid}/auth_tokens` (spec 4.11)."""
    uid = active_user(context.state, call.segments[1])["uid"]
    context.state.delete_tokens([t["authToken"] for t in context.state.tokens_of(uid)])
    return {"success": True, "message": f"Cleared Auth Tokens successfully for uid {uid}."}


# -- the current user ------------------------------------------------------------


def _me(context: Context, call: Call) -> dict[str, Any]:
    assert call.token is not None
    return context.state.users[call.token["uid"]]


def get_me(context: Context, call: Call) -> dict[str, Any]:
    """`GET /me` (spec 4.13)."""
    return _session_data(context, _me(context, call), call)


def put_me(context: Context, call: Call) -> dict[str, Any]:
    """`PUT /me` (spec 4.12, 4.13): a login with a device body, else a profile update."""
    body = call.body()
    record = dict(_me(context, call))
    profile = {k: v for k, v in body.items() if k not in ("uid", "role")}
    if any(k in profile for k in _PROFILE_FIELDS):
        _check_body(profile, create=False)
        record.update(user_record_fields(profile))
        record["updatedAt"] = context.now()
        context.state.put_user(record)
    else:  # a login
        record = context.presence.logged_in(record["uid"], call.headers.get("resource", ""))
    return _session_data(context, record, call)


def logout(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /me` (spec 4.14): revokes the presented token."""
    assert call.token is not None
    token = call.token["authToken"]
    context.state.delete_tokens([token])
    context.presence.logged_out(call.token["uid"], token, call.headers.get("resource", ""))
    return {"success": True, "message": "User logged out successfully."}


def user_sessions(context: Context, call: Call) -> dict[str, Any]:
    """`POST /user_sessions` (spec 4.15): telemetry, echoed and dropped."""
    session_id = call.body().get("sessionId")
    return {"sessionId": session_id if isinstance(session_id, str) else ""}


def get_settings(context: Context, call: Call) -> dict[str, Any]:
    """`GET /settings` (spec 4.15)."""
    return _settings(context, call)


def online_members(context: Context, call: Call) -> dict[str, Any]:
    """`POST /api/{v}/online-members` (spec 4): the app's online users, counted.

    The SDK's group count sends `groups`: there are no groups here, so it is refused.
    """
    if call.segments[1] != CLIENT_API_VERSION:
        raise refusals.invalid_version(call.segments[1])
    if "groups" in call.body():
        raise refusals.bad_request({"groups": ["The emulator keeps no groups."]})
    return {"onlineUsersCount": context.presence.online_count()}
