"""`Emulator`: CometChat's users and auth API as a pure function of state and request.

The facade: configuration, inspection, reset, transports and `serve`. It decodes
a request into a `call.Call`, answers it with `routing.dispatch` under one lock,
and records it. `handle(httpx.Request) -> httpx.Response` serves the client
in-process through `httpx.MockTransport`; `respond` serves the ASGI adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from os import PathLike
from typing import TYPE_CHECKING, Any

import httpx

from ..models import User
from ..secret import Secret
from . import control, refusals, routing, snapshots
from .call import CORS_HEADERS, MAX_BODY, Call, Reply, reply
from .creation import create_users
from .defaults import APP_ID, AUTH_KEY, REGION, REST_API_KEY
from .faults import Fault, Faults, dropped, marked, refusal, spoil
from .handlers import Context
from .limiter import RateLimiter
from .presence import Presence
from .refusals import ServiceError
from .requestlog import DEFAULT_SIZE, Record, RequestList, RequestLog
from .roles import seed_roles
from .state import State

if TYPE_CHECKING:
    from .server import Server

logger = logging.getLogger("cometchat_nb.emulator")

#: The start of the deterministic clock (2024-05-29).
EPOCH = 1_717_000_000
_CORS_RAW = [(k.encode(), v.encode()) for k, v in CORS_HEADERS.items()]


class Emulator:
    """An in-process emulator of one CometChat app's users and authentication.

    Seeded with `cometchat-uid-1` ... `cometchat-uid-5`. `requests` lists the last
    `keep_requests` requests handled (bodies over 1 MiB not kept; 0 keeps none), and
    `request_log().dropped` says how many older ones it let go.
    `deterministic=True` fixes the clock (one second per request from 2024-05-29)
    and the random tokens, so outputs are byte-stable. `latency` (seconds) delays
    every response, outside the lock (awaited, when served or async).
    """

    def __init__(
        self,
        app_id: str = APP_ID,
        region: str = REGION,
        auth_key: str | Secret = AUTH_KEY,
        rest_api_key: str | Secret = REST_API_KEY,
        *,
        seed: bool = True,
        clock: Callable[[], float] | None = None,
        deterministic: bool = False,
        data: str | PathLike[str] | None = None,
        roles: tuple[str, ...] = (),
        user_quota: int | None = None,
        rate_limiter: RateLimiter | None = None,
        latency: float = 0.0,
        public_host: str | None = None,
        keep_requests: int = DEFAULT_SIZE,
    ) -> None:
        for label, value in (("app_id", app_id), ("region", region)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{label} must be a non-empty string")
        self.app_id = app_id
        self.region = region.lower()
        self.auth_key = Secret(auth_key)
        self.rest_api_key = Secret(rest_api_key)
        if not self.auth_key or not self.rest_api_key:
            raise ValueError("the auth key and REST API key must be non-empty strings")
        self.deterministic = deterministic
        self.seed = seed
        self._configured_roles = roles
        self.user_quota = user_quota
        self.rate_limiter = rate_limiter or RateLimiter()
        self.latency = latency
        self.public_host = public_host
        self._log = RequestLog(keep_requests)
        self._handled = 0  # requests handled since the last reset: the deterministic clock
        self._in_flight = 0
        self._flight_lock = threading.Lock()
        self._clock = clock
        self._lock = threading.RLock()
        self._state = State(data)
        seed_roles(self._state, roles, self.now())
        self._rng = random.Random(0) if deterministic else None
        self._signing_key = hashlib.sha256(f"cometchat-nb:{app_id}".encode()).digest()
        self.presence = Presence(self._state, self._lock, self.now, app_id, self._signing_key)
        self._on_reset: list[Callable[[], None]] = [self.presence.clear]
        self._writer: ThreadPoolExecutor | None = None  # SQLite commits, off the event loop
        #: Fault injection (off until a rule is injected): see `faults.Faults`.
        self.faults = Faults()
        if seed and not self._state.users:
            self._seed()

    # -- inspection and control ------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"Emulator(app_id={self.app_id!r}, region={self.region!r}, "
            f"users={len(self._state.users)}, requests={len(self._log)})"
        )

    def _repr_html_(self) -> str:
        from ..display import emulator_html

        return emulator_html(self, len(self._state.users), len(self._log))

    @property
    def users(self) -> dict[str, User]:
        """A snapshot of every user (deactivated ones included), by uid."""
        with self._lock:
            return {uid: User.from_dict(r) for uid, r in self._state.users.items()}

    @property
    def tokens(self) -> dict[str, str]:
        """A snapshot of every auth token (the emulator's own, throwaway), to its uid."""
        with self._lock:
            return {token: r["uid"] for token, r in self._state.tokens.items()}

    @property
    def requests(self) -> list[httpx.Request]:
        """The last `keep_requests` requests answered, oldest first (not `OPTIONS`)."""
        with self._lock:
            return [r for r, _, _ in self._log.built()]

    @property
    def keep_requests(self) -> int:
        """How many of the latest requests `requests` keeps."""
        return self._log.size

    @keep_requests.setter
    def keep_requests(self, count: int) -> None:
        with self._lock:
            self._log.size = count

    @property
    def in_flight(self) -> int:
        """How many requests are being answered now, their latency included."""
        return self._in_flight

    @property
    def roles(self) -> set[str]:
        """The app's role ids (`default`, the configured ones, those made by `POST /roles`)."""
        return set(self._state.roles)

    @property
    def persistent(self) -> bool:
        return self._state.persistent

    def add_users(self, users: Iterable[User]) -> None:
        """Create users at once, as `POST /users` would, without requests or rate counting.

        For fixtures, demos and benchmarks. Raises `ValueError` for an invalid user,
        an unknown role, a uid already taken or a full `user_quota` (nothing is added).
        """
        bodies = [user.to_dict() for user in users]
        with self._lock:
            try:
                create_users(self._state, bodies, quota=self.user_quota, now=self.now())
            except ServiceError as exc:
                raise ValueError(f"{exc.message} {exc.details or ''}".strip()) from None

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after every `reset()` (a client's stored sessions go with it)."""
        self._on_reset.append(callback)

    def reset(self) -> None:
        """Forget every user, token, role, block, friend, request and injected fault;
        re-seed the configured roles and the test users; run `on_reset`s."""
        self.faults.clear()
        with self._lock:
            self._state.clear()
            self._log.clear()
            self._handled = 0
            if self._rng is not None:
                self._rng.seed(0)
            seed_roles(self._state, self._configured_roles, self.now())
            if self.seed:
                self._seed()
        for callback in list(self._on_reset):
            callback()

    def close(self) -> None:
        """Close the SQLite file, if any."""
        with self._lock:
            self._state.close()
            if self._writer is not None:
                self._writer.shutdown(wait=False)
                self._writer = None

    def now(self) -> int:
        """The emulator's clock, in Unix seconds."""
        if self._clock is not None:
            return int(self._clock())
        if self.deterministic:
            return EPOCH + self._handled
        return int(time.time())

    def _seed(self) -> None:
        self._state.put_users(snapshots.test_user_records(self.now()))

    # -- the control plane (served under /_emulator/ too: see control.py) -------

    def export_state(self) -> dict[str, Any]:
        """A JSON-able snapshot of every user, token and setting (no key), for `import_state`."""
        with self._lock:
            settings = {"app_id": self.app_id, "region": self.region, "roles": sorted(self.roles),
                        "user_quota": self.user_quota, "clock": self._handled}  # fmt: skip
            return snapshots.snapshot(self._state, settings)

    def import_state(self, snapshot: Mapping[str, Any]) -> None:
        """Replace users, tokens, roles, quota and clock with a snapshot's; run `on_reset`s.

        The snapshot's app id and region are informational. Raises `ValueError` for
        a malformed snapshot, changing nothing; the request log is emptied.
        """
        with self._lock:
            settings = snapshots.restore(self._state, snapshot)
            seed_roles(self._state, settings["roles"], self.now())
            self.user_quota = settings["user_quota"]
            self._handled = settings["clock"]
            self._log.clear()
        for callback in list(self._on_reset):
            callback()

    def request_log(self) -> RequestList:
        """The requests answered, oldest first, redacted: number (from 1 since the reset),
        time, method, path, status, `fault` if one was injected; `.dropped` as many let go."""
        with self._lock:
            return self._log.redacted()

    def logged_request(self, number: int) -> dict[str, Any]:
        """Entry `number` of `request_log()` with its request and answer, every key and
        token masked, as the `Inspector` shows them (answers of the latest 1,000 kept).
        Raises `LookupError` for a number no longer, or not yet, in the log."""
        with self._lock:
            return self._log.logged(number, [self.auth_key, self.rest_api_key])

    def export_settings(self) -> dict[str, Any]:
        """Latency, request log size, public host and rate limits: for `import_settings`."""
        limiter = self.rate_limiter
        limits = {"enforce": limiter.enforce, **limiter.limits, "window": limiter.window}
        return {"latency": self.latency, "request_log_size": self._log.size,
                "public_host": self.public_host, "rate_limits": limits}  # fmt: skip

    def import_settings(self, settings: Mapping[str, Any]) -> None:
        """Change any of the settings `export_settings` gives; raises `ValueError` for one
        that does not fit, changing nothing."""
        checked = snapshots.checked_settings(settings)
        limits, limiter = checked.pop("rate_limits"), self.rate_limiter
        with self._lock:
            self.latency = checked.get("latency", self.latency)
            self._log.size = checked.get("request_log_size", self._log.size)
            self.public_host = checked.get("public_host", self.public_host)
            limiter.enforce = limits.pop("enforce", limiter.enforce)
            limiter.window = limits.pop("window", limiter.window)
            limiter.limits.update(limits)

    def transport(self) -> httpx.MockTransport:
        """An httpx transport for a sync `httpx.Client`, answered by `handle`."""
        return httpx.MockTransport(self.handle)

    def async_transport(self) -> httpx.MockTransport:
        """An httpx transport for an `httpx.AsyncClient`, answered by `handle_async`."""
        return httpx.MockTransport(self.handle_async)

    def serve(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Server:
        """Serve this emulator over HTTP with uvicorn: `with emu.serve() as server: server.url`."""
        from .server import Server

        return Server(self, host=host, port=port, **options).start()

    # -- handling --------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request, as the service would (or as an injected fault says); a dropped
        connection raises `httpx.RemoteProtocolError`, a timeout `httpx.ReadTimeout`."""
        with self._counted():
            decoded = self._decode_request(request)
            if seconds := self._delay(decoded):
                time.sleep(seconds)
            if decoded is None:
                return _response((204, list(_CORS_RAW), b""))
            return _response(self._answer_faulted(*decoded, request))

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        """`handle`, with the latency awaited so concurrent tasks interleave."""
        with self._counted():
            decoded = self._decode_request(request)
            if seconds := self._delay(decoded):
                await asyncio.sleep(seconds)
            if decoded is None:
                return _response((204, list(_CORS_RAW), b""))
            return _response(self._answer_faulted(*decoded, request))

    async def respond(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        *,
        host: str,
        record: Callable[[], httpx.Request],
    ) -> Reply:
        """Answer a served request given by its parts (see `call.Call.decode`), on the
        server's event loop (a persistent emulator's SQLite commits on a writer thread).

        `record` builds the request kept in `requests`, only if it is looked at.
        Raises `faults.Dropped` when an injected fault says to send no answer."""
        with self._counted():
            call = Call.decode(
                method, target, headers, body, host=host, public_host=self.public_host
            )
            fault = None if method == "OPTIONS" else self._fault_for(call)
            if seconds := self._delay((call, record, fault)):
                await asyncio.sleep(seconds)
            if method == "OPTIONS":
                return 204, list(_CORS_RAW), b""
            if not self._state.persistent:
                return self._answer_faulted(call, record, fault)
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="cometchat-nb emulator")
            loop = asyncio.get_running_loop()
            answer = self._answer_faulted
            return await loop.run_in_executor(self._writer, answer, call, record, fault)

    @contextlib.contextmanager
    def _counted(self) -> Iterator[None]:
        """Count a request in `in_flight` while it is answered."""
        with self._flight_lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._flight_lock:
                self._in_flight -= 1

    def _decode_request(
        self, request: httpx.Request
    ) -> tuple[Call, httpx.Request, Fault | None] | None:
        """A request decoded, what `requests` keeps of it, and its injected fault if any
        (None for `OPTIONS`)."""
        if request.method == "OPTIONS":
            return None
        if len(request.content) > MAX_BODY:  # keep what was asked, not the oversized body
            kept = httpx.Request(request.method, request.url, headers=request.headers)
        else:
            kept = request
        call = Call.decode(
            request.method,
            request.url.raw_path,
            request.headers.raw,
            request.content,
            host=request.url.netloc.decode(),
            public_host=self.public_host,
        )
        return call, kept, self._fault_for(call)

    def _delay(self, decoded: tuple[Call, Record, Fault | None] | None) -> float:
        """The seconds to wait before answering: the latency, and an injected one."""
        fault = decoded and decoded[2]
        return self.latency + (fault.options["seconds"] if fault and fault.kind == "latency" else 0)

    def _fault_for(self, call: Call) -> Fault | None:
        """The injected fault for `call`, if any: never for the control plane."""
        return None if control.is_control(call) else self.faults.pick(call.method, call.path)

    def _answer_faulted(
        self, call: Call, record: Record, fault: Fault | None, request: httpx.Request | None = None
    ) -> Reply:
        """`_answer` with an injected fault (latency already waited); drops and timeouts
        raise `Dropped` served (`request` None), in-process what httpx would raise."""
        if fault is None or fault.kind == "latency":
            return self._answer(call, record)
        record = marked(record, fault.kind)
        if fault.before:
            with self._lock:
                if fault.kind == "drop_before":  # no answer: status 0 in the request log
                    self._log.add(record, self.now(), 0)
                    raise dropped(fault, request)
                error, extra = refusal(fault)
                answer = reply(error.status, error.envelope(), {**CORS_HEADERS, **extra})
                self._log.add(record, self.now(), error.status, answer)
            return answer
        status, headers, content = self._answer(call, record)
        if fault.kind in ("truncate", "not_json"):
            return spoil(fault, status, headers, content)
        raise dropped(fault, request)

    def _answer(self, call: Call, record: Record) -> Reply:
        if control.is_control(call):
            return control.answer(self, call)
        with self._lock:
            self._handled += 1
            headers = dict(CORS_HEADERS)
            try:
                status, body = routing.dispatch(self._context(), call, self.rate_limiter, headers)
            except ServiceError as exc:
                status, body = exc.status, exc.envelope()
            except Exception:  # a bug must still answer with an envelope
                logger.exception("emulator failed on %s /%s", call.method, "/".join(call.segments))
                error = refusals.internal_error()
                status, body = error.status, error.envelope()
            self._log.add(record, self.now(), status, answer := reply(status, body, headers))
        return answer

    def _context(self) -> Context:
        return Context(self._state, self.app_id, self.region, self.auth_key, self.rest_api_key,
                       self.user_quota, self.now, self._token_hex, self._signing_key,
                       self.presence)  # fmt: skip

    def _token_hex(self) -> str:
        if self._rng is None:
            return secrets.token_hex(15)
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(30))


def _response(answer: Reply) -> httpx.Response:
    status, headers, content = answer
    return httpx.Response(status, headers=headers, content=content)
