"""`session.check()`: where a session connects, what it holds, and whether the service agrees.

The check sends one request: `GET /me` with the stored login's token (is the login
still accepted?), else `GET /users?perPage=1` with the REST API key (is the key?),
else nothing. A rejected token is reported, not acted on: the check logs nobody out.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, field

import httpx

from .errors import CometChatException
from .protocol import read
from .secret import Secret
from .transcript import rate_headers

Flow = Generator[httpx.Request, httpx.Response, "Reply"]


@dataclass(frozen=True)
class Reply:
    """What the one request of a check learnt."""

    accepted: bool | None  # None: nothing was asked
    problem: str | None = None  # the error's code and message, when not accepted
    round_trip: float | None = None  # seconds
    rate_limits: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    """A session's health: `.ok` when what it holds works. Shown as a table in notebooks."""

    kind: str  # Session or AsyncSession
    connects_to: str  # "CometChat", "emulator (in-process)" or "emulator at <url>"
    app_id: str
    region: str
    auth_key: Secret | None
    rest_api_key: Secret | None
    logged_in: str | None  # the stored login's uid
    checked: str  # what was asked: "GET /me", "GET /users" or "nothing"
    reply: Reply

    @property
    def ok(self) -> bool:
        """True unless the service refused what this session holds (or could not be reached)."""
        return self.reply.accepted is not False

    def __str__(self) -> str:
        return "\n".join(f"{label:>16}  {value}" for label, value in self.rows())

    def rows(self) -> list[tuple[str, str]]:
        """(label, text) pairs, secrets masked: what the text and HTML forms show."""
        reply = self.reply
        if reply.accepted is None:
            verdict = "not checked (no login and no REST API key)"
        elif reply.accepted:
            verdict = "accepted"
        else:
            verdict = f"NOT accepted: {reply.problem}"
        remaining = reply.rate_limits.get("x-ratelimit-remaining")
        limit = reply.rate_limits.get("x-ratelimit-limit")
        return [
            ("status", "ok" if self.ok else "PROBLEM"),
            ("connects to", self.connects_to),
            ("app id", self.app_id),
            ("region", self.region),
            ("auth key", "not set" if self.auth_key is None else self.auth_key.masked),
            ("REST API key", "not set" if self.rest_api_key is None else self.rest_api_key.masked),
            ("logged in", self.logged_in or "nobody"),
            ("checked", f"{self.checked}: {verdict}" if reply.accepted is not None else verdict),
            ("round trip", "" if reply.round_trip is None else f"{reply.round_trip * 1000:.1f} ms"),
            ("rate limit", f"{remaining} of {limit} left this minute" if remaining else ""),
        ]

    def __repr__(self) -> str:
        return f"HealthReport(ok={self.ok}, {self.connects_to}, app_id={self.app_id!r})"

    def _repr_html_(self) -> str:
        from .display import health_html

        return health_html(self)


def probe(request: httpx.Request | None) -> Flow:
    """Send `request` (if any) and say whether the service accepted it."""
    if request is None:
        return Reply(None)
    started = time.perf_counter()
    try:
        response = yield request
        elapsed = time.perf_counter() - started
        read(response)
    except CometChatException as exc:
        return Reply(False, f"{exc.code}: {exc.message}", time.perf_counter() - started)
    return Reply(True, None, elapsed, rate_headers(response))
