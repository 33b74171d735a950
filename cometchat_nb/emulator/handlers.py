"""The endpoints of spec 4: users, auth tokens, the current user, telemetry and settings.

Each handler takes the `Context` (the state and the app's configuration) and the
decoded `Call`, and returns the `data` to answer with (or a `Listing`); errors
are raised as `ServiceError`. Credentials are checked before a handler runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from math import ceil
from typing import Any

from ..secret import Secret
from ..wire import CLIENT_API_VERSION, UID_CHARS
from . import refusals
from .call import Call
from .creation import create_users
from .snapshots import served_avatar
from .state import State, Which, stamp
from .user_checks import check_user_body, user_record_fields

_PROFILE_FIELDS = ("name", "avatar", "link", "metadata", "statusMessage", "tags")
_BOOLEAN_TEXT = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True, slots=True)
class Context:
    """What handlers work on: the state, and the app it belongs to as configured now."""

    state: State
    app_id: str
    region: str
    auth_key: Secret
    rest_api_key: Secret
    roles: set[str]
    user_quota: int | None
    now: Callable[[], int]  # the emulator's clock, Unix seconds
    token_hex: Callable[[], str]  # 30 hex digits, the random tail of a new token
    signing_key: bytes  # signs the JWTs and wsChannel secrets of logins


@dataclass(frozen=True, slots=True)
class Listing:
    """A list answer: `data` plus `meta`."""

    data: list[Any]
    meta: dict[str, Any]


# -- helpers ---------------------------------------------------------------------


def _active_user(context: Context, uid: str) -> dict[str, Any]:
    record = context.state.users.get(uid.lower()) if UID_CHARS.fullmatch(uid) else None
    if record is None or record.get("deactivatedAt"):
        raise refusals.uid_not_found(uid.lower())
    return record


def _wire(record: dict[str, Any], call: Call, *, tags: bool = True) -> dict[str, Any]:
    """A user as the caller sees it: online is "online" to clients, "available" to REST."""
    user = {k: v for k, v in record.items() if tags or k != "tags"}
    if "avatar" in user:  # the emulator's own avatars, on the address the caller used
        user["avatar"] = served_avatar(user["avatar"], call.host)
    if user.get("status") != "offline":
        user["status"] = "online" if call.scope == "token" else "available"
    return user


def _mint(context: Context, uid: str) -> dict[str, Any]:
    now = context.now()
    record = {"uid": uid, "authToken": f"{uid}_{now:010d}{context.token_hex()}", "createdAt": now}
    context.state.put_token(record)
    return record


def _paging(call: Call) -> tuple[int, int]:
    """(perPage, page) from the query; out of range is `ERR_BAD_REQUEST`."""
    problems: dict[str, list[str]] = {}
    numbers: dict[str, int] = {}
    for name, default, low, high in (("perPage", 100, 1, 1000), ("page", 1, 1, 10**9)):
        raw = call.param(name)
        try:
            numbers[name] = default if raw is None else int(raw)
            if not low <= numbers[name] <= high:
                raise ValueError
        except ValueError:
            words = "per page" if name == "perPage" else "page"
            problems[name] = [f"The {words} must be an integer between {low} and {high}."]
    if problems:
        raise refusals.bad_request(problems)
    return numbers["perPage"], numbers["page"]


def _pagination(total: int, count: int, per_page: int, page: int) -> dict[str, int]:
    return {
        "total": total,
        "count": count,
        "per_page": per_page,
        "current_page": page,
        "total_pages": ceil(total / per_page),
    }


def _session_data(context: Context, record: dict[str, Any], call: Call) -> dict[str, Any]:
    """The `/me` answer: the user plus the login's token, JWT, wsChannel and settings."""
    assert call.token is not None
    token: str = call.token["authToken"]
    data = _wire(record, call)
    data["authToken"] = token
    data["jwt"] = _jwt(context, record["uid"])
    data["wsChannel"] = {
        "identity": f"[{context.app_id}]{record['uid']}",
        "secret": hashlib.sha1(context.signing_key + token.encode()).hexdigest(),
        "service": "cometchat-nb-emulator",
    }
    data["settings"] = _settings(context, call)
    return data


def _jwt(context: Context, uid: str) -> str:
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"appId": context.app_id, "uid": uid, "iat": context.now(), "iss": "cometchat-nb"}
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(context.signing_key, f"{header}.{payload}".encode(), "sha256").digest()
    return f"{header}.{payload}.{b64(signature)}"


def _settings(context: Context, call: Call) -> dict[str, Any]:
    """The app settings of a login (spec 4.12), pointing back where the caller came from."""
    host = call.host
    name, _, port = host.rpartition(":") if ":" in host else (host, "", "443")
    return {
        "CLIENT_API_HOST": host,
        "ADMIN_API_HOST": host,
        "CHAT_API_VERSION": CLIENT_API_VERSION,
        "WS_API_VERSION": CLIENT_API_VERSION,
        "CHAT_HOST": name,
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
    if role is not None and role not in context.roles:
        raise refusals.role_not_found(role)


# -- users -----------------------------------------------------------------------


def create_user(context: Context, call: Call) -> dict[str, Any]:
    """`POST /users` (spec 4.1)."""
    body = call.body()
    (record,) = create_users(
        context.state, [body], roles=context.roles, quota=context.user_quota, now=context.now()
    )
    data = _wire(record, call)
    if body.get("withAuthToken") is True:
        data["authToken"] = _mint(context, record["uid"])["authToken"]
    return data


def _user_filters(call: Call) -> list[Callable[[dict[str, Any]], bool]]:
    """The query's filters on users other than deactivation (search, status, roles, tags)."""
    filters: list[Callable[[dict[str, Any]], bool]] = []
    if key := (call.param("searchKey") or "").lower():
        fields = call.param_list("searchIn") or ["uid", "name"]
        filters.append(lambda r: any(str(r.get(f, "")).lower().startswith(key) for f in fields))
    if status := call.param("status"):
        online = status == "available"
        filters.append(lambda r: (r.get("status") != "offline") == online)
    if roles := call.param_list("roles") + call.param_list("role"):
        filters.append(lambda r: r.get("role") in roles)
    if tags := set(call.param_list("tags")):
        filters.append(lambda r: bool(set(r.get("tags") or ()) & tags))
    return filters


def list_users(context: Context, call: Call) -> Listing:
    """`GET /users` (spec 4.2): newest first; an unfiltered page is a slice of the index."""
    which: Which = (
        "deactivated"
        if call.flag("onlyDeactivated")
        else "all"
        if call.flag("withDeactivated")
        else "active"
    )
    per_page, page = _paging(call)
    offset = (page - 1) * per_page
    state = context.state
    if filters := _user_filters(call):
        wanted = {"active": False, "deactivated": True}.get(which)
        matched = [
            r
            for r in state.newest_first()
            if (wanted is None or bool(r.get("deactivatedAt")) == wanted)
            and all(f(r) for f in filters)
        ]
        total, chunk = len(matched), matched[offset : offset + per_page]
        newest = max((stamp(r) for r in matched), default=None)
    else:
        total, chunk = state.count(which), state.page(which, offset, per_page)
        newest = state.newest_stamp(which)
    meta: dict[str, Any] = {"pagination": _pagination(total, len(chunk), per_page, page)}
    if newest is not None:
        meta["cursor"] = {"updatedAt": newest, "affix": "prepend"}
    with_tags = call.flag("withTags")
    return Listing([_wire(r, call, tags=with_tags) for r in chunk], meta)


def get_user(context: Context, call: Call) -> dict[str, Any]:
    """`GET /users/{uid}` (spec 4.3)."""
    data = _wire(_active_user(context, call.segments[1]), call)
    if call.scope == "token" or call.headers.get("onbehalfof"):
        data.update(hasBlockedMe=False, blockedByMe=False)
    return data


def update_user(context: Context, call: Call) -> dict[str, Any]:
    """`PUT /users/{uid}` (spec 4.4)."""
    body = call.body()
    _check_body(body, create=False)
    _check_role(context, body)
    record = dict(_active_user(context, call.segments[1]))
    for field in body.get("unset", []):
        record.pop(field, None)
    record.update(user_record_fields(body))
    record["updatedAt"] = context.now()
    context.state.put_user(record)
    return _wire(record, call)


def delete_user(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /users/{uid}` (spec 4.5): deactivate, or remove with `permanent`."""
    permanent = call.body().get("permanent", False)
    if isinstance(permanent, str):
        permanent = _BOOLEAN_TEXT.get(permanent.lower(), permanent)
    if not isinstance(permanent, bool):
        raise refusals.bad_request({"permanent": ["The permanent field must be true or false."]})
    record = _active_user(context, call.segments[1])
    uid = record["uid"]
    if permanent:
        context.state.delete_user(uid)
        return {"success": True, "message": f"User with UID {uid} has been deleted successfully."}
    context.state.put_user({**record, "deactivatedAt": context.now(), "status": "offline"})
    return {"deactivatedUids": [uid]}


def _uid_list(call: Call, key: str) -> list[str]:
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
    for uid in _uid_list(call, "uidsToDeactivate"):
        record = state.users.get(uid.lower())
        if record is None:
            result["notFound"].append(uid)
        elif record.get("deactivatedAt"):
            result["alreadyDeactivatedUids"].append(record["uid"])
        else:
            state.put_user({**record, "deactivatedAt": now, "status": "offline"})
            result["deactivatedUids"].append(record["uid"])
    return {k: v for k, v in result.items() if v}


def reactivate_users(context: Context, call: Call) -> dict[str, Any]:
    """`PUT /users` (spec 4.7)."""
    result: dict[str, list[str]] = {"reactivatedUids": [], "nonDeactivatedUids": [], "notFound": []}
    state = context.state
    for uid in _uid_list(call, "uidsToActivate"):
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
    return dict(_mint(context, _active_user(context, call.segments[1])["uid"]))


def list_tokens(context: Context, call: Call) -> Listing:
    """`GET /users/{uid}/auth_tokens` (spec 4.9): newest first, no cursor."""
    uid = _active_user(context, call.segments[1])["uid"]
    per_page, page = _paging(call)
    tokens = context.state.tokens_of(uid)
    chunk = tokens[(page - 1) * per_page : page * per_page]
    pagination = _pagination(len(tokens), len(chunk), per_page, page)
    return Listing([dict(t) for t in chunk], {"pagination": pagination})


def _token(context: Context, call: Call) -> dict[str, Any]:
    uid = _active_user(context, call.segments[1])["uid"]
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
    uid = _active_user(context, call.segments[1])["uid"]
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
    else:
        record["status"] = "online"
        record["lastActiveAt"] = context.now()
    context.state.put_user(record)
    return _session_data(context, record, call)


def logout(context: Context, call: Call) -> dict[str, Any]:
    """`DELETE /me` (spec 4.14): revokes the presented token."""
    assert call.token is not None
    record = _me(context, call)
    context.state.delete_tokens([call.token["authToken"]])
    context.state.put_user({**record, "status": "offline"})
    return {"success": True, "message": "User logged out successfully."}


def user_sessions(context: Context, call: Call) -> dict[str, Any]:
    """`POST /user_sessions` (spec 4.15): telemetry, echoed and dropped."""
    session_id = call.body().get("sessionId")
    return {"sessionId": session_id if isinstance(session_id, str) else ""}


def get_settings(context: Context, call: Call) -> dict[str, Any]:
    """`GET /settings` (spec 4.15)."""
    return _settings(context, call)
