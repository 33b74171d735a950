"""The guide's flows: login, logout, create, get and update users (spec 8).

A flow is a generator that yields the `httpx.Request`s to send and receives the
`httpx.Response`s (or, thrown in, the `CometChatException` sending raised). It
sends nothing itself, so `Session` and `AsyncSession` run the same flows and
differ only in how they send. `Core` holds what flows share: the connection,
the listener registry, the stored login, the login's key and the users created.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Generator, Mapping
from functools import partial
from typing import Any, TypeVar

import httpx

from .. import protocol
from ..connection import Connection
from ..errors import CometChatException, local_error, missing_parameters
from ..listeners import ListenerRegistry
from ..models import AuthToken, User
from ..protocol import Hosts, data_of, object_data, parsed
from ..retry import Retry
from ..secret import Secret
from ..validation import (
    as_secret,
    check_credential,
    check_flag,
    check_login,
    check_new_user,
    check_profile_update,
    check_uid,
    is_falsy,
    user_fields,
)
from ..wire import AUTH_ERR_AUTH_TOKEN_NOT_FOUND, ERR_UID_ALREADY_EXISTS
from .create import create, read_back
from .created import KEEP_CREATED, Created
from .stored import LoginStore, StoredLogin

T = TypeVar("T")
Flow = Generator[httpx.Request, httpx.Response, T]

_NOT_LOGGED_IN = (
    "An authToken is need to use the {endpoint} end-point. PS- We are aware of the spelling "
    "mistake, but in order to maintain backward compatibility we cannot change it :("
)


def not_logged_in(endpoint: str) -> CometChatException:
    """The SDK's `USER_NOT_LOGED_IN` (sic) for a client call with no token (spec 7.2)."""
    return local_error(
        "USER_NOT_LOGED_IN", _NOT_LOGGED_IN.format(endpoint=endpoint), name="User not logged-in"
    )


#: What reading an odd answer may raise inside a flow, short of a typed error.
_SHAPE_ERRORS = (
    ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError, RecursionError,
)  # fmt: skip


def answer(flow: Flow[T], response: httpx.Response) -> httpx.Request:
    """Hand `response` to `flow`; its next request (`StopIteration` when it ends).

    Whatever an answer of an unexpected shape makes the flow raise reaches the caller
    as `FAILED_TO_FETCH`, never as a raw Python error.
    """
    try:
        return flow.send(response)
    except _SHAPE_ERRORS as exc:
        raise protocol.unreadable(response, f"unexpected shape ({type(exc).__name__})") from None


def _hinted(error: CometChatException, hint: str) -> CometChatException:
    """A copy of `error` whose message ends with `hint` (what the failure leaves behind)."""
    failure = copy.copy(error)
    failure.message = f"{error.message} {hint}"
    failure.args = (failure.message,)
    return failure


def _revoke_hint(uid: str, what: str) -> str:
    return f"{what}: revoke it with session.admin.flush_auth_tokens({uid!r})."


def _object(data: Any) -> dict[str, Any]:
    """`data` when it is an object (a `parse` for `client_call`)."""
    if not isinstance(data, dict):
        raise TypeError(f"expected an object, got {type(data).__name__}")
    return data


def _count(data: Any) -> int:
    """`data.onlineUsersCount`, a count (a `parse` for `_client_call`)."""
    count = data["onlineUsersCount"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise TypeError(f"expected a count, got {count!r}")
    return count


def _token_in(data: Mapping[str, Any], sent: Secret) -> Secret:
    """The token a `/me` answer's data names (a non-empty string), else the one sent."""
    token = data.get("authToken")
    return Secret(token) if isinstance(token, str) and token else sent


class Core:
    """One session's state and flows; stateful but sans-IO (it sends nothing)."""

    def __init__(
        self, connection: Connection, listeners: ListenerRegistry, timeout: float,
        keep_created: int = KEEP_CREATED,
    ) -> None:  # fmt: skip
        self.connection = connection
        self.listeners = listeners
        self.timeout = timeout
        self.logins = LoginStore(connection.store, connection.app_id, self._peer_changed)
        self.login_key: Secret | None = None  # from login(auth_key=...), forgotten at logout
        self.created = Created(keep_created)
        self.retry = Retry()  # the session's: how often a request (a create too) is sent
        self._login_lock = threading.Lock()

    @property
    def auth_key(self) -> Secret | None:
        """The key a login or create uses when none is given: the login's, else the session's."""
        return self.login_key or self.connection.auth_key

    def build(
        self, method: str, base: str, *segments: str | Secret, **kwargs: Any
    ) -> httpx.Request:
        """A request for this app (`protocol.build` with the app id and timeout)."""
        return protocol.build(
            method, base, *segments, app_id=self.connection.app_id, timeout=self.timeout, **kwargs
        )

    def hosts(self, seen: StoredLogin) -> Hosts:
        """The hosts to use: those a stored login's settings name, unless overridden."""
        return self.connection.hosts.with_settings(seen.settings, self.connection.overridden)

    # -- login and logout ----------------------------------------------------

    def login(self, uid: Any, auth_key: Any, auth_token: Any) -> Flow[User]:
        """Log in with a uid and key, or a token; fires `login_success` / `login_failure`."""
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
            auth_key, auth_token = as_secret(auth_key), as_secret(auth_token)
            key = auth_key if auth_key is not None else self.auth_key
            error = check_login(uid, key, auth_token)
            if error is not None:
                self.listeners.fire("login_failure", error)
                raise error
            token = check_credential("auth_token", auth_token)
            secret = None if token is not None else check_credential("auth_key", key)
            seen = self.logins.read()
            if token is not None:
                user = yield from self._login_with_token(seen, token)
            else:
                assert secret is not None  # check_login proved it
                user = yield from self._login_with_key(
                    seen, uid, secret, remember=auth_key is not None
                )
            self.listeners.fire("login_success", user)
            return user
        finally:
            self._login_lock.release()

    def _login_with_key(
        self, seen: StoredLogin, uid: str, key: Secret, remember: bool
    ) -> Flow[User]:
        """Mint a token with the key, then `PUT /me`; `remember` keeps the key until logout."""
        if seen.uid is not None and seen.uid.lower() == uid.lower() and seen.user is not None:
            return seen.user
        seen = self._drop_other_session(seen)
        hosts, body = self.hosts(seen), protocol.device_body(str(seen.device_id))
        try:
            response = yield self.build(
                "POST", hosts.admin, "users", uid, "auth_tokens", api_key=key, body=body
            )
            token = Secret(object_data(response, "authToken")["authToken"])
        except CometChatException as exc:
            if exc.outcome_unknown:  # minted, perhaps, but the token never reached us
                exc = _hinted(exc, _revoke_hint(uid, "An auth token may have been minted"))
            self.listeners.fire("login_failure", exc)
            raise exc from None
        try:
            response = yield self.build("PUT", hosts.client, "me", auth_token=token, body=body)
            user = self.logins.save(seen, object_data(response, "uid"), token)
        except CometChatException as exc:
            failure = yield from self._revoke(hosts, token, exc, uid)
            self.listeners.fire("login_failure", failure)
            raise failure from None
        if remember:
            self.login_key = key
        return user

    def _revoke(
        self, hosts: Hosts, token: Secret, error: CometChatException, uid: str
    ) -> Flow[CometChatException]:
        """Revoke a token minted for a login that then failed (`DELETE /me`, which the token
        itself authorizes), so none is left alive; `error`, saying so if it could not be."""
        try:
            response = yield self.build("DELETE", hosts.client, "me", auth_token=token)
            object_data(response)
        except CometChatException as exc:
            if exc.code != AUTH_ERR_AUTH_TOKEN_NOT_FOUND:  # not already gone
                left = "The auth token minted for this login may still be valid: its "
                return _hinted(error, _revoke_hint(uid, left + "revocation was not confirmed"))
        return error

    def _login_with_token(self, seen: StoredLogin, token: Secret) -> Flow[User]:
        if seen.user is not None and seen.token == token:
            return seen.user
        seen = self._drop_other_session(seen)
        body = protocol.device_body(str(seen.device_id))
        try:
            response = yield self.build(
                "PUT", self.hosts(seen).client, "me", auth_token=token, body=body
            )
            data = object_data(response, "uid")
            user = self.logins.save(seen, data, _token_in(data, token))
        except CometChatException as exc:
            self.listeners.fire("login_failure", exc)
            if exc.code == AUTH_ERR_AUTH_TOKEN_NOT_FOUND:
                self._logged_out()
            raise
        return user

    def _drop_other_session(self, seen: StoredLogin) -> StoredLogin:
        """Clear a stored session locally, without a logout (spec 8.2 step 2); the store after."""
        if seen.session is not None:
            self._forget()
            self.listeners.fire("session_cleared", seen.user)
            seen = StoredLogin({k: v for k, v in seen.data.items() if k != "session"})
        return self.logins.with_device_id(seen)

    def _peer_changed(self, seen: StoredLogin, why: str) -> None:
        """The stored login changed under this session (another session on its store, an
        emulator's reset): tell its listeners and subscribers (`login_success` or
        `logout_success`, the detail saying `why`); its own login's key is forgotten."""
        self.login_key = None
        user = seen.user
        if user is None:
            self.listeners.fire("logout_success", detail=f"({why})")
        else:
            self.listeners.fire("login_success", user, detail=f"{user.uid} ({why})")
        self.listeners.flush()

    def _forget(self) -> None:
        """Forget the stored login and the login's key."""
        self.logins.clear()
        self.login_key = None

    def _logged_out(self) -> None:
        """Forget the session, then tell the listeners."""
        self._forget()
        self.listeners.fire("logout_success")

    def logout(self) -> Flow[dict[str, Any]]:
        """`DELETE /me`, then forget the session, whatever the answer.

        Confirmed (or the token already rejected): `logout_success`. Not confirmed:
        `logout_failure` with the error, which says the token may still be valid.
        """
        seen = self.logins.read()
        token = seen.token
        if token is None:
            self._logged_out()
            raise not_logged_in("logout")
        try:
            response = yield self.build("DELETE", self.hosts(seen).client, "me", auth_token=token)
            result = object_data(response)
        except CometChatException as exc:
            if exc.code == AUTH_ERR_AUTH_TOKEN_NOT_FOUND:
                self._logged_out()
                return {}
            self._forget()
            failure = _hinted(exc, _revoke_hint(seen.uid or "", (
                "The local session is cleared, but the service did not confirm the logout: "
                "the auth token may still be valid")))  # fmt: skip
            self.listeners.fire("logout_failure", failure)
            raise failure from None
        self._logged_out()
        return result

    def client_call(
        self,
        request: httpx.Request,
        parse: Callable[[Any], T],
        read: Callable[[httpx.Response], Any] = data_of,
    ) -> Flow[T]:
        """Send a call made with the session's token and parse what `read` takes of the
        answer (its `data`); a rejected token logs out (spec 8.5), unless the session it
        belonged to has already ended."""
        try:
            response = yield request
            return parsed(parse, read(response), response)
        except CometChatException as exc:
            if exc.code == AUTH_ERR_AUTH_TOKEN_NOT_FOUND:
                token = self.logins.read().token
                if token is not None and token.reveal() == request.headers.get("authToken"):
                    self._logged_out()
            raise

    # -- users ---------------------------------------------------------------

    def create_user(
        self, user: User | Mapping[str, Any], auth_key: Any, exist_ok: bool
    ) -> Flow[User]:
        """Create a user with the auth key (`POST /users`); fires `user_created`."""
        check_flag("exist_ok", exist_ok)
        key = as_secret(auth_key) if auth_key is not None else self.auth_key
        if not isinstance(key, str | Secret) or is_falsy(key):
            raise local_error(
                "INVALID_AUTH_KEY", "Invalid AUTH_KEY. Please provide a valid AUTH_KEY."
            )
        secret = check_credential("auth_key", key)
        fields = user_fields(user)
        check_new_user(fields)
        seen = self.logins.read()
        request = self.build("POST", self.hosts(seen).admin, "users", api_key=secret, body=fields)
        return (yield from self.send_create(request, fields, exist_ok, seen))

    def send_create(
        self, request: httpx.Request, fields: Mapping[str, Any], exist_ok: bool, seen: StoredLogin
    ) -> Flow[User]:
        """Send a create (see `core.create`); fire `user_created` for the user it made.

        On `ERR_UID_ALREADY_EXISTS` with `exist_ok`, the existing user instead (with no
        login and no REST API key to read it, a `User` with only the uid).
        """
        uid = str(fields["uid"])
        try:
            user = yield from create(
                request, fields, partial(self.reader, uid, seen), self.retry.attempts
            )
        except CometChatException as exc:
            if not (exist_ok and exc.code == ERR_UID_ALREADY_EXISTS):
                raise
            reader = self.reader(uid, seen)
            if reader is None:
                return User(uid.lower())
            existing = yield from read_back(reader)
            if existing is None:
                raise
            return existing
        self.created.add(user)
        self.listeners.fire("user_created", user)
        return user

    def reader(self, uid: str, seen: StoredLogin) -> httpx.Request | None:
        """The request that reads `uid`: with the REST API key, else the login's token."""
        rest_key, token = self.connection.rest_api_key, seen.token
        if rest_key is not None:
            return self.build("GET", self.connection.hosts.rest, "users", uid, api_key=rest_key)
        if token is not None:
            return self.build("GET", self.hosts(seen).client, "users", uid, auth_token=token)
        return None

    def get_user(self, uid: Any) -> Flow[User]:
        """`GET /users/{uid}` with the session's token, else the REST API key."""
        if not isinstance(uid, str) or is_falsy(uid):
            raise local_error("INVALID_UID", "Invalid UID. Please provide a valid UID.")
        check_uid(uid)
        seen = self.logins.read()
        token, rest_key = seen.token, self.connection.rest_api_key
        if token is not None:
            request = self.build("GET", self.hosts(seen).client, "users", uid, auth_token=token)
        elif rest_key is not None:
            request = self.build("GET", self.hosts(seen).rest, "users", uid, api_key=rest_key)
        else:
            raise not_logged_in("users")
        return (yield from self.client_call(request, User.from_dict))

    def get_online_user_count(self) -> Flow[int]:
        """How many users of the app are online: `POST .../api/{v}/online-members`, with the
        login's JWT in `Authorization` (spec 4)."""
        seen = self.logins.read()
        jwt = seen.session.get("jwt") if seen.session is not None else None
        if seen.token is None or not isinstance(jwt, str) or not jwt:
            raise not_logged_in("appSettings")
        base, version = self.hosts(seen).chat(seen.settings, self.connection.overridden)
        request = self.build("POST", base, "api", version, "online-members")
        request.headers["Authorization"] = jwt
        return (yield from self.client_call(request, _count))

    def update_current_user_details(self, user: User | Mapping[str, Any]) -> Flow[User]:
        """`PUT /me` with a profile body; the stored user follows (unless logged out meanwhile)."""
        seen = self.logins.read()
        token = seen.token
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
        request = self.build("PUT", self.hosts(seen).client, "me", auth_token=token, body=fields)
        data = yield from self.client_call(request, _object)
        return self.logins.save(seen, data, _token_in(data, token), replacing=token)
