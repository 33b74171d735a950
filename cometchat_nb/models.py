"""Value objects: `User`, `AuthToken` and `Event`, with their wire (JSON) forms."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
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
    def from_dict(cls, data: Mapping[str, Any], auth_token: Secret | None = None) -> User:
        """A user from its wire form; session data (token, jwt, settings) is left out,
        the token being given apart (`auth_token`), as a session holds it.

        A field of the wrong type raises `TypeError` naming it, so an answer or a stored
        session of an odd shape fails where it is read (`FAILED_TO_FETCH`, or "no session"
        plus a warning) and never in a view."""
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
        if isinstance(fields.get("status"), str) and fields["status"] != "offline":
            fields["status"] = "online"  # "available" on REST responses (spec 5)
        uid = fields.pop("uid", "")
        name = fields.pop("name", None)
        user = cls(uid, name, auth_token=auth_token, extra=extra, **fields)
        if (problem := _odd_field(user)) is not None:
            raise TypeError(f"User {problem}")
        return user

    def replace(self, **changes: Any) -> User:
        """A copy with `changes` applied."""
        return dataclasses.replace(self, **changes)


_TEXT = ("name", "avatar", "link", "role", "status_message", "status")
_FLAGS = ("has_blocked_me", "blocked_by_me")


def _odd_field(user: User) -> str | None:
    """What is wrong with `user`'s field types, or None."""
    field: dict[str, Any] = vars(user)
    if not isinstance(field["uid"], str):
        return f"uid must be a string, not {type(field['uid']).__name__}"
    for attr in _TEXT:
        if not isinstance(field[attr], str | None):
            return f"{attr} must be a string, not {type(field[attr]).__name__}"
    tags = field["tags"]
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        return f"tags must be a list of strings, not {tags!r:.60}"
    if not isinstance(field["metadata"], dict | str | None):
        return f"metadata must be an object, not {type(field['metadata']).__name__}"
    for attr in _TIMESTAMPS:
        if not isinstance(field[attr], datetime | None):
            return f"{attr} must be a datetime, not {type(field[attr]).__name__}"
    for attr in _FLAGS:
        if not isinstance(field[attr], bool | None):
            return f"{attr} must be True or False, not {type(field[attr]).__name__}"
    if not isinstance(field["auth_token"], Secret | None) or not isinstance(field["extra"], dict):
        return "auth_token must be a Secret and extra a dict"
    return None


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
class Role:
    """A user role of the app (REST `/roles`): its id, name and optional details."""

    role: str
    name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    settings: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Role:
        return cls(
            role=str(data["role"]),
            name=data.get("name"),
            description=data.get("description"),
            metadata=data.get("metadata"),
            settings=data.get("settings"),
            created_at=to_datetime(data.get("createdAt")),
            updated_at=to_datetime(data.get("updatedAt")),
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
    """A list of users that shows as a table in notebooks; `dropped`: how many older ones
    the list's source let go (`Session.created_users` keeps the latest `keep_created`)."""

    def __init__(self, users: Iterable[User] = (), dropped: int = 0) -> None:
        super().__init__(users)
        self.dropped = dropped

    def _repr_html_(self) -> str:
        from .display import users_html

        return users_html(self, dropped=self.dropped)
