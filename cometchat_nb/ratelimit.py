"""`RateLimits`: one session's view of the service's rate limits, and its pacing. Sans-IO.

The service counts requests per app and rate class (spec 9: `core` for creating and
deleting users and logins, `standard` for the rest) in fixed windows, and says on its
answers how many are left (`X-RateLimit-Limit`, `X-RateLimit-Remaining`) and when the
window ends (`X-Rate-Limit-Reset`; on a 429 also `Retry-After`). A session keeps the
latest figures per class (`session.rate_limits`) and, while bulk work runs
(`pacing()`), decides before each request whether it may go now or must wait for the
next window: every worker of every bulk call of the session takes its turn from the
same budget, so a bulk job holds the cap instead of drawing a 429 storm. The number
of requests in flight follows: as many as the budget allows, up to the caller's
`concurrency`. Whatever still comes back 429 is the `Retry` policy's to resend.

Single calls are never held back (they wait only on a 429, through `Retry`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace

import httpx

from .errors import local_error

#: The service's window when it does not say otherwise (spec 9: per minute).
DEFAULT_WINDOW = 60.0
#: A reset further ahead than this (or in the past) is not believed: another clock.
HORIZON = 3600.0
#: The code of a request held back for the rate limit and then released unsent.
NOT_SENT = "NOT_SENT"
#: Waits end this long after a window's reset, for clocks a little apart.
MARGIN = 0.05


def rate_class(request: httpx.Request) -> str:
    """The service's rate class of a request (spec 9): `core` or `standard`."""
    method, segments = request.method.upper(), [s for s in request.url.path.split("/") if s]
    tail = segments[-2:] if len(segments) >= 2 else segments
    if method == "POST" and segments[-1:] == ["users"]:
        return "core"
    if method == "DELETE" and len(tail) == 2 and tail[0] == "users":
        return "core"
    if method == "PUT" and segments[-1:] == ["me"]:
        return "core"
    return "standard"


@dataclass(frozen=True)
class RateFigures:
    """The latest figures the service gave for one rate class."""

    rate_class: str
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # Unix seconds when the window ends, if known
    window: float = DEFAULT_WINDOW  # its length, learnt from successive resets
    app_limit: int | None = None
    app_remaining: int | None = None
    requests: int = 0  # answers read
    limited: int = 0  # of which 429
    waited: float = 0.0  # seconds bulk work was held back, in total

    def __str__(self) -> str:
        left = "?" if self.remaining is None else f"{self.remaining:,}"
        cap = "?" if self.limit is None else f"{self.limit:,}"
        return f"{self.rate_class}: {left}/{cap} left, {self.limited} × 429"


class _Class:
    """The mutable state of one class (under the `RateLimits` lock)."""

    def __init__(self, name: str) -> None:
        self.figures = RateFigures(name)
        self.budget: int | None = None  # requests this window may still take
        self.reset: float | None = None  # when the window being filled ends
        self.in_flight = 0
        self.queued = 0  # requests waiting for a window after this one


def _number(headers: Mapping[str, str], *names: str) -> float | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            try:
                return float(value)
            except ValueError:
                return None
    return None


class RateLimits:
    """The rate figures and the pacing of one session (thread-safe; sends nothing)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._classes: dict[str, _Class] = {}
        self._pacing = 0
        self._released = threading.Event()

    @contextmanager
    def pacing(self) -> Iterator[None]:
        """While inside, `before()` holds requests back to the service's budget."""
        with self._lock:
            self._pacing += 1
        try:
            yield
        finally:
            with self._lock:
                self._pacing -= 1
                if not self._pacing:
                    self._released.clear()

    def release(self) -> None:
        """Bulk work was interrupted: the requests held back for a later window are not
        sent (`wait` gives their turn back and raises `NOT_SENT`), and none is held again
        until pacing ends."""
        self._released.set()

    @property
    def released(self) -> bool:
        """Whether bulk work was interrupted (see `release`)."""
        return self._released.is_set()

    def wait(
        self, request: httpx.Request, seconds: float, sleep: Callable[[float], object]
    ) -> None:
        """Hold `request` back `seconds` (what `before()` said) with `sleep`; with
        `time.sleep`, a `release()` ends the wait at once."""
        if sleep is time.sleep:
            self._released.wait(seconds)
        else:
            sleep(seconds)
        self.proceed(request)

    def proceed(self, request: httpx.Request) -> None:
        """After a hold: `NOT_SENT` (the request's turn given back) when released meanwhile."""
        if self._released.is_set():
            self.after(request, None)
            raise local_error(
                NOT_SENT,
                "Held back for the rate limit when the bulk call was interrupted: not sent.",
            )

    def _state(self, name: str) -> _Class:
        state = self._classes.get(name)
        if state is None:
            state = self._classes[name] = _Class(name)
        return state

    def before(self, request: httpx.Request) -> float:
        """Take a turn for `request`: the seconds to wait before sending it (0: now).

        Call `after()` once its answer (or failure) is in.
        """
        with self._lock:
            state = self._state(rate_class(request))
            now = self._clock()
            self._roll(state, now)
            state.in_flight += 1
            if state.budget is None or state.reset is None or not self._pacing:
                if state.budget is not None:
                    state.budget -= 1
                return 0.0
            if state.budget > 0:
                state.budget -= 1
                return 0.0
            limit = max(1, state.figures.limit or 1)
            windows_ahead = state.queued // limit
            state.queued += 1
            wait = state.reset - now + windows_ahead * state.figures.window + MARGIN
            state.figures = replace(state.figures, waited=state.figures.waited + wait)
            return max(0.0, wait)

    def _roll(self, state: _Class, now: float) -> None:
        """Move to the window `now` is in, once the known one has ended."""
        if state.reset is None or now < state.reset:
            return
        window = state.figures.window
        passed = math.floor((now - state.reset) / window) + 1
        state.reset += passed * window
        limit = state.figures.limit
        if limit is not None:
            taken = min(state.queued, limit)
            state.queued -= taken
            state.budget = limit - taken
        else:
            state.budget = None

    def after(self, request: httpx.Request, response: httpx.Response | None) -> None:
        """Read the figures of an answer (None: the request failed without one)."""
        with self._lock:
            state = self._state(rate_class(request))
            state.in_flight = max(0, state.in_flight - 1)
            if response is None:
                return
            now = self._clock()
            headers = dict(response.headers.items())  # one pass: httpx looks names up one by one
            limit = _number(headers, "x-ratelimit-limit", "x-rate-limit")
            remaining = _number(headers, "x-ratelimit-remaining", "x-rate-limit-remaining")
            reset = _number(headers, "x-rate-limit-reset", "x-ratelimit-reset")
            if reset is not None and not now - 1 <= reset <= now + HORIZON:
                reset = None  # another clock (a test's), or nonsense: not believed
            figures = state.figures
            window = figures.window
            if reset is not None and figures.reset is not None and reset > figures.reset + 0.5:
                window = min(window, reset - figures.reset)
            limited = response.status_code == 429
            if limited and reset is None and "x-rate-limit-reset" not in headers:
                after = _number(headers, "retry-after")
                if after is not None and 0 <= after <= HORIZON:
                    reset = now + after
            state.figures = RateFigures(
                figures.rate_class,
                limit=figures.limit if limit is None else int(limit),
                remaining=figures.remaining if remaining is None else int(remaining),
                reset=figures.reset if reset is None else max(reset, figures.reset or 0),
                window=window,
                app_limit=_int(headers, "x-ratelimit-limit-for-app", figures.app_limit),
                app_remaining=_int(headers, "x-ratelimit-remaining-for-app", figures.app_remaining),
                requests=figures.requests + 1,
                limited=figures.limited + limited,
                waited=figures.waited,
            )
            if reset is None or reset <= now:
                return  # no window said, or an answer from a window already over
            if state.reset is None or abs(reset - state.reset) > 0.5:
                if state.reset is not None and reset > state.reset:  # a window began
                    state.queued -= min(state.queued, state.figures.limit or 0)
                state.reset = reset  # the service's window, which ours follows
                sent = state.in_flight - state.queued
                state.budget = None if remaining is None else int(remaining) - sent
            elif remaining is not None:
                fresh = int(remaining) - (state.in_flight - state.queued)
                state.budget = fresh if state.budget is None else min(state.budget, fresh)
            if limited:
                state.budget = 0

    def figures(self) -> dict[str, RateFigures]:
        """The latest figures per rate class."""
        with self._lock:
            return {name: state.figures for name, state in sorted(self._classes.items())}


def _int(headers: Mapping[str, str], name: str, default: int | None) -> int | None:
    value = _number(headers, name)
    return default if value is None else int(value)
