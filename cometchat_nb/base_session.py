"""`BaseSession`: what `Session` and `AsyncSession` share and show, without sending.

Where they connect, their listeners, the stored login, the users they created,
and their reprs. Each owns a `Core` (the flows and the stored login, sans-IO);
the subclasses add an httpx client and the way they send.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from . import protocol
from .connection import connect
from .core.client import Core
from .core.created import KEEP_CREATED
from .core.users import UserFlows
from .guard import check as check_live
from .listeners import ListenerRegistry, LoginListener
from .models import UserList
from .protocol import DEFAULT_TIMEOUT
from .ratelimit import RateFigures, RateLimits
from .retry import Attempts, Retry
from .secret import Secret, redact_logs
from .store import SessionStore
from .transcript import KEEP_BYTES, Transcript
from .validation import check_seconds

if TYPE_CHECKING:
    import pandas as pd

    from .bulk.job import Job
    from .connection import EmulatorTarget
    from .emulator import Emulator, RemoteEmulator


class BaseSession:
    """What `Session` and `AsyncSession` share: where they connect, their listeners,
    the stored login and the users they created. Nothing here sends a request."""

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
        emulator: EmulatorTarget | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
        keep_requests: int = 1000,
        keep_bytes: int = KEEP_BYTES,
        keep_created: int = KEEP_CREATED,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        connection = connect(
            app_id,
            region,
            auth_key,
            rest_api_key,
            client_host=client_host,
            admin_host=admin_host,
            store=store,
            emulator=emulator,
        )
        self.listeners = ListenerRegistry()
        self._core = Core(
            connection, self.listeners, check_seconds("timeout", timeout), keep_created
        )
        self.retry = Retry() if retry is None else retry
        self._user_flows = UserFlows(self._core)
        self._wire = Transcript(keep_requests, keep_bytes)
        self.limits = RateLimits()
        redact_logs()
        self._open(sleep)

    def _open(self, sleep: Callable[[float], Any] | None) -> None:
        """Create the HTTP client and the admin for this kind of session."""
        raise NotImplementedError

    @property
    def app_id(self) -> str:
        return self._core.connection.app_id

    @property
    def region(self) -> str:
        return self._core.connection.region

    @property
    def emulator(self) -> Emulator | RemoteEmulator | None:
        """The emulator this session talks to, or `None` on a real app."""
        return self._core.connection.emulator

    @property
    def emulator_url(self) -> str | None:
        """The served emulator's base URL; `None` in-process or on a real app."""
        return self._core.connection.emulator_url

    @property
    def in_process(self) -> bool:
        """Whether the emulator answers inside this process: no server to reach it by (a
        `curl` cannot), and nothing it holds outlives the process."""
        return self._core.connection.in_process is not None

    @property
    def store(self) -> SessionStore:
        return self._core.connection.store

    @property
    def auth_key(self) -> Secret | None:
        """The auth key logins and creates use when given none (masked when shown)."""
        return self._core.auth_key

    @property
    def rest_api_key(self) -> Secret | None:
        """The REST API key `admin` calls use (masked when shown)."""
        return self._core.connection.rest_api_key

    @property
    def retry(self) -> Retry:
        """The `Retry` policy: at most `attempts` sends of a request, creates included."""
        return self._core.retry

    @retry.setter
    def retry(self, policy: Retry) -> None:
        if not isinstance(policy, Retry):
            raise TypeError(f"retry= takes a cometchat_nb.Retry, not {type(policy).__name__}")
        self._core.retry = policy

    @property
    def timeout(self) -> float:
        """Seconds each request may take."""
        return self._core.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self._core.timeout = check_seconds("timeout", seconds)

    @property
    def created_users(self) -> UserList:
        """The users this session created, oldest first: the latest `keep_created`;
        `.dropped` says how many older ones were let go."""
        return UserList(self._core.created, dropped=self._core.created.dropped)

    def created_users_frame(self) -> pd.DataFrame:
        """`created_users` as a DataFrame (`uid` index; see `frames`): the latest
        `keep_created`."""
        from .frames import users_frame

        return users_frame(self._core.created)

    def _create_job(self, source: Any, **options: Any) -> Job:
        """The bulk call of `create_users`: the auth key's creates (see `bulk`)."""
        from .bulk.job import Job
        from .bulk.plan import AuthKeyWrites

        return Job("create", source, AuthKeyWrites(self._core), **options)

    def transcript(self) -> pd.DataFrame:
        """Every request this session sent (each attempt a row), oldest first, redacted:
        `number`, `time`, `method`, `path`, `status`, `elapsed_ms`, `attempt`, `error`,
        `rate_limit_remaining`. The exchanges themselves: `session.wire`."""
        from .frames import transcript_frame

        return transcript_frame(self._wire)

    @property
    def rate_limits(self) -> dict[str, RateFigures]:
        """The service's latest rate-limit figures per rate class (`core`, `standard`):
        limit, remaining, when the window resets, how many answers were 429."""
        return self.limits.figures()

    def _attempts(self, request: httpx.Request) -> Attempts:
        """The tracker of `request`'s sends, once the live guard let it go (it raises
        `guard.LiveAppForbidden` for a real app while `COMETCHAT_NB_FORBID_LIVE` is set)."""
        check_live(request, emulator=self.emulator is not None)
        return self.retry.start(request)

    def _pace(self, request: httpx.Request, first: bool) -> float:
        """Seconds to wait before sending `request` (bulk work only; see `ratelimit`)."""
        pause = self.limits.before(request)
        return pause if first else 0.0

    @property
    def wire(self) -> Transcript:
        """The exchanges behind `transcript()` (the last `keep_requests`, within `keep_bytes`),
        and what was dropped to stay within them; for the `Inspector`."""
        return self._wire

    def _failed(
        self,
        request: httpx.Request,
        attempts: Attempts,
        error: httpx.HTTPError,
        started: float,
        clock: float,
    ) -> float:
        """Record an attempt that got no answer; the seconds to wait before resending it,
        else raise its `FAILED_TO_FETCH` (with `outcome_unknown` when it may have acted)."""
        self._record(request, None, error, attempts.count, started, clock)
        wait = attempts.after_error(error)
        if wait is None:
            unknown = attempts.outcome_unknown(error)
            raise protocol.transport_error(error, attempts.count, unknown) from None
        return wait

    def _answered(
        self,
        request: httpx.Request,
        attempts: Attempts,
        response: httpx.Response,
        started: float,
        clock: float,
    ) -> float | None:
        """Record an answered attempt; the seconds to wait before resending the request,
        or None when `response` is the one to hand on (marked with its attempts)."""
        self._record(request, response, None, attempts.count, started, clock)
        wait = attempts.after_response(response)
        if wait is None:
            response.extensions[protocol.ATTEMPTS] = attempts.count
        return wait

    def _record(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        error: BaseException | None,
        attempt: int,
        started: float,
        clock: float,
    ) -> None:
        """Keep one attempt of a request in the transcript (any thread); read its
        rate-limit figures."""
        self.limits.after(request, response)
        self._wire.record(request, response, error, attempt, started, time.perf_counter() - clock)

    def _publish_wire(self) -> None:
        """Tell subscribers of the requests sent since the last call (`http` events),
        on the calling thread."""
        exchanges = self._wire.unpublished()
        if self.listeners.wants_http:
            for exchange in exchanges:
                self.listeners.fire("http", exchange)

    def add_login_listener(self, listener_id: str, listener: LoginListener) -> None:
        """Register `listener` (same id: replaced and moved last). No HTTP."""
        self.listeners.add(listener_id, listener)

    def remove_login_listener(self, listener_id: str) -> None:
        """Unregister the listener with this id. No HTTP."""
        self.listeners.remove(listener_id)

    def __repr__(self) -> str:
        where = "EMULATOR" if self.emulator is not None else "app"
        user = self._core.logins.read().user
        who = user.uid if user else None
        return (
            f"{type(self).__name__}({where} app_id={self.app_id!r}, region={self.region!r}, "
            f"logged_in={who!r}, listeners={len(self.listeners)})"
        )

    def _repr_html_(self) -> str:
        from .display import SessionView, session_html

        view = SessionView(
            kind=type(self).__name__,
            app_id=self.app_id,
            region=self.region,
            emulator=self.emulator is not None,
            emulator_url=self.emulator_url,
            logged_in=self._core.logins.read().user,
            listener_ids=self.listeners.ids,
            subscribers=self.listeners.subscriber_count,
            recent=list(self.listeners.recent),
            created=self._core.created.total,
            auth_key=self.auth_key,
            rest_api_key=self.rest_api_key,
            text=repr(self),
            rate_limits="; ".join(str(figures) for figures in self.rate_limits.values()),
        )
        return session_html(view)
