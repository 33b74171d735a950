"""Who is online, and the presence frames each change sends (spec 5.6).

A user is online from its login (`PUT /me`) and while it has an authenticated
WebSocket; offline when its last socket closes, or at its logout with none left;
deactivating or deleting it closes its sockets (as a reset closes them all).
The state's `status` of each user is the one truth: listings, `GET /users/{uid}`
and the online count read it. Each change is sent, as one `presence` frame, to
the other authenticated sockets whose subscription covers the user.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import jwt
from .snapshots import served_avatar
from .state import State

Frame = dict[str, Any]
#: The user fields a presence frame carries (spec 5.6).
_FRAME_FIELDS = ("uid", "name", "avatar", "role", "lastActiveAt")


@dataclass(eq=False)
class Link:
    """One authenticated socket: whose, from which device (the SDK's session id), with
    which auth token, what presence it subscribed to, and how to send it a frame or
    close it (`deliver` and `close` must not block and may be called from any thread)."""

    uid: str
    device: str
    token: str
    deliver: Callable[[Frame], None]
    close: Callable[[str], None]  # close the socket (1000, the reason); from any thread
    subscription: str | None = None  # ALL_USERS, ROLES or FRIENDS; None: no presence
    roles: frozenset[str] = field(default_factory=frozenset)
    host: str = "emulator.invalid"  # where it connected: the emulator's avatars point there

    def covers(self, record: dict[str, Any], friends: set[str]) -> bool:
        """Whether this socket is to hear of `record`'s presence (`friends`: the record's
        user's friends, as `/users/{uid}/friends` set them)."""
        if self.subscription == "ALL_USERS":
            return True
        if self.subscription == "FRIENDS":
            return self.uid in friends
        return self.subscription == "ROLES" and record.get("role") in self.roles


class Presence:
    """The live sockets of one emulator, and the online status they and logins drive.

    Every method takes the emulator's lock (`lock`, reentrant), as the state needs.
    """

    def __init__(
        self,
        state: State,
        lock: threading.RLock,
        now: Callable[[], int],
        app_id: str,
        signing_key: bytes,
    ) -> None:
        self._state, self._lock, self._now = state, lock, now
        self._app_id, self._signing_key = app_id, signing_key
        self._links: dict[str, list[Link]] = {}  # uid -> its authenticated sockets

    def verify(self, app_id: Any, jwt_text: Any) -> dict[str, Any] | None:
        """The auth token record behind a login's JWT (None if it is not a live one)."""
        if app_id != self._app_id:
            return None
        with self._lock:
            return jwt.token_record(self._state, self._signing_key, self._app_id, jwt_text)

    def logged_in(self, uid: str, device: str) -> dict[str, Any]:
        """A login (`PUT /me`): the user is online, active now; its stored record."""
        with self._lock:
            return self._set(uid, "online", device)

    def logged_out(self, uid: str, token: str, device: str) -> None:
        """A logout revoked `token`: its sockets stop counting; offline if none is left."""
        with self._lock:
            links = self._links.get(uid, [])
            links[:] = [link for link in links if link.token != token]
            if not links:
                self._links.pop(uid, None)
                self._set(uid, "offline", device)

    def join(self, link: Link) -> None:
        """A socket authenticated: its user is online (announced if it was not)."""
        with self._lock:
            self._links.setdefault(link.uid, []).append(link)
            record = self._state.users.get(link.uid)
            if record is not None and record.get("status") == "offline":
                self._set(link.uid, "online", link.device)

    def leave(self, link: Link) -> None:
        """A socket closed: its user goes offline when it was the last one."""
        with self._lock:
            links = self._links.get(link.uid, [])
            if link not in links:
                return  # already dropped by a logout or a reset
            links.remove(link)
            if not links:
                del self._links[link.uid]
                self._set(link.uid, "offline", link.device)

    def gone(self, uid: str, reason: str) -> dict[str, Any]:
        """The user is being deactivated or deleted: its sockets are closed with `reason`
        and it is offline (announced if it was online). Its stored record ({} if none)."""
        with self._lock:
            for link in self._links.pop(uid, []):
                link.close(reason)
            return self._set(uid, "offline", "")

    def online_count(self) -> int:
        """How many active users are online now (spec 4)."""
        with self._lock:
            return sum(
                1
                for r in self._state.users.values()
                if r.get("status") != "offline" and not r.get("deactivatedAt")
            )

    def clear(self) -> None:
        """The state was reset or replaced: every socket is closed and forgotten."""
        with self._lock:
            for links in self._links.values():
                for link in links:
                    link.close("Emulator reset")
            self._links.clear()

    def _set(self, uid: str, status: str, device: str) -> dict[str, Any]:
        """Store `uid`'s new status; announce it if it changed. The stored record."""
        old = self._state.users.get(uid)
        if old is None:
            return {}
        now = self._now()
        record = {**old, "status": status, "lastActiveAt": now}
        self._state.put_user(record)
        if old.get("status") != status:
            self._announce(record, device, now)
        return record

    def _announce(self, record: dict[str, Any], device: str, now: int) -> None:
        online = record["status"] != "offline"
        user = {k: record[k] for k in _FRAME_FIELDS if k in record}
        user["status"] = "available" if online else "offline"
        frame = {
            "appId": self._app_id,
            "deviceId": device,
            "sender": record["uid"],
            "type": "presence",
            "body": {"action": "online" if online else "offline", "timestamp": now, "user": user},
        }
        friends = self._state.friends.get(record["uid"], set())
        for links in self._links.values():
            for link in links:
                if (device and link.device == device) or not link.covers(record, friends):
                    continue  # its own change (the SDK drops it), or not subscribed
                if "avatar" in user:  # the emulator's own avatars, where the socket connected
                    seen = {**user, "avatar": served_avatar(user["avatar"], link.host)}
                    link.deliver({**frame, "body": {**frame["body"], "user": seen}})
                else:
                    link.deliver(frame)
