"""The stored login: what the session store holds for an app, read once per flow.

`StoredLogin` is one read of the store (the SDK's localStorage, spec 8.4): the
logged-in user with its token, `jwt`, `wsChannel`, `settings`, and the device
id. `LoginStore` reads and writes it for one app, atomically under a lock.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..errors import failed_to_fetch, local_error
from ..models import User
from ..secret import MaskedDict, Secret
from ..store import SessionStore
from ..wire import SESSION_KEYS

logger = logging.getLogger("cometchat_nb")

#: The login details kept beside the user and token, from the `/me` answer.
_KEPT = ("jwt", "wsChannel", "settings")


@dataclass(frozen=True)
class StoredLogin:
    """One read of an app's stored data; a malformed login reads as no login."""

    data: Mapping[str, Any]

    def __repr__(self) -> str:
        """Who is logged in, never the token or jwt the data holds."""
        return f"StoredLogin(uid={self.uid!r})"

    @cached_property
    def _login(self) -> tuple[Mapping[str, Any], User] | None:
        """The stored login and its user (holding its token), if the store holds a
        well-formed one: a token, and a user that reads as a `User`. Else a warning is
        logged and there is no session, in every view."""
        session = self.data.get("session")
        if session is None:
            return None
        token = session.get("authToken") if isinstance(session, dict) else None
        user = session.get("user") if isinstance(session, dict) else None
        if not (isinstance(token, str) and token and isinstance(user, dict)):
            logger.warning("ignoring a stored login of an unexpected shape: no session")
            return None
        try:
            read = User.from_dict(user)
        except Exception as exc:
            logger.warning(
                "ignoring a stored user it cannot read (%s): no session", type(exc).__name__
            )
            return None
        return session, read.replace(auth_token=Secret(token))

    @property
    def session(self) -> Mapping[str, Any] | None:
        """The stored login, if well-formed."""
        return None if self._login is None else self._login[0]

    @property
    def user(self) -> User | None:
        """The logged-in user, holding its token; None when there is none (or it is odd)."""
        return None if self._login is None else self._login[1]

    @property
    def uid(self) -> str | None:
        """The logged-in user's uid."""
        return None if self.user is None else self.user.uid

    @property
    def token(self) -> Secret | None:
        return None if self.user is None else self.user.auth_token

    @property
    def settings(self) -> Mapping[str, Any] | None:
        """The login's `settings` (the hosts it names); odd ones are ignored with a warning."""
        settings = None if self.session is None else self.session.get("settings")
        if settings is not None and not isinstance(settings, dict):
            logger.warning("ignoring stored settings of an unexpected shape")
            return None
        return settings

    @property
    def device_id(self) -> str | None:
        device_id = self.data.get("deviceId")
        return device_id if isinstance(device_id, str) else None


class LoginStore:
    """One app's stored login in a `SessionStore`: read, saved and cleared as a whole."""

    def __init__(self, store: SessionStore, app_id: str) -> None:
        self.store = store
        self.app_id = app_id
        self._lock = threading.RLock()  # around read-modify-writes

    def read(self) -> StoredLogin:
        """The stored data; empty when it cannot be read (logged, never raised)."""
        try:
            data = self.store.load(self.app_id)
        except Exception as exc:  # also a store's warning turned into an error
            logger.warning("session store unreadable (%s): no session", type(exc).__name__)
            data = {}
        return StoredLogin(data if isinstance(data, dict) else {})

    def with_device_id(self, seen: StoredLogin) -> StoredLogin:
        """`seen`, or, when it holds no device id, the store after one is added (the SDK's form)."""
        if seen.device_id is not None:
            return seen
        with self._lock:
            data = dict(self.read().data)
            if not isinstance(data.get("deviceId"), str):
                data["deviceId"] = f"{self.app_id}_{uuid.uuid4()}_{int(time.time() * 1000)}"
                self._save_best_effort(data)
        return StoredLogin(data)

    def save(
        self,
        seen: StoredLogin,
        answer: Mapping[str, Any],
        token: Secret,
        *,
        replacing: Secret | None = None,
    ) -> User:
        """Persist a `/me` answer as the logged-in session over `seen`; the user it describes.

        With `replacing`, the answer updates the session that token belongs to, and
        is not persisted if that session ended meanwhile (a logout wins: the store
        is read again to know). Raises `SESSION_NOT_SAVED` when it cannot be written.
        """
        user_data = {k: v for k, v in answer.items() if k not in SESSION_KEYS}
        user_data["status"] = "online"
        try:
            user = User.from_dict(user_data).replace(auth_token=token)
        except Exception as exc:
            raise failed_to_fetch(f"unexpected user shape ({type(exc).__name__})") from None
        with self._lock:
            previous: Mapping[str, Any] = {}
            if replacing is not None:
                seen = self.read()
                if seen.token != replacing:
                    return user
                previous = seen.session or {}
            session = MaskedDict({k: previous[k] for k in _KEPT if k in previous})
            session.update({k: answer[k] for k in _KEPT if k in answer})
            session.update(user=user_data, authToken=token.reveal())
            try:
                self.store.save(self.app_id, {**seen.data, "session": session})
            except Exception as exc:
                raise local_error(
                    "SESSION_NOT_SAVED",
                    f"The login could not be saved in {self.store!r}: {type(exc).__name__}.",
                ) from None
        return user

    def clear(self) -> None:
        """Forget the stored login (the device id stays); a failed write is logged."""
        with self._lock:
            data = dict(self.read().data)
            if "session" in data:
                del data["session"]
                self._save_best_effort(data)

    def _save_best_effort(self, data: dict[str, Any]) -> None:
        try:
            self.store.save(self.app_id, data)
        except Exception as exc:
            logger.warning("session store not written (%s)", type(exc).__name__)
