"""The JWT a login hands out (`data.jwt` of `/me`, spec 4.12): HS256, signed by the emulator.

The SDK sends it back in the WebSocket's auth frame (spec 5.2) and as `Authorization` of
the online count (spec 4). It names the auth token it was minted with, so it is good
exactly as long as that token is: a logout revokes both.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any

from .state import State


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token_id(signing_key: bytes, token: str) -> str:
    """Names an auth token in a JWT without revealing it."""
    return hmac.new(signing_key, token.encode(), "sha256").hexdigest()[:32]


def _sign(signing_key: bytes, signed: str) -> str:
    return _b64(hmac.new(signing_key, signed.encode(), "sha256").digest())


def mint(signing_key: bytes, app_id: str, uid: str, token: str, now: int) -> str:
    """A JWT for `uid`'s login with `token`."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {
        "appId": app_id,
        "uid": uid,
        "iat": now,
        "iss": "cometchat-nb",
        "tid": _token_id(signing_key, token),
    }
    payload = _b64(json.dumps(claims).encode())
    return f"{header}.{payload}.{_sign(signing_key, f'{header}.{payload}')}"


def token_record(state: State, signing_key: bytes, app_id: str, jwt: Any) -> dict[str, Any] | None:
    """The auth token record a JWT was minted with, if the JWT is this app's, well signed,
    and its token and user are still live; else None."""
    if not isinstance(jwt, str) or not jwt.isascii() or jwt.count(".") != 2:
        return None
    header, payload, signature = jwt.split(".")
    if not hmac.compare_digest(
        _sign(signing_key, f"{header}.{payload}").encode(), signature.encode()
    ):
        return None
    try:
        claims = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(claims, dict) or claims.get("appId") != app_id:
        return None
    uid, token_id = claims.get("uid"), claims.get("tid")
    user = state.users.get(uid) if isinstance(uid, str) else None
    if user is None or user.get("deactivatedAt") or not isinstance(token_id, str):
        return None
    for record in state.tokens_of(user["uid"]):
        if _token_id(signing_key, record["authToken"]) == token_id:  # signed: no guessing
            return record
    return None
