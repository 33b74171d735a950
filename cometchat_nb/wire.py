"""The protocol's constants that the client and the emulator share (spec 1, 5, 6, 7).

One place for what both sides of the wire must agree on, so neither types them twice.
"""

from __future__ import annotations

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
ERR_PLAN_QUOTA_RESTRICTION = "ERR_PLAN_QUOTA_RESTRICTION"
ERR_API_NOT_FOUND = "ERR_API_NOT_FOUND"
ERR_INVALID_API_VERSION = "ERR_INVALID_API_VERSION"
ERR_TOO_MANY_REQUESTS = "ERR_TOO_MANY_REQUESTS"
AUTH_ERR_EMPTY_APIKEY = "AUTH_ERR_EMPTY_APIKEY"
AUTH_ERR_APIKEY_NOT_FOUND = "AUTH_ERR_APIKEY_NOT_FOUND"
AUTH_ERR_NO_ACCESS = "AUTH_ERR_NO_ACCESS"
AUTH_ERR_EMPTY_AUTH_TOKEN = "AUTH_ERR_EMPTY_AUTH_TOKEN"
AUTH_ERR_AUTH_TOKEN_NOT_FOUND = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
AUTH_ERR_EMPTY_APPID = "AUTH_ERR_EMPTY_APPID"
AUTH_ERR_INVALID_APPID = "AUTH_ERR_INVALID_APPID"
