"""Value objects: `User`, `AuthToken` and `Event`, with their wire (JSON) forms."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from typing import Any

from .secret import Secret
from .wire import SESSION_KEYS

# Python attribute -> wire key, for every field of the user object (spec 5).
_WIRE_NAMES = {
    "uid": "uid",
    "name": "name",
    "avatar": "avatar",
    "link": "link",
    "role": "role",
    "status_message": "statusMessage",
    "metadata": "metadata",
    "tags": "tags",
    "status": "status",
    "created_at": "createdAt",
    "updated_at": "updatedAt",
    "last_active_at": "lastActiveAt",
    "deactivated_at": "deactivatedAt",
    "has_blocked_me": "hasBlockedMe",
    "blocked_by_me": "blockedByMe",
}
_ATTRS = {key: attr for attr, key in _WIRE_NAMES.items()}
_TIMESTAMPS = ("created_at", "updated_at", "last_active_at", "deactivated_at")


def to_datetime(seconds: int | float | None) -> datetime | None:
    """Unix seconds as an aware UTC datetime (None and 0 stay None)."""
    if not seconds:
        return None
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def to_seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


@dataclass(frozen=True)
class User:
    """A CometChat user. `User("kevin", name="Kevin")` is what `create_user` takes.

    Timestamps are aware UTC datetimes; `auth_token` is set only on the user a
    login returns. Unknown wire fields are kept in `extra`.
    """

    uid: str
    name: str | None = None
    _: KW_ONLY
    avatar: str | None = None
    link: str | None = None
    role: str | None = None
    status_message: str | None = None
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    status: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_active_at: datetime | None = None
    deactivated_at: datetime | None = None
    has_blocked_me: bool | None = None
    blocked_by_me: bool | None = None
    auth_token: Secret | None = field(default=None, repr=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __hash__(self) -> int:
        return hash(self.uid)

    def __repr__(self) -> str:
        shown = {
            "uid": self.uid,
            "name": self.name,
            "role": self.role,
            "status": self.status,
            "tags": self.tags,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }
        return "User(" + ", ".join(f"{k}={v!r}" for k, v in shown.items() if v is not None) + ")"

    def _repr_html_(self) -> str:
        from .display import user_html

        return user_html(self)

    @property
    def is_online(self) -> bool:
        return self.status is not None and self.status != "offline"

    def to_dict(self) -> dict[str, Any]:
        """The wire form: camelCase keys, integer seconds, unset fields omitted, no token."""
        wire: dict[str, Any] = {}
        for attr, key in _WIRE_NAMES.items():
            value = getattr(self, attr)
            if value is None:
                continue
            wire[key] = to_seconds(value) if attr in _TIMESTAMPS else value
        wire.update(self.extra)
        return wire

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> User:
        """A user from its wire form; session data (token, jwt, settings) is left out."""
        fields: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            if key in SESSION_KEYS:
                continue
            attr = _ATTRS.get(key)
            if attr is None:
                extra[key] = value
            elif attr in _TIMESTAMPS:
                fields[attr] = to_datetime(value)
            else:
                fields[attr] = value
        if fields.get("status") not in (None, "offline"):
            fields["status"] = "online"  # "available" on REST responses (spec 5)
        uid = fields.pop("uid", "")
        name = fields.pop("name", None)
        return cls(uid, name, extra=extra, **fields)

    def replace(self, **changes: Any) -> User:
        """A copy with `changes` applied."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class AuthToken:
    """An auth token minted for `uid` (REST API); pass it to `login(auth_token=...)`."""

    uid: str
    auth_token: Secret
    created_at: datetime | None = None

    def __repr__(self) -> str:
        created = self.created_at.isoformat() if self.created_at else None
        return (
            f"AuthToken(uid={self.uid!r}, auth_token={self.auth_token!r}, created_at={created!r})"
        )

    def _repr_html_(self) -> str:
        from .display import auth_token_html

        return auth_token_html(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthToken:
        return cls(
            uid=str(data.get("uid", "")),
            auth_token=Secret(str(data.get("authToken", ""))),
            created_at=to_datetime(data.get("createdAt")),
        )


@dataclass(frozen=True)
class Event:
    """Something a session did, as its listener registry reports it.

    `kind` groups events (`login`, `logout`, `user`, `session`, `listener`);
    `name` is the callback (`login_success`, ...); `detail` is a short text free
    of secrets; `payload` is the `User` or exception, when there is one.
    """

    time: datetime
    kind: str
    name: str
    detail: str
    payload: Any = None

    def _repr_html_(self) -> str:
        from .display import event_html

        return event_html(self)


class UserList(list[User]):
    """A list of users that shows as a table in notebooks."""

    def _repr_html_(self) -> str:
        from .display import users_html

        return users_html(self)
