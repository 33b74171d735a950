"""`Retry`: when a session resends a request, and how long it waits first. Pure decisions.

A request is resent only when resending cannot do a thing twice:

* a 429 (the service did nothing with it), after `Retry-After`;
* a connection that could not be made (nothing was sent);
* for idempotent methods (GET, PUT, DELETE) also a 500, 502, 503 or 504, an answer that
  cannot be read (not JSON, cut short), a timeout, or a connection lost after sending:
  doing them twice does no harm.

A create (`POST`) whose answer was lost, unreadable or a 5xx is never resent blindly: the
session raises it with `outcome_unknown=True`, and the create flow reads the user back to
learn what happened.
Waits grow exponentially with jitter, bounded per wait, in number and in total.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import httpx

from .protocol import IDEMPOTENT, envelope, retry_after

__all__ = ["IDEMPOTENT", "NOT_SENT", "TRANSIENT_STATUSES", "Attempts", "Retry"]

#: The failures an idempotent request is resent after (a 500 too: resending does no harm).
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
#: Errors raised before any byte of the request left: safe to resend for every method.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Retry:
    """A session's retry policy (`Session(retry=Retry(...))`; `Retry(attempts=1)`: never).

    `attempts` counts every try of one request, the first included; `backoff` is the
    first wait, doubled each time up to `max_backoff`, each multiplied by a random
    factor in `[1 - jitter, 1 + jitter]`; a `Retry-After` is honoured up to
    `max_retry_after` (a longer one is not waited out); `total` bounds the waits of
    one request, in seconds.
    """

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0
    total: float = 120.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int):
            raise TypeError(f"attempts must be an integer, not {self.attempts!r}")
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {self.attempts}")
        for name in ("backoff", "max_backoff", "max_retry_after", "total"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number of seconds >= 0, not {value!r}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be from 0 to 1, not {self.jitter!r}")

    def start(self, request: httpx.Request) -> Attempts:
        """The tracker for one request's tries."""
        return Attempts(self, request.method.upper())

    def backoff_for(self, retry: int) -> float:
        """The wait before retry number `retry` (0 for the first), jitter applied."""
        base = min(self.max_backoff, self.backoff * 2**retry)
        return float(base * (1 + self.jitter * (2 * self.rng.random() - 1)))


@dataclass
class Attempts:
    """One request's tries so far, and whether (and when) to try again."""

    policy: Retry
    method: str
    count: int = 1  # tries made, the current one included
    waited: float = 0.0

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before resending after `response`, or None to hand it on."""
        status = response.status_code
        if status == 429:
            wait = retry_after(response)
            return None if wait > self.policy.max_retry_after else self._next(wait)
        if self.idempotent and (status in TRANSIENT_STATUSES or envelope(response) is None):
            return self._next(self.policy.backoff_for(self.count - 1))
        return None

    def after_error(self, error: httpx.HTTPError) -> float | None:
        """Seconds to wait before resending after a transport error, or None to raise it."""
        if isinstance(error, NOT_SENT) or self.idempotent:
            return self._next(self.policy.backoff_for(self.count - 1))
        return None

    def outcome_unknown(self, error: httpx.HTTPError) -> bool:
        """True when `error` may have come after the service acted on a non-idempotent call."""
        return not isinstance(error, NOT_SENT) and not self.idempotent

    def _next(self, wait: float) -> float | None:
        if self.count >= self.policy.attempts or self.waited + wait > self.policy.total:
            return None
        self.count += 1
        self.waited += wait
        return wait
