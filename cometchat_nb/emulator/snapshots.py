"""The emulator's state and settings as JSON documents: snapshots, settings, test users.

What `export_state`/`import_state` and `export_settings`/`import_settings` read and
write, in-process and over `/_emulator/state` and `/_emulator/settings`. The test
users' avatars are stored on the in-process host and named, served, on the caller's.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..wire import EMULATOR_AVATAR_PATH, EMULATOR_IN_PROCESS_URL, UID_CHARS
from .state import State

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


def stored_avatar(avatar: Any, host: str) -> Any:
    """An avatar as sent by a caller at `host`, as stored: `served_avatar` undone."""
    served = f"http://{host}{EMULATOR_AVATAR_PATH}"
    if isinstance(avatar, str) and avatar.startswith(served):
        return EMULATOR_IN_PROCESS_URL + avatar[len(f"http://{host}") :]
    return avatar


def on_host(snapshot: dict[str, Any], host: str, *, served: bool) -> dict[str, Any]:
    """A snapshot with its users' avatars as answered to `host` (`served`) or as stored."""
    convert = served_avatar if served else stored_avatar
    users = snapshot.get("users")
    if not isinstance(users, list):
        return snapshot  # refused by `restore`, as it is
    named = [
        {**u, "avatar": convert(u["avatar"], host)} if isinstance(u, dict) and "avatar" in u else u
        for u in users
    ]
    return {**snapshot, "users": named}


# -- snapshots -------------------------------------------------------------------


def snapshot(state: State, settings: dict[str, Any]) -> dict[str, Any]:
    """Users and tokens (in creation order), roles, blocks, friends and settings, as
    JSON-able data: never a key."""
    return {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "settings": settings,
        "users": copy.deepcopy(list(state.users.values())),
        "tokens": copy.deepcopy(list(state.tokens.values())),
        "roles": copy.deepcopy(list(state.roles.values())),
        "blocks": [[u, b, at] for u, blocked in state.blocks.items() for b, at in blocked.items()],
        "friends": sorted([u, f] for u, fs in state.friends.items() for f in fs if u < f),
    }


def restore(state: State, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the state's users and tokens with a snapshot's; return its settings.

    Raises `ValueError` for a malformed snapshot, before anything is changed.
    """
    users, tokens, settings = _checked(snapshot)
    roles, blocks, friends = _relations(snapshot, {u["uid"] for u in users})
    state.clear()
    state.put_users(users)
    for token in tokens:
        state.put_token(token)
    for role in roles:
        state.put_role(role)
    for uid, blocked, at in blocks:
        state.block(uid, [blocked], at)
    for uid, friend in friends:
        state.befriend(uid, [friend])
    return settings


def _relations(
    snapshot: Mapping[str, Any], uids: set[str]
) -> tuple[list[dict[str, Any]], list[list[Any]], list[list[str]]]:
    """A snapshot's roles, blocks and friends (each optional), checked."""
    roles, blocks, friends = (snapshot.get(k, []) for k in ("roles", "blocks", "friends"))
    if not isinstance(roles, list) or not all(
        isinstance(r, dict) and isinstance(r.get("role"), str) and r["role"] for r in roles
    ):
        raise ValueError("a snapshot's roles are objects with a role id")
    for name, pairs, width in (("blocks", blocks, 3), ("friends", friends, 2)):
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == width and p[0] in uids and p[1] in uids for p in pairs
        ):
            raise ValueError(
                f"a snapshot's {name} are [uid, uid{', at' * (width == 3)}] of its users"
            )
    if not all(_is_int(at) for _, _, at in blocks):
        raise ValueError("a block's time is an integer")
    return copy.deepcopy(roles), blocks, friends


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


# -- settings ---------------------------------------------------------------------

#: The settings `export_settings` gives and `import_settings` takes (all optional there).
SETTINGS = ("latency", "request_log_size", "public_host", "rate_limits")
RATE_LIMITS = ("enforce", "core", "standard", "window")


def checked_settings(settings: Any) -> dict[str, Any]:
    """Settings as `export_settings()` gives them, checked; raises `ValueError` for others."""
    if not isinstance(settings, Mapping):
        raise ValueError("settings are a mapping, as export_settings() returns")
    if unknown := sorted(set(settings) - set(SETTINGS)):
        raise ValueError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(SETTINGS)}")
    latency = settings.get("latency", 0.0)
    if isinstance(latency, bool) or not isinstance(latency, int | float) or not 0 <= latency < 3600:
        raise ValueError("latency is a number of seconds, 0 or more (under an hour)")
    size = settings.get("request_log_size")
    if size is not None and not (_is_int(size) and size >= 0):
        raise ValueError("request_log_size is an integer, 0 or more")
    public_host = settings.get("public_host")
    if public_host is not None and (not isinstance(public_host, str) or not public_host.strip()):
        raise ValueError("public_host is host:port, or null for the request's Host")
    limits = settings.get("rate_limits", {})
    if not isinstance(limits, Mapping) or set(limits) - set(RATE_LIMITS):
        raise ValueError(f"rate_limits is a mapping of {', '.join(RATE_LIMITS)}")
    if not isinstance(limits.get("enforce", False), bool):
        raise ValueError("rate_limits.enforce is true or false")
    for name in ("core", "standard"):
        if name in limits and not (_is_int(limits[name]) and limits[name] >= 1):
            raise ValueError(f"rate_limits.{name} is a number of requests a window, 1 or more")
    window = limits.get("window", 60)
    if isinstance(window, bool) or not isinstance(window, int | float) or not 0 < window <= 3600:
        raise ValueError("rate_limits.window is the seconds the limits count in (up to an hour)")
    checked = {**settings, "rate_limits": dict(limits)}
    if "latency" in settings:
        checked["latency"] = float(latency)
    return checked
