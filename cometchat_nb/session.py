"""`Session` and `AsyncSession`: CometChat's authentication guide, in Python.

Each is a `BaseSession` (a `Core` of flows and the stored login, sans-IO) plus an
httpx client; the two differ only in how they send what the flows yield.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .admin import Admin, AsyncAdmin
from .base_session import BaseSession
from .core.client import Flow, answer
from .core.rest import AdminFlows
from .errors import CometChatException, local_error
from .health import HealthReport
from .health import check as health_check
from .models import AuthToken, User
from .secret import Secret
from .user_calls import AsyncUserCalls, UserCalls
from .validation import as_secret
from .workers import Workers

if TYPE_CHECKING:
    import pandas as pd
    from ipywidgets import VBox

    from .bulk.progress import ProgressOption

T = TypeVar("T")


class Session(BaseSession, UserCalls):
    """A synchronous CometChat session (the SDK's `CometChat` object).

    `Session()` with no app id anywhere connects to the embedded emulator;
    `Session(app_id, region, auth_key, rest_api_key)` (or `COMETCHAT_*` variables)
    to a real app. `retry=` sets the `Retry` policy; `timeout=` the seconds a request
    may take; `keep_requests=` how many requests `transcript()` keeps (0: none) and
    `keep_bytes=` about how many bytes they may weigh (2 MiB; a body over 16 KiB is kept
    as its head); `keep_created=` how many users `created_users` keeps (10,000, the
    latest). Use it as a context manager, or call `close()`.
    """

    def _open(self, sleep: Callable[[float], Any] | None) -> None:
        self._sleep = sleep or time.sleep
        self._dashboard: VBox | None = None
        self._client = self._core.connection.client()
        workers = Workers(self._run, self._send, self._publish_wire, self.listeners, self.limits)
        self._workers = workers
        self.admin = Admin(AdminFlows(self._core), self._run, workers)

    def _send(self, request: httpx.Request) -> httpx.Response:
        """Send one request, resending it as the session's `Retry` allows."""
        attempts = self._attempts(request)
        while True:
            if hold := self._pace(request, attempts.count == 1):
                self.limits.wait(request, hold, self._sleep)
            if self._client.is_closed:
                raise local_error("SESSION_CLOSED", "This session is closed: open a new one.")
            started, clock = time.time(), time.perf_counter()
            try:
                response = self._client.send(request)
            except httpx.HTTPError as exc:
                wait = self._failed(request, attempts, exc, started, clock)
            else:
                answered = self._answered(request, attempts, response, started, clock)
                if answered is None:
                    return response
                wait = answered
            self._sleep(wait)

    def _run(self, flow: Flow[T]) -> T:
        """Drive a flow: send each request it yields, hand it the response; when it ends,
        tell the registry's subscribers (`listeners.flush`)."""
        try:
            request = next(flow)
            while True:
                try:
                    response = self._send(request)
                except CometChatException as exc:
                    self._publish_wire()
                    request = flow.throw(exc)
                else:
                    self._publish_wire()
                    request = answer(flow, response)
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
        auth_key, auth_token = as_secret(auth_key), as_secret(auth_token)  # masked in frames
        return self._run(self._core.login(uid, auth_key, auth_token))

    def get_logged_in_user(self) -> User | None:
        """The stored session's user, or None. Reads the store only; never raises."""
        return self._core.logins.read().user

    def logout(self) -> dict[str, Any]:
        """Log out (`DELETE /me`), clear the stored session, fire `logout_success`. Raises
        `USER_NOT_LOGED_IN` (after firing `logout_success`), sending nothing, when nobody is
        logged in."""
        return self._run(self._core.logout())

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
        auth_key = as_secret(auth_key)
        return self._run(self._core.create_user(user, auth_key, exist_ok))

    def create_users(
        self,
        frame_or_records: Any,
        *,
        concurrency: int = 8,
        exist_ok: bool = False,
        strict: bool = True,
        progress: ProgressOption = True,
        results: str | os.PathLike[str] | None = None,
    ) -> pd.DataFrame:
        """Create many users with the auth key, `concurrency` at a time (a thread pool).

        Takes and returns what `session.admin.create_users` does (the one bulk pipeline,
        `cometchat_nb.bulk`): one result row per input, in input order, `uid` as given,
        `name`, `result` (`created`, `exists` with `exist_ok`, `error`, `not_started`
        after Ctrl-C), `changes`, `error_code`, `error_message`. `results=` a CSV path
        streams the rows there; `progress=True` shows a bar in a notebook (text elsewhere).
        """
        from .bulk.drive import run

        job = self._create_job(frame_or_records, exist_ok=exist_ok, strict=strict,
                               concurrency=concurrency, progress=progress,
                               results=results)  # fmt: skip
        return run(job, self._workers, None)

    def dashboard(self) -> VBox:
        """The login form, event log and user table of this session in one widget (a
        `cometchat_nb.Dashboard`); it closes the one this session made before, so re-running
        the cell leaves no stale subscribers."""
        from .widgets import dashboard

        if self._dashboard is not None:
            self._dashboard.close()
        self._dashboard = dashboard(self)
        return self._dashboard

    def get_user(self, uid: str) -> User:
        """Fetch a user (`GET /users/{uid}`) with the session's token, else the REST API key.
        Raises `INVALID_UID` locally or `ERR_UID_NOT_FOUND`."""
        return self._run(self._core.get_user(uid))

    def get_online_user_count(self) -> int:
        """How many users of the app are online now (`getOnlineUserCount`), asked with the
        login's JWT. Raises `USER_NOT_LOGED_IN` when nobody is logged in."""
        return self._run(self._core.get_online_user_count())

    def update_current_user_details(self, user: User | Mapping[str, Any]) -> User:
        """Update the logged-in user's profile (`PUT /me`); the stored user follows.

        Raises `USER_NOT_LOGGED_IN` when nobody is logged in, `INVALID_USER_NAME`.
        """
        return self._run(self._core.update_current_user_details(user))

    def check(self) -> HealthReport:
        """A health report: for each credential held, checked, not checkable or failed;
        `ok` when something was checked and nothing failed (see `health`)."""
        return self._run(health_check(self._core, type(self).__name__))

    def close(self) -> None:
        """Close the HTTP connections; stop hearing the logins of sessions on the same store."""
        self._core.logins.leave()
        self._client.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncSession(BaseSession, AsyncUserCalls):
    """The async twin of `Session`: the same calls, awaited."""

    def _open(self, sleep: Callable[[float], Any] | None) -> None:
        import asyncio  # here: `import cometchat_nb` need not load asyncio

        self._sleep: Callable[[float], Awaitable[Any] | Any] = sleep or asyncio.sleep
        self._client = self._core.connection.async_client()
        workers = Workers(self._run, self._send, self._publish_wire, self.listeners, self.limits)
        self._workers = workers
        self.admin = AsyncAdmin(AdminFlows(self._core), self._run, workers)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """`Session._send`, awaited (a plain `sleep=` function works too)."""
        attempts = self._attempts(request)
        while True:
            if hold := self._pace(request, attempts.count == 1):
                await self._hold(request, hold)
            if self._client.is_closed:
                raise local_error("SESSION_CLOSED", "This session is closed: open a new one.")
            started, clock = time.time(), time.perf_counter()
            try:
                response = await self._client.send(request)
            except httpx.HTTPError as exc:
                wait = self._failed(request, attempts, exc, started, clock)
            else:
                answered = self._answered(request, attempts, response, started, clock)
                if answered is None:
                    return response
                wait = answered
            await self._pause(wait)

    async def _hold(self, request: httpx.Request, seconds: float) -> None:
        """Wait out a pacing hold (`RateLimits.wait`, awaited): in short slices with
        `asyncio.sleep`, so that an interrupted bulk call stops waiting at once."""
        import asyncio

        while seconds > 0 and not self.limits.released:
            step = min(seconds, 0.1) if self._sleep is asyncio.sleep else seconds
            await self._pause(step)
            seconds -= step
        self.limits.proceed(request)

    async def _pause(self, seconds: float) -> None:
        """Wait with `sleep=`: awaited when it returns an awaitable, as `asyncio.sleep` does."""
        if isinstance(pause := self._sleep(seconds), Awaitable):
            await pause

    async def _run(self, flow: Flow[T]) -> T:
        """`Session._run`, awaited."""
        try:
            request = next(flow)
            while True:
                try:
                    response = await self._send(request)
                except CometChatException as exc:
                    self._publish_wire()
                    request = flow.throw(exc)
                else:
                    self._publish_wire()
                    request = answer(flow, response)
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
        auth_key, auth_token = as_secret(auth_key), as_secret(auth_token)
        return await self._run(self._core.login(uid, auth_key, auth_token))

    async def get_logged_in_user(self) -> User | None:
        """`Session.get_logged_in_user`, awaited (no HTTP)."""
        return self._core.logins.read().user

    async def logout(self) -> dict[str, Any]:
        """`Session.logout`, awaited."""
        return await self._run(self._core.logout())

    async def create_user(
        self,
        user: User | Mapping[str, Any],
        auth_key: str | Secret | None = None,
        exist_ok: bool = False,
    ) -> User:
        """`Session.create_user`, awaited."""
        auth_key = as_secret(auth_key)
        return await self._run(self._core.create_user(user, auth_key, exist_ok))

    async def create_users(
        self,
        frame_or_records: Any,
        *,
        concurrency: int = 8,
        exist_ok: bool = False,
        strict: bool = True,
        progress: ProgressOption = True,
        results: str | os.PathLike[str] | None = None,
    ) -> pd.DataFrame:
        """`Session.create_users`, awaited: `concurrency` tasks on this event loop."""
        from .bulk.drive import arun

        job = self._create_job(frame_or_records, exist_ok=exist_ok, strict=strict,
                               concurrency=concurrency, progress=progress,
                               results=results)  # fmt: skip
        return await arun(job, self._workers, None)

    async def get_user(self, uid: str) -> User:
        """`Session.get_user`, awaited."""
        return await self._run(self._core.get_user(uid))

    async def get_online_user_count(self) -> int:
        """`Session.get_online_user_count`, awaited."""
        return await self._run(self._core.get_online_user_count())

    async def update_current_user_details(self, user: User | Mapping[str, Any]) -> User:
        """`Session.update_current_user_details`, awaited."""
        return await self._run(self._core.update_current_user_details(user))

    async def check(self) -> HealthReport:
        """`Session.check`, awaited."""
        return await self._run(health_check(self._core, type(self).__name__))

    async def close(self) -> None:
        """Close the HTTP connections; stop hearing the logins of sessions on the same store."""
        self._core.logins.leave()
        await self._client.aclose()

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
