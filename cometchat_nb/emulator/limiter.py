"""Request counting by rate class in fixed windows, with the service's headers (spec 9).

The answers can be trusted: a 429's `Retry-After` is the time to the end of the
window that refused it (never shorter), and a request of that class sent once it
has passed gets through unless others spent the new window first (sdk-users §6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: The service's documented limits per minute, per app.
DEFAULT_LIMITS = {"core": 10_000, "standard": 20_000}
APP_LIMIT = 100_000


@dataclass
class RateLimiter:
    """Counts requests per class in fixed windows of `window` seconds (the service's
    calendar minute by default; a shorter one scales the wait down for tests).

    `enforce=False` (the default) only reports the headers; with `enforce=True`
    a request over the limit is refused, counts for nothing, and is answered 429
    with `Retry-After`: the seconds left in the window, rounded up. Every answer
    says when its window ends (`X-Rate-Limit-Reset`, Unix seconds; on a 429 also
    spelled `X-RateLimit-Reset`).
    """

    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    enforce: bool = False
    window: float = 60
    _window: int = -1
    _counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.window, bool) or not isinstance(self.window, int | float):
            raise TypeError(f"window must be a number of seconds, not {self.window!r}")
        if not 0 < self.window < math.inf:
            raise ValueError(f"window must be a positive number of seconds, not {self.window!r}")

    def take(self, rate_class: str, now: float) -> tuple[bool, dict[str, str]]:
        """Count one request of `rate_class` at `now`; (allowed, headers to send)."""
        window = int(now // self.window)
        if window != self._window:
            self._window, self._counts = window, {}
        limit = self.limits.get(rate_class, DEFAULT_LIMITS["standard"])
        used = self._counts.get(rate_class, 0)
        allowed = not self.enforce or used < limit
        if allowed:
            used = self._counts[rate_class] = used + 1
        app_used = sum(self._counts.values())
        reset = (window + 1) * self.window
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - used)),
            "X-RateLimit-Limit-For-App": str(APP_LIMIT),
            "X-RateLimit-Remaining-For-App": str(max(0, APP_LIMIT - app_used)),
            "X-Rate-Limit-Reset": str(math.ceil(reset)),
        }
        if not allowed:
            headers["X-RateLimit-Reset"] = headers["X-Rate-Limit-Reset"]
            headers["Retry-After"] = str(max(1, math.ceil(reset - now)))
        return allowed, headers
