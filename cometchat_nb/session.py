"""`Session` and `AsyncSession`: CometChat's authentication guide, in Python.

Both run the same flows: generators that yield the `httpx.Request`s to send
and receive the `httpx.Response`s. The two classes differ only in how they send.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Generator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import protocol
from .admin import Admin, AsyncAdmin
from .config import Connection, connect
from .errors import CometChatException, failed_to_fetch, local_error, missing_parameters
from .listeners import ListenerRegistry, LoginListener
from .models import AuthToken, User, UserList
from .protocol import DEFAULT_TIMEOUT, Hosts, data_of, object_data
from .secret import Secret, redact_http_logs
from .store import SessionStore
from .validation import (
    check_login,
    check_new_user,
    check_profile_update,
    check_uid,
    is_falsy,
    user_fields,
)
from .wire import SESSION_KEYS

if TYPE_CHECKING:
    import pandas as pd

    from .bulk import Records
    from .widgets import Dashboard

logger = logging.getLogger("cometchat_nb")
T = TypeVar("T")
Flow = Generator[httpx.Request, httpx.Response, T]

_NOT_LOGGED_IN = (
    "An authToken is need to use the {endpoint} end-point. PS- We are aware of the spelling "
    "mistake, but in order to maintain backward compatibility we cannot change it :("
)
TOKEN_REJECTED = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"


def not_logged_in(endpoint: str) -> CometChatException:
    return local_error(
        "USER_NOT_LOGED_IN", _NOT_LOGGED_IN.format(endpoint=endpoint), name="User not logged-in"
    )


class _SessionBase:
    """State and flows shared by `Session` and `AsyncSession`."""

    def __init__(
        self,
        app_id: str | None = None,
        region: str | None = None,
        auth_key: str | Secret | None = None,
        rest_api_key: str | Secret | None = None,
        *,
        client_host: str | None = None,
        admin_host: str | None = None,
        store: SessionStore | None = None,
        emulator: Any = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self._connection: Connection = connect(
            app_id,
            region,
            auth_key,
            rest_api_key,
            client_host=client_host,
            admin_host=admin_host,
            store=store,
            emulator=emulator,
        )
        self.timeout = timeout
        self.max_retries = max_retries
        self.listeners = ListenerRegistry()
        self._login_key: Secret | None = None  # from login(auth_key=...), forgotten at logout
        self._login_lock = threading.Lock()
        self._state_lock = threading.RLock()  # around read-modify-writes of the store
        self._created: dict[str, User] = {}
        redact_http_logs()
        self._open(sleep)

    def _open(self, sleep: Callable[[float], Any] | None) -> None:
        """Create the HTTP client and the admin for this kind of session."""
        raise NotImplementedError

    # -- configuration -------------------------------------------------------

    @property
    def app_id(self) -> str:
        return self._connection.app_id

    @property
    def region(self) -> str:
        return self._connection.region

    @property
    def emulator(self) -> Any:
        """The `Emulator` this session talks to, or `None` on a real app."""
        return self._connection.emulator

    @property
    def store(self) -> SessionStore:
        return self._connection.store

    @property
    def created_users(self) -> UserList:
        """The users this session created, oldest first."""
        return UserList(self._created.values())

    def created_users_frame(self) -> pd.DataFrame:
        """The users this session created as a DataFrame (`uid` index; see `frames`)."""
        from .frames import users_frame

        return users_frame(self._created.values())

    def _auth_key(self) -> Secret | None:
        return self._login_key or self._connection.auth_key

    def add_login_listener(self, listener_id: str, listener: LoginListener) -> None:
        """Register `listener` (same id: replaced and moved last). No HTTP."""
        self.listeners.add(listener_id, listener)

    def remove_login_listener(self, listener_id: str) -> None:
        """Unregister the listener with this id. No HTTP."""
        self.listeners.remove(listener_id)

    # -- the stored session ----------------------------------------------------

    def _stored(self) -> dict[str, Any]:
        """The store's data for this app; `{}` when it cannot be read (logged, never raised)."""
        try:
            data = self._connection.store.load(self.app_id)
        except Exception as exc:  # also a store's warning turned into an error
            logger.warning("session store unreadable (%s): no session", type(exc).__name__)
            return {}
        return data if isinstance(data, dict) else {}

    def _session(self) -> dict[str, Any] | None:
        """The stored login, if the store holds a well-formed one."""
        session = self._stored().get("session")
        if not isinstance(session, dict):
            return None
        token, user = session.get("authToken"), session.get("user")
        if not isinstance(token, str) or not token or not isinstance(user, dict):
            return None
        return session if isinstance(user.get("uid"), str) else None

    def _token(self) -> Secret | None:
        session = self._session()
        return Secret(session["authToken"]) if session else None

    def _hosts(self) -> Hosts:
        session = self._session() or {}
        return self._connection.hosts.with_settings(
            session.get("settings"), self._connection.overridden
        )

    def _device_id(self) -> str:
        with self._state_lock:
            stored = self._stored()
            device_id = stored.get("deviceId")
            if not isinstance(device_id, str):
                device_id = f"{self.app_id}_{uuid.uuid4()}_{int(time.time() * 1000)}"
                self._save_best_effort({**stored, "deviceId": device_id})
        return device_id

    def _save_best_effort(self, data: dict[str, Any]) -> None:
        try:
            self._connection.store.save(self.app_id, data)
        except Exception as exc:
            logger.warning("session store not written (%s)", type(exc).__name__)

    def _save_session(
        self, data: dict[str, Any], token: Secret, *, replacing: Secret | None = None
    ) -> User:
        """Persist a `/me` answer as the logged-in session; the user it describes.

        With `replacing`, the answer updates the session that token belongs to, and
        is not persisted if that session ended meanwhile (a logout wins). Raises
        `SESSION_NOT_SAVED` when the store cannot be written.
        """
        user_data = {k: v for k, v in data.items() if k not in SESSION_KEYS}
        user_data["status"] = "online"
        user = User.from_dict(user_data).replace(auth_token=token)
        with self._state_lock:
            stored = self._stored()
            previous = self._session() or {}
            if replacing is not None:
                if previous.get("authToken") != replacing.reveal():
                    return user
            else:
                previous = {}
            keep = ("jwt", "wsChannel", "settings")
            session: dict[str, Any] = {k: previous[k] for k in keep if k in previous}
            session.update({k: data[k] for k in keep if k in data})
            session.update(user=user_data, authToken=token.reveal())
            try:
                self._connection.store.save(self.app_id, {**stored, "session": session})
            except Exception as exc:
                raise local_error(
                    "SESSION_NOT_SAVED",
                    f"The login could not be saved in {self._connection.store!r}: "
                    f"{type(exc).__name__}.",
                ) from None
        return user

    def _clear_session(self) -> None:
        with self._state_lock:
            stored = self._stored()
            if "session" in stored:
                del stored["session"]
                self._save_best_effort(stored)

    def _drop_other_session(self) -> None:
        """Clear a stored session locally, without a logout (spec 8.2 step 2)."""
        session = self._session()
        if session is not None:
            self._clear_session()
            self._login_key = None
            self.listeners.fire("session_cleared", User.from_dict(session["user"]))

    def _logged_out(self) -> None:
        """Forget the session and the login's key, then tell the listeners."""
        self._clear_session()
        self._login_key = None
        self.listeners.fire("logout_success")

    def _stored_user(self) -> User | None:
        session = self._session()
        if session is None:
            return None
        try:
            return User.from_dict(session["user"]).replace(auth_token=Secret(session["authToken"]))
        except Exception:
            return None

    def _build(self, method: str, base: str, *segments: str, **kwargs: Any) -> httpx.Request:
        return protocol.build(
            method, base, *segments, app_id=self.app_id, timeout=self.timeout, **kwargs
        )

    # -- flows ---------------------------------------------------------------

    def _login(self, uid: Any, auth_key: Any, auth_token: Any) -> Flow[User]:
        if not self._login_lock.acquire(blocking=False):
            raise local_error(
                "LOGIN_IN_PROGRESS", "Please wait until the previous login request ends."
            )
        try:
            if isinstance(uid, Mapping) and auth_key is None and auth_token is None:
                # The SDK's object forms: {"authToken": t} and {"username": uid, "apiKey": key}.
                uid, auth_key, auth_token = (
                    uid.get("username"),
                    uid.get("apiKey"),
                    uid.get("authToken"),
                )
            if isinstance(auth_token, AuthToken):
                auth_token = auth_token.auth_token
            key = auth_key if auth_key is not None else self._auth_key()
            error = check_login(uid, key, auth_token)
            if error is not None:
                self.listeners.fire("login_failure", error)
                raise error
            if auth_token is not None:
                return (yield from self._login_with_token(Secret(auth_token)))
            assert isinstance(key, str | Secret)  # check_login proved it
            user = yield from self._login_with_key(uid, Secret(key), remember=auth_key is not None)
            self.listeners.fire("login_success", user)
            return user
        finally:
            self._login_lock.release()

    def _login_with_key(self, uid: str, key: Secret, remember: bool) -> Flow[User]:
        """Mint a token with the key, then `PUT /me`; `remember` keeps the key until logout."""
        stored = self._stored_user()
        if stored is not None and stored.uid.lower() == uid.lower():
            return stored
        self._drop_other_session()
        hosts, body = self._hosts(), protocol.device_body(self._device_id())
        try:
            response = yield self._build(
                "POST", hosts.admin, "users", uid, "auth_tokens", api_key=key, body=body
            )
            token = Secret(object_data(response, "authToken")["authToken"])
            response = yield self._build("PUT", hosts.client, "me", auth_token=token, body=body)
            user = self._save_session(object_data(response, "uid"), token)
        except CometChatException as exc:
            self.listeners.fire("login_failure", exc)
            raise
        if remember:
            self._login_key = key
        return user

    def _login_with_token(self, token: Secret) -> Flow[User]:
        session = self._session()
        if session is not None and Secret(session["authToken"]) == token:
            user = self._stored_user()
            assert user is not None
            self.listeners.fire("login_success", user)
            return user
        self._drop_other_session()
        body = protocol.device_body(self._device_id())
        try:
            response = yield self._build(
                "PUT", self._hosts().client, "me", auth_token=token, body=body
            )
            data = object_data(response, "uid")
            user = self._save_session(data, Secret(data.get("authToken") or token))
        except CometChatException as exc:
            self.listeners.fire("login_failure", exc)
            if exc.code == TOKEN_REJECTED:
                self._logged_out()
            raise
        self.listeners.fire("login_success", user)
        return user

    def _logout(self) -> Flow[dict[str, Any]]:
        token = self._token()
        if token is None:
            self._logged_out()
            raise not_logged_in("logout")
        error: CometChatException | None = None
        result: dict[str, Any] = {}
        try:
            response = yield self._build("DELETE", self._hosts().client, "me", auth_token=token)
            result = object_data(response)
        except CometChatException as exc:
            error = exc
        self._logged_out()
        if error is not None and error.code != TOKEN_REJECTED:
            raise error
        return result

    def _client_call(self, request: httpx.Request) -> Flow[Any]:
        """Send a call made with the session's token; a rejected token logs out (spec 8.5),
        unless the session it belonged to has already ended."""
        try:
            response = yield request
            return data_of(response)
        except CometChatException as exc:
            token = self._token()
            if (
                exc.code == TOKEN_REJECTED
                and token
                and token.reveal() == request.headers.get("authToken")
            ):
                self._logged_out()
            raise

    def _create_user(
        self, user: User | Mapping[str, Any], auth_key: Any, exist_ok: bool
    ) -> Flow[User]:
        key = auth_key if auth_key is not None else self._auth_key()
        if not isinstance(key, str | Secret) or is_falsy(key):
            raise local_error(
                "INVALID_AUTH_KEY", "Invalid AUTH_KEY. Please provide a valid AUTH_KEY."
            )
        fields = user_fields(user)
        check_new_user(fields)
        request = self._build(
            "POST", self._hosts().admin, "users", api_key=Secret(key), body=fields
        )
        return (yield from self._created_or_existing(request, fields["uid"], exist_ok))

    def _created_or_existing(self, request: httpx.Request, uid: str, exist_ok: bool) -> Flow[User]:
        """Send a create; on `ERR_UID_ALREADY_EXISTS` with `exist_ok`, fetch the user instead
        (with no login and no REST API key to read it, a `User` with only the uid)."""
        response = yield request
        try:
            created = User.from_dict(object_data(response, "uid"))
        except CometChatException as exc:
            if not (exist_ok and exc.code == "ERR_UID_ALREADY_EXISTS"):
                raise
            if self._token() is None and self._connection.rest_api_key is None:
                return User(uid.lower())
            return (yield from self._get_user(uid))
        self._created[created.uid] = created
        self.listeners.fire("user_created", created)
        return created

    def _get_user(self, uid: Any) -> Flow[User]:
        if not isinstance(uid, str) or is_falsy(uid):
            raise local_error("INVALID_UID", "Invalid UID. Please provide a valid UID.")
        check_uid(uid)
        token, rest_key = self._token(), self._connection.rest_api_key
        if token is not None:
            request = self._build("GET", self._hosts().client, "users", uid, auth_token=token)
        elif rest_key is not None:
            request = self._build("GET", self._hosts().rest, "users", uid, api_key=rest_key)
        else:
            raise not_logged_in("users")
        data = yield from self._client_call(request)
        return User.from_dict(data)

    def _update_current_user_details(self, user: User | Mapping[str, Any]) -> Flow[User]:
        token = self._token()
        if token is None:
            raise local_error(
                "USER_NOT_LOGGED_IN", "Please log in to CometChat before calling this method."
            )
        fields = {k: v for k, v in user_fields(user).items() if k not in ("uid", "role")}
        if not fields:
            raise missing_parameters(
                "Nothing to update: give a name, avatar, link, metadata, statusMessage or tags."
            )
        check_profile_update(fields)
        request = self._build("PUT", self._hosts().client, "me", auth_token=token, body=fields)
        data = yield from self._client_call(request)
        if not isinstance(data, dict):
            raise failed_to_fetch("unexpected response shape")
        return self._save_session(data, Secret(data.get("authToken") or token), replacing=token)

    def __repr__(self) -> str:
        where = "EMULATOR" if self.emulator is not None else "app"
        user = self._stored_user()
        who = user.uid if user else None
        return (
            f"{type(self).__name__}({where} app_id={self.app_id!r}, region={self.region!r}, "
            f"logged_in={who!r}, listeners={len(self.listeners)})"
        )

    def _repr_html_(self) -> str:
        from .display import session_html

        return session_html(self)


#: The longest `Retry-After` a session waits out; a longer one raises at once.
MAX_RETRY_WAIT = 60.0


def _check_retries(response: httpx.Response, attempt: int, max_retries: int) -> float | None:
    """Seconds to wait before resending after a 429, or None to hand the response on.

    Any request may be resent: a 429 means the service did nothing with it.
    """
    if response.status_code != 429 or attempt >= max_retries:
        return None
    wait = protocol.retry_after(response)
    return wait if wait <= MAX_RETRY_WAIT else None


class Session(_SessionBase):
    """A synchronous CometChat session (the SDK's `CometChat` object).

    `Session()` with no app id anywhere connects to the embedded emulator;
    `Session(app_id, region, auth_key, rest_api_key)` (or `COMETCHAT_*` variables)
    to a real app. Use it as a context manager, or call `close()`.
    """

    def _open(self, sleep: Callable[[float], Any] | None) -> None:
        self._sleep = sleep or time.sleep
        self._dashboard: Dashboard | None = None
        self._client = httpx.Client(transport=self._connection.transport())
        self.admin = Admin(self)

    def _send(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            if self._client.is_closed:
                raise local_error("SESSION_CLOSED", "This session is closed: open a new one.")
            try:
                response = self._client.send(request)
            except httpx.HTTPError as exc:
                raise protocol.transport_error(exc) from None
            wait = _check_retries(response, attempt, self.max_retries)
            if wait is None:
                return response
            self._sleep(wait)
            attempt += 1

    def _run(self, flow: Flow[T]) -> T:
        """Drive a flow: send each request it yields, hand it the response.

        When the flow ends, the registry's subscribers are told (`listeners.flush`).
        """
        try:
            request = next(flow)
            while True:
                try:
                    response = self._send(request)
                except CometChatException as exc:
                    request = flow.throw(exc)
                else:
                    request = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            flow.close()
            self.listeners.flush()

    def login(
        self,
        uid: str | None = None,
        auth_key: str | Secret | None = None,
        *,
        auth_token: str | Secret | AuthToken | None = None,
    ) -> User:
        """Log in with a uid and auth key (development) or an auth token (production).

        Sends `POST /users/{uid}/auth_tokens` then `PUT /me` (or only `PUT /me` with a
        token); a stored session for the same uid or token is reused without HTTP.
        Fires `login_success` or `login_failure`. Raises `MISSING_PARAMETERS`,
        `INVALID_UID`, `LOGIN_IN_PROGRESS` locally, or the service's error
        (`ERR_UID_NOT_FOUND`, `AUTH_ERR_APIKEY_NOT_FOUND`, `AUTH_ERR_AUTH_TOKEN_NOT_FOUND`).
        """
        return self._run(self._login(uid, auth_key, auth_token))

    def get_logged_in_user(self) -> User | None:
        """The stored session's user, or None. Reads the store only; never raises."""
        return self._stored_user()

    def logout(self) -> dict[str, Any]:
        """Log out (`DELETE /me`), clear the stored session, fire `logout_success`.

        Raises `USER_NOT_LOGED_IN` (after firing `logout_success`) when nobody is
        logged in, sending nothing.
        """
        return self._run(self._logout())

    def create_user(
        self,
        user: User | Mapping[str, Any],
        auth_key: str | Secret | None = None,
        exist_ok: bool = False,
    ) -> User:
        """Create a user with the auth key (`POST /users`); fires `user_created`.

        Raises `INVALID_AUTH_KEY`, `UID_IS_COMPULSORY`, `INVALID_UID`,
        `USER_NAME_IS_COMPULSORY`, `INVALID_USER_*` locally, `ERR_UID_ALREADY_EXISTS`
        (unless `exist_ok`, which returns the existing user) or `ERR_BAD_REQUEST`.
        """
        return self._run(self._create_user(user, auth_key, exist_ok))

    def create_users(
        self,
        frame_or_records: Records,
        concurrency: int = 8,
        exist_ok: bool = False,
        progress: Any = True,
    ) -> pd.DataFrame:
        """Create many users with the auth key, `concurrency` at a time (a thread pool).

        Takes a DataFrame (or records) with `uid`, `name` and any user field; returns
        one row per input, in input order: `uid`, `name`, `result` (`created`,
        `exists` with `exist_ok`, `error`), `error_code`, `error_message`. A uid
        repeated in the input is created by its first row only (later ones:
        `DUPLICATE_UID`); a 429 is retried after Retry-After. Shows a progress bar
        in notebooks (`progress=False` for none). Raises `TypeError` for bad input.
        """
        from .bulk import create_users

        return create_users(self, frame_or_records, concurrency, exist_ok, progress)

    def dashboard(self) -> Dashboard:
        """The login form, event log and user table of this session, in one widget.

        It replaces (closes) the one this session made before, so re-running the
        cell leaves no stale subscribers.
        """
        from .widgets import dashboard

        if self._dashboard is not None:
            self._dashboard.close()
        self._dashboard = dashboard(self)
        return self._dashboard

    def get_user(self, uid: str) -> User:
        """Fetch a user (`GET /users/{uid}`) with the session's token, else the REST API key.

        Raises `INVALID_UID` locally or `ERR_UID_NOT_FOUND`.
        """
        return self._run(self._get_user(uid))

    def update_current_user_details(self, user: User | Mapping[str, Any]) -> User:
        """Update the logged-in user's profile (`PUT /me`); the stored user follows.

        Raises `USER_NOT_LOGGED_IN` when nobody is logged in, `INVALID_USER_NAME`.
        """
        return self._run(self._update_current_user_details(user))

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncSession(_SessionBase):
    """The async twin of `Session`: the same calls, awaited."""

    def _open(self, sleep: Callable[[float], Any] | None) -> None:
        self._sleep = sleep or asyncio.sleep
        self._client = httpx.AsyncClient(transport=self._connection.async_transport())
        self.admin = AsyncAdmin(self)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            if self._client.is_closed:
                raise local_error("SESSION_CLOSED", "This session is closed: open a new one.")
            try:
                response = await self._client.send(request)
            except httpx.HTTPError as exc:
                raise protocol.transport_error(exc) from None
            wait = _check_retries(response, attempt, self.max_retries)
            if wait is None:
                return response
            pause = self._sleep(wait)
            if isinstance(pause, Coroutine):
                await pause
            attempt += 1

    async def _run(self, flow: Flow[T]) -> T:
        try:
            request = next(flow)
            while True:
                try:
                    response = await self._send(request)
                except CometChatException as exc:
                    request = flow.throw(exc)
                else:
                    request = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            flow.close()
            self.listeners.flush()

    async def login(
        self,
        uid: str | None = None,
        auth_key: str | Secret | None = None,
        *,
        auth_token: str | Secret | AuthToken | None = None,
    ) -> User:
        """`Session.login`, awaited."""
        return await self._run(self._login(uid, auth_key, auth_token))

    async def get_logged_in_user(self) -> User | None:
        """`Session.get_logged_in_user`, awaited (no HTTP)."""
        return self._stored_user()

    async def logout(self) -> dict[str, Any]:
        """`Session.logout`, awaited."""
        return await self._run(self._logout())

    async def create_user(
        self,
        user: User | Mapping[str, Any],
        auth_key: str | Secret | None = None,
        exist_ok: bool = False,
    ) -> User:
        """`Session.create_user`, awaited."""
        return await self._run(self._create_user(user, auth_key, exist_ok))

    async def create_users(
        self,
        frame_or_records: Records,
        concurrency: int = 8,
        exist_ok: bool = False,
        progress: Any = True,
    ) -> pd.DataFrame:
        """`Session.create_users`, awaited: `concurrency` tasks on this event loop."""
        from .bulk import acreate_users

        return await acreate_users(self, frame_or_records, concurrency, exist_ok, progress)

    async def get_user(self, uid: str) -> User:
        """`Session.get_user`, awaited."""
        return await self._run(self._get_user(uid))

    async def update_current_user_details(self, user: User | Mapping[str, Any]) -> User:
        """`Session.update_current_user_details`, awaited."""
        return await self._run(self._update_current_user_details(user))

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
