"""Per-minute request counting by rate class, with the service's headers (spec 9)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The service's documented limits per minute, per app.
DEFAULT_LIMITS = {"core": 10_000, "standard": 20_000}
APP_LIMIT = 100_000


@dataclass
class RateLimiter:
    """Counts requests per class in fixed one-minute windows.

    `enforce=False` (the default) only reports the headers; with `enforce=True`
    a request over the limit is refused and answered 429 with `retry_after`.
    """

    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    enforce: bool = False
    retry_after: int = 15
    _window: int = -1
    _counts: dict[str, int] = field(default_factory=dict)

    def take(self, rate_class: str, now: float) -> tuple[bool, dict[str, str]]:
        """Count one request of `rate_class` at `now`; (allowed, headers to send)."""
        window = int(now // 60)
        if window != self._window:
            self._window, self._counts = window, {}
        limit = self.limits.get(rate_class, DEFAULT_LIMITS["standard"])
        used = self._counts.get(rate_class, 0)
        allowed = not self.enforce or used < limit
        if allowed:
            used = self._counts[rate_class] = used + 1
        app_used = sum(self._counts.values())
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - used)),
            "X-RateLimit-Limit-For-App": str(APP_LIMIT),
            "X-RateLimit-Remaining-For-App": str(max(0, APP_LIMIT - app_used)),
        }
        if not allowed:
            headers["Retry-After"] = str(self.retry_after)
            headers["X-Rate-Limit-Reset"] = str((window + 1) * 60)
        return allowed, headers
