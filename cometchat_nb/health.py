"""`session.check()`: where a session connects, what it holds, and what the service said of it.

One flow, run as every other call is (`Session._run`): it checks each credential the
session holds that the service can check without changing anything, and says of each
line whether it was checked, is not checkable with these keys, or failed:

* the stored login: `GET /me` with its token (is the login still accepted?);
* the REST API key: `GET /users?perPage=1`;
* the auth key: not checkable (the service takes it only to create a user or a token).

The report is `ok` only when something was checked and nothing failed. A rejected token
is reported, not acted on: the check logs nobody out.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import httpx

from .errors import CometChatException
from .protocol import read
from .secret import Secret
from .transcript import rate_headers

if TYPE_CHECKING:
    from .core.client import Core

Verdict = Literal["checked", "not checkable", "failed"]
Flow = Generator[httpx.Request, httpx.Response, "HealthReport"]

#: Why an auth key cannot be checked: no call takes it without creating something.
AUTH_KEY_UNCHECKABLE = "only a create takes an auth key"


@dataclass(frozen=True)
class Line:
    """One thing a check looked at, and what it found."""

    subject: str  # "login", "REST API key" or "auth key"
    verdict: Verdict
    detail: str  # what came back, or why nothing could be asked
    asked: str | None = None  # the request sent, e.g. "GET /me"
    round_trip: float | None = None  # seconds
    rate_limits: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    """A session's health, line by line. Shown as a table in notebooks."""

    kind: str  # Session or AsyncSession
    connects_to: str  # "CometChat", "emulator (in-process)" or "emulator at <url>"
    app_id: str
    region: str
    auth_key: Secret | None
    rest_api_key: Secret | None
    logged_in: str | None  # the stored login's uid
    lines: tuple[Line, ...]

    @property
    def ok(self) -> bool:
        """True when something was checked and nothing failed."""
        verdicts = {line.verdict for line in self.lines}
        return "checked" in verdicts and "failed" not in verdicts

    def line(self, subject: str) -> Line:
        """The line about `subject` ("login", "REST API key" or "auth key")."""
        return next(line for line in self.lines if line.subject == subject)

    def __str__(self) -> str:
        return "\n".join(f"{label:>16}  {value}" for label, value in self.rows())

    def rows(self) -> list[tuple[str, str]]:
        """(label, text) pairs, secrets masked: what the text and HTML forms show."""
        if self.ok:
            status = "ok"
        elif any(line.verdict == "failed" for line in self.lines):
            status = "PROBLEM"
        else:
            status = "NOT CHECKED: nothing these credentials allow could be checked"
        held = {"auth key": self.auth_key, "REST API key": self.rest_api_key}
        rows = [("status", status), ("connects to", self.connects_to), ("app id", self.app_id),
                ("region", self.region), ("logged in", self.logged_in or "nobody")]  # fmt: skip
        for line in self.lines:
            key = held.get(line.subject)
            prefix = f"{key.masked}  " if key is not None else ""
            asked = f"{line.asked}: " if line.asked else ""
            rows.append((line.subject, f"{prefix}{line.verdict}: {asked}{line.detail}"))
        times = [f"{line.asked} {line.round_trip * 1000:.1f} ms" for line in self.lines
                 if line.round_trip is not None]  # fmt: skip
        if times:  # a row of its own: the one that changes from run to run
            rows.append(("round trip", "; ".join(times)))
        limits = next((line.rate_limits for line in self.lines if line.rate_limits), {})
        if remaining := limits.get("x-ratelimit-remaining"):
            limit = limits.get("x-ratelimit-limit")
            rows.append(("rate limit", f"{remaining} of {limit} left this minute"))
        return rows

    def __repr__(self) -> str:
        return f"HealthReport(ok={self.ok}, {self.connects_to}, app_id={self.app_id!r})"

    def _repr_html_(self) -> str:
        from .display import health_html

        return health_html(self)


def check(core: Core, kind: str) -> Flow:
    """The check of a session's core (`kind`: its class name), as a flow."""
    connection, seen = core.connection, core.logins.read()
    lines = []
    if seen.token is not None:
        me = core.build("GET", core.hosts(seen).client, "me", auth_token=seen.token)
        lines.append((yield from _probe("login", "GET /me", me)))
    else:
        lines.append(Line("login", "not checkable", "nobody is logged in"))
    if connection.rest_api_key is not None:
        params = {"perPage": 1}
        users = core.build(
            "GET", connection.hosts.rest, "users", api_key=connection.rest_api_key, params=params
        )
        lines.append((yield from _probe("REST API key", "GET /users", users)))
    else:
        lines.append(Line("REST API key", "not checkable", "not set"))
    auth_key = core.auth_key
    lines.append(Line("auth key", "not checkable", "not set" if auth_key is None else
                      AUTH_KEY_UNCHECKABLE))  # fmt: skip
    if connection.emulator is None:
        where = "CometChat"
    else:
        url = connection.emulator_url
        where = f"emulator at {url}" if url else "emulator (in-process)"
    return HealthReport(
        kind, where, connection.app_id, connection.region, auth_key, connection.rest_api_key,
        seen.uid, tuple(lines),
    )  # fmt: skip


def _probe(subject: str, asked: str, request: httpx.Request) -> Generator[
    httpx.Request, httpx.Response, Line
]:  # fmt: skip
    """Send `request` and say whether the service accepted it."""
    started = time.perf_counter()
    try:
        response = yield request
        elapsed = time.perf_counter() - started
        read(response)
    except CometChatException as exc:
        failure = f"{exc.code}: {exc.message}"
        return Line(subject, "failed", failure, asked, time.perf_counter() - started)
    return Line(subject, "checked", "accepted", asked, elapsed, rate_headers(response))
