"""The emulator's control plane: reset, state snapshots, the redacted request log, avatars.

In-process these are `Emulator` methods (`reset`, `export_state`, `import_state`,
`request_log`); served, the same calls are routes under the reserved prefix
`/_emulator/`, which need the emulator's REST API key in `apiKey` and answer in the
service's JSON envelopes (`RemoteEmulator` calls them):

    POST /_emulator/reset              -> {"data": {"success": true, ...}}
    GET  /_emulator/state              -> {"data": <snapshot>}
    PUT  /_emulator/state   <snapshot> -> {"data": {"success": true, "users": n, "tokens": m}}
    GET  /_emulator/requests           -> {"data": [<log entry>, ...]}

`GET /_emulator/avatars/{uid}.svg` serves the test users' avatars and `GET /_emulator/ui`
the console page (see `console`); neither needs a key (an `<img>` or a link sends none).
Control requests are not rate counted, not logged and do not move the deterministic clock.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import httpx

from ..models import User
from ..secret import Secret, mask
from ..wire import EMULATOR_AVATAR_PATH, EMULATOR_IN_PROCESS_URL, UID_CHARS, emulator_avatar_svg
from . import console, refusals
from .call import CORS_HEADERS, Call, Reply
from .refusals import ServiceError
from .state import State
from .user_checks import check_user_body, new_user_record

#: The first path segment of every control route.
PREFIX = "_emulator"
#: What a snapshot says it is, and the version of its layout.
SNAPSHOT_FORMAT = "cometchat-nb-emulator-state"
SNAPSHOT_VERSION = 1
#: The test users every app starts with (spec 10), with the emulator's own avatars.
TEST_USERS = (
    ("cometchat-uid-1", "Andrew Joseph"),
    ("cometchat-uid-2", "George Alan"),
    ("cometchat-uid-3", "Nancy Grace"),
    ("cometchat-uid-4", "Susan Marie"),
    ("cometchat-uid-5", "John Paul"),
)
#: A test user's avatar as stored: on the in-process host, answered on the caller's host.
AVATAR = EMULATOR_IN_PROCESS_URL + EMULATOR_AVATAR_PATH + "{uid}.svg"


class Controlled(Protocol):
    """What the control routes drive: an `Emulator`."""

    rest_api_key: Secret
    auth_key: Secret

    def reset(self) -> None: ...

    def export_state(self) -> dict[str, Any]: ...

    def import_state(self, snapshot: Mapping[str, Any]) -> None: ...

    def request_log(self) -> list[dict[str, Any]]: ...


def test_user_records(now: int) -> list[dict[str, Any]]:
    """The records of the five test users, created at `now`."""
    return [
        {
            "uid": uid,
            "name": name,
            "avatar": AVATAR.format(uid=uid),
            "status": "offline",
            "role": "default",
            "createdAt": now,
        }
        for uid, name in TEST_USERS
    ]


def served_avatar(avatar: Any, host: str) -> Any:
    """An avatar as answered to a caller at `host`: the emulator's own ones point there."""
    prefix = EMULATOR_IN_PROCESS_URL + EMULATOR_AVATAR_PATH
    if isinstance(avatar, str) and avatar.startswith(prefix) and host != "emulator.invalid":
        return f"http://{host}{avatar[len(EMULATOR_IN_PROCESS_URL) :]}"
    return avatar


# -- snapshots -------------------------------------------------------------------


def snapshot(state: State, settings: dict[str, Any]) -> dict[str, Any]:
    """Users and tokens (in creation order) and settings, as JSON-able data: never a key."""
    return {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "settings": settings,
        "users": copy.deepcopy(list(state.users.values())),
        "tokens": copy.deepcopy(list(state.tokens.values())),
    }


def restore(state: State, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the state's users and tokens with a snapshot's; return its settings.

    Raises `ValueError` for a malformed snapshot, before anything is changed.
    """
    users, tokens, settings = _checked(snapshot)
    state.clear()
    state.put_users(users)
    for token in tokens:
        state.put_token(token)
    return settings


def _checked(
    snapshot: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    if not isinstance(snapshot, Mapping):
        raise ValueError("a snapshot is a mapping, as export_state() returns")
    if snapshot.get("format") != SNAPSHOT_FORMAT or snapshot.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"not a {SNAPSHOT_FORMAT} snapshot of version {SNAPSHOT_VERSION}")
    users, tokens = snapshot.get("users"), snapshot.get("tokens")
    if not isinstance(users, list) or not isinstance(tokens, list):
        raise ValueError("a snapshot's users and tokens are lists")
    uids: set[str] = set()
    for user in users:
        uid = user.get("uid") if isinstance(user, dict) else None
        if not isinstance(uid, str) or not UID_CHARS.fullmatch(uid) or uid != uid.lower():
            raise ValueError(f"a user needs a lowercase uid: {user!r:.80}")
        if uid in uids or not _is_int(user.get("createdAt")):
            raise ValueError(f"the user {uid} is repeated or has no integer createdAt")
        uids.add(uid)
    seen: set[str] = set()
    for token in tokens:
        if not isinstance(token, dict) or token.get("uid") not in uids:
            raise ValueError("every token needs the uid of a user in the snapshot")
        value = token.get("authToken")
        if not isinstance(value, str) or not value or value in seen:
            raise ValueError(f"a token of {token['uid']} has no authToken, or a repeated one")
        if not _is_int(token.get("createdAt")):
            raise ValueError(f"a token of {token['uid']} has no integer createdAt")
        seen.add(value)
    raw = snapshot.get("settings", {})
    if not isinstance(raw, Mapping):
        raise ValueError("a snapshot's settings are a mapping")
    roles, quota, clock = raw.get("roles", []), raw.get("user_quota"), raw.get("clock", 0)
    if not isinstance(roles, list) or not all(isinstance(r, str) and r for r in roles):
        raise ValueError("settings.roles is a list of role names")
    if quota is not None and not _is_int(quota):
        raise ValueError("settings.user_quota is an integer or null")
    if not _is_int(clock) or clock < 0:
        raise ValueError("settings.clock is a count of requests, 0 or more")
    settings = {**raw, "roles": roles, "user_quota": quota, "clock": clock}
    return copy.deepcopy(users), copy.deepcopy(tokens), settings


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- the request log ----------------------------------------------------------------


def request_log(answered: Iterable[tuple[httpx.Request, int, int]]) -> list[dict[str, Any]]:
    """Requests with their time and status, redacted: no header, tokens in paths masked."""
    return [
        {"time": at, "method": r.method, "path": masked_path(r.url.path), "status": status}
        for r, at, status in answered
    ]


def masked_path(path: str) -> str:
    """A path with the auth token after `auth_tokens/` masked (`••••` and its last four)."""
    parts = path.split("/")
    for index in range(1, len(parts)):
        if parts[index - 1] == "auth_tokens" and parts[index]:
            parts[index] = mask(parts[index])
    return "/".join(parts)


# -- the routes ---------------------------------------------------------------------


def is_control(call: Call) -> bool:
    """Whether a call is for the control plane (`/_emulator/...`)."""
    return bool(call.segments) and call.segments[0] == PREFIX


def answer(target: Controlled, call: Call) -> Reply:
    """Answer a control call (see the module docstring); errors in the service's envelope."""
    route = call.segments[1:]
    headers = dict(CORS_HEADERS)
    try:
        if call.problem:
            raise call.problem
        if len(route) == 2 and route[0] == "avatars" and call.method == "GET":
            return _avatar(route[1], headers)
        if route[:1] == ["ui"] and len(route) <= 2 and call.method == "GET":
            return _console(route[1] if len(route) == 2 else "", headers)
        _authenticate(target, call)
        status, body = 200, {"data": _dispatch(target, call, route)}
    except ServiceError as exc:
        status, body = exc.status, exc.envelope()
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers["Content-Type"] = "application/json"
    return status, _raw(headers, content), content


def _dispatch(target: Controlled, call: Call, route: list[str]) -> Any:
    if route == ["reset"] and call.method == "POST":
        target.reset()
        return {"success": True, "message": "The emulator was reset."}
    if route == ["state"] and call.method == "GET":
        return target.export_state()
    if route == ["state"] and call.method == "PUT":
        snapshot = call.body()
        try:
            target.import_state(snapshot)
        except ValueError as exc:
            raise refusals.bad_request({"state": [str(exc)]}) from None
        counts = {"users": len(snapshot["users"]), "tokens": len(snapshot["tokens"])}
        return {"success": True, **counts}
    if route == ["requests"] and call.method == "GET":
        return target.request_log()
    raise refusals.api_not_found()


def _authenticate(target: Controlled, call: Call) -> None:
    api_key = call.headers.get("apikey")
    if not api_key or not api_key.strip():
        raise refusals.empty_api_key()
    key = Secret(api_key)
    if key == target.auth_key:
        raise refusals.no_access(api_key)
    if key != target.rest_api_key:
        raise refusals.api_key_not_found(api_key)


def _avatar(name: str, headers: dict[str, str]) -> Reply:
    uid = name.removesuffix(".svg")
    if not name.endswith(".svg") or not UID_CHARS.fullmatch(uid):
        raise refusals.api_not_found()  # answered by answer(), as every control error
    content = emulator_avatar_svg(uid).encode()
    headers["Content-Type"] = "image/svg+xml"
    headers["Cache-Control"] = "public, max-age=86400"
    return 200, _raw(headers, content), content


def _console(name: str, headers: dict[str, str]) -> Reply:
    found = console.asset(name)
    if found is None:
        raise refusals.api_not_found()  # answered by answer(), as every control error
    content, headers["Content-Type"] = found
    headers.update(console.HEADERS)
    return 200, _raw(headers, content), content


def _raw(headers: dict[str, str], content: bytes) -> list[tuple[bytes, bytes]]:
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    return [*raw, (b"Content-Length", str(len(content)).encode())]


def new_user_records(
    users: Iterable[User], state: State, roles: set[str], now: int
) -> list[dict[str, Any]]:
    """The records `Emulator.add_users` stores, checked as `POST /users` checks a body.

    Raises `ValueError` for an invalid user, an unknown role or a uid already taken.
    """
    records: dict[str, dict[str, Any]] = {}
    for user in users:
        body = user.to_dict()
        if problems := check_user_body(body, create=True):
            raise ValueError(f"user {user.uid!r}: {problems.details}")
        if body.get("role", "default") not in roles:
            raise ValueError(f"user {user.uid!r}: the role {body['role']} does not exist")
        uid = body["uid"].lower()
        if uid in state.users or uid in records:
            raise ValueError(f"the uid {uid} already exists")
        records[uid] = new_user_record(body, now)
    return list(records.values())
