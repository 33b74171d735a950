"""The stored login: what the session store holds for an app, read once per flow.

`StoredLogin` is one read of the store (the SDK's localStorage, spec 8.4): the
logged-in user with its token, `jwt`, `wsChannel`, `settings`, and the device
id. `LoginStore` reads and writes it for one app, atomically under a lock.

Sessions on one store share one login, as a browser's tabs share localStorage.
Every `LoginStore` open on the same store and app in this process is a peer of
the others: a login or a logout by one is told to the others (`on_change`), so
every session's listeners and widgets hear it. Across processes (a `FileStore`
folder two kernels share) nothing is told: each session reads the store at its
next call and acts as whoever is logged in then.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..errors import failed_to_fetch, local_error
from ..models import User
from ..secret import MaskedDict, Secret
from ..store import SessionStore, share_key
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
            read = User.from_dict(user, auth_token=Secret(token))
        except Exception as exc:
            logger.warning(
                "ignoring a stored user it cannot read (%s): no session", type(exc).__name__
            )
            return None
        return session, read

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


#: Why a session's login changed under it: what its listeners' events say.
BY_ANOTHER_SESSION = "by another session on this store"
BY_RESET = "the emulator was reset"
#: The `LoginStore`s open in this process, by what they share: the store and the app id.
_PEERS: dict[tuple[Hashable, str], weakref.WeakSet[LoginStore]] = {}
_PEERS_LOCK = threading.Lock()


class LoginStore:
    """One app's stored login in a `SessionStore`: read, saved and cleared as a whole.

    `on_change(seen, why)` runs when a peer (another `LoginStore` on the same store
    and app in this process) logs in or out: `seen` is the store after the change,
    `why` says what changed it (`BY_ANOTHER_SESSION`, `BY_RESET`).
    """

    def __init__(
        self,
        store: SessionStore,
        app_id: str,
        on_change: Callable[[StoredLogin, str], None] | None = None,
    ) -> None:
        self.store = store
        self.app_id = app_id
        self.on_change = on_change
        self._lock = threading.RLock()  # around read-modify-writes
        self._shared = (share_key(store), app_id)
        with _PEERS_LOCK:
            for key in [k for k, peers in _PEERS.items() if not peers]:
                del _PEERS[key]  # every session on that store has gone
            _PEERS.setdefault(self._shared, weakref.WeakSet()).add(self)

    def peers(self) -> list[LoginStore]:
        """The other `LoginStore`s on this store and app in this process."""
        with _PEERS_LOCK:
            return [p for p in _PEERS.get(self._shared, ()) if p is not self]

    def leave(self) -> None:
        """Stop hearing the peers' logins (the session is closing)."""
        with _PEERS_LOCK:
            _PEERS.get(self._shared, weakref.WeakSet()).discard(self)

    def _tell_peers(self, seen: StoredLogin) -> None:
        tell(self.peers(), seen, BY_ANOTHER_SESSION)

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
            user = User.from_dict(user_data, auth_token=token)
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
            data = {**seen.data, "session": session}
            try:
                self.store.save(self.app_id, data)
            except Exception as exc:
                raise local_error(
                    "SESSION_NOT_SAVED",
                    f"The login could not be saved in {self.store!r}: {type(exc).__name__}.",
                ) from None
        if replacing is None:  # a new login, not a profile update
            self._tell_peers(StoredLogin(data))
        return user

    def clear(self) -> None:
        """Forget the stored login (the device id stays); a failed write is logged."""
        with self._lock:
            data = dict(self.read().data)
            if "session" not in data:
                return
            del data["session"]
            self._save_best_effort(data)
        self._tell_peers(StoredLogin(data))

    def _save_best_effort(self, data: dict[str, Any]) -> None:
        try:
            self.store.save(self.app_id, data)
        except Exception as exc:
            logger.warning("session store not written (%s)", type(exc).__name__)


def tell(peers: list[LoginStore], seen: StoredLogin, why: str) -> None:
    """Tell each of `peers` that the login changed; one failing never stops the others."""
    for peer in peers:
        if peer.on_change is None:
            continue
        try:
            peer.on_change(seen, why)
        except Exception:
            logger.exception("a session sharing this store failed to hear a login change")


def logins_cleared(store: SessionStore, app_id: str) -> None:
    """`store` was emptied behind its sessions' backs (an emulator's reset ended the login
    stored for `app_id`): tell every session on it."""
    with _PEERS_LOCK:
        peers = list(_PEERS.get((share_key(store), app_id), ()))
    tell(peers, StoredLogin({}), BY_RESET)
