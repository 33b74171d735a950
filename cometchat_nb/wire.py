"""The protocol's constants that the client and the emulator share (spec 1, 5, 6, 7).

One place for what both sides of the wire must agree on, so neither types them twice.
"""

from __future__ import annotations

import base64
import re

#: The API versions: client and auth-key calls under `v3.0`, REST calls under `v3` (spec 1.1).
CLIENT_API_VERSION = "v3.0"
REST_API_VERSION = "v3"
API_VERSIONS = (REST_API_VERSION, CLIENT_API_VERSION)

#: The uid rule (spec 5, 6): letters, digits, `_` and `-`, 1 to 100 characters.
UID_CHARS = re.compile(r"[A-Za-z0-9_-]+")
UID_MAX = 100
UID_RULE = "1 to 100 characters: letters, digits, '_' and '-'"

#: The user fields a client may write, as the wire names them (spec 5).
WRITABLE_FIELDS = ("uid", "name", "avatar", "link", "role", "statusMessage", "metadata", "tags")
#: The fields `PUT /users/{uid}` may remove with `unset` (spec 4.4).
UNSETTABLE_FIELDS = ("avatar", "link", "metadata")
#: The keys of a `/me` answer that describe the login, not the user (spec 4.12).
SESSION_KEYS = ("authToken", "jwt", "wsChannel", "fat", "settings")

# Server codes (spec 7.1).
ERR_BAD_REQUEST = "ERR_BAD_REQUEST"
ERR_UID_ALREADY_EXISTS = "ERR_UID_ALREADY_EXISTS"
ERR_UID_NOT_FOUND = "ERR_UID_NOT_FOUND"
ERR_AUTH_TOKEN_NOT_FOUND = "ERR_AUTH_TOKEN_NOT_FOUND"
ERR_ROLE_NOT_FOUND = "ERR_ROLE_NOT_FOUND"
ERR_ROLE_ALREADY_EXISTS = "ERR_ROLE_ALREADY_EXISTS"
ERR_PLAN_QUOTA_RESTRICTION = "ERR_PLAN_QUOTA_RESTRICTION"
ERR_API_NOT_FOUND = "ERR_API_NOT_FOUND"
ERR_INVALID_API_VERSION = "ERR_INVALID_API_VERSION"
ERR_TOO_MANY_REQUESTS = "ERR_TOO_MANY_REQUESTS"
AUTH_ERR_EMPTY_APIKEY = "AUTH_ERR_EMPTY_APIKEY"
AUTH_ERR_APIKEY_NOT_FOUND = "AUTH_ERR_APIKEY_NOT_FOUND"
AUTH_ERR_NO_ACCESS = "AUTH_ERR_NO_ACCESS"
AUTH_ERR_EMPTY_AUTH_TOKEN = "AUTH_ERR_EMPTY_AUTH_TOKEN"
AUTH_ERR_AUTH_TOKEN_NOT_FOUND = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
AUTH_ERR_INVALID_JWT = "AUTH_ERR_INVALID_JWT"  # the emulator's; the service's code is unknown
AUTH_ERR_EMPTY_APPID = "AUTH_ERR_EMPTY_APPID"
AUTH_ERR_INVALID_APPID = "AUTH_ERR_INVALID_APPID"

# The emulator's own avatars (the test users'), so nothing on the emulator loads from the
# internet: served at `{emulator}/_emulator/avatars/{uid}.svg`, and drawn inline by the
# client's reprs when the emulator is in-process (its host never resolves).

#: The base URL of an in-process emulator: a name that never resolves, so nothing leaks out.
EMULATOR_IN_PROCESS_URL = "http://emulator.invalid"
#: The path under which an emulator serves its generated avatars.
EMULATOR_AVATAR_PATH = "/_emulator/avatars/"
_AVATAR_COLOURS = ("#1e88e5", "#43a047", "#e53935", "#8e24aa", "#fb8c00", "#00897b", "#3949ab")


def emulator_avatar_svg(uid: str) -> str:
    """A small SVG avatar for `uid`: its initials on a colour drawn from the uid."""
    parts = [p for p in re.split(r"[-_]+", uid) if p] or ["?"]
    initials = (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()
    initials = re.sub(r"[^A-Z0-9?]", "?", initials)
    colour = _AVATAR_COLOURS[sum(uid.encode()) % len(_AVATAR_COLOURS)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<circle cx="32" cy="32" r="32" fill="{colour}"/>'
        '<text x="32" y="32" dy=".35em" text-anchor="middle" font-family="sans-serif" '
        f'font-size="26" fill="#ffffff">{initials}</text></svg>'
    )


def emulator_avatar_uid(url: str, base: str = EMULATOR_IN_PROCESS_URL) -> str | None:
    """The uid of an emulator avatar URL under `base` (`{base}/_emulator/avatars/{uid}.svg`)."""
    prefix = base.rstrip("/") + EMULATOR_AVATAR_PATH
    if not url.startswith(prefix) or not url.endswith(".svg"):
        return None
    uid = url[len(prefix) : -len(".svg")]
    return uid if UID_CHARS.fullmatch(uid) else None


def emulator_avatar_data_uri(uid: str) -> str:
    """`emulator_avatar_svg(uid)` as a `data:` URI, shown without any request."""
    encoded = base64.b64encode(emulator_avatar_svg(uid).encode()).decode()
    return f"data:image/svg+xml;base64,{encoded}"
