"""The wire, as a session saw it: every request sent, its answer, and its cost, redacted.

A `Transcript` keeps the last `size` exchanges (one per attempt). An `Exchange` holds
what crossed the wire and shows it only masked: keys and tokens in headers, bodies
and paths never leave it whole. Views: rows for a DataFrame, `curl` commands with
placeholders for secrets, and HAR 1.2 entries for tools that read them.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx

from .protocol import request_secrets
from .secret import redact, redact_body, redact_headers
from .version import VERSION

#: The placeholder `curl` text puts in place of each credential header.
PLACEHOLDERS = {"apikey": "${API_KEY}", "authtoken": "${AUTH_TOKEN}", "authorization": "${JWT}"}
#: The rate-limit headers (spec 9), by their lowercased names.
RATE_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-limit-for-app",
    "x-ratelimit-remaining-for-app",
    "x-rate-limit-reset",
    "retry-after",
)


def rate_headers(response: httpx.Response) -> dict[str, str]:
    """The response's rate-limit headers (spec 9), by lowercased name."""
    headers = response.headers
    return {name: headers[name] for name in RATE_HEADERS if name in headers}


class Exchange:
    """One attempt of one request: what was sent, what came back (or the error), when."""

    __slots__ = (
        "_request",
        "_response",
        "attempt",
        "elapsed",
        "error",
        "number",
        "started",
    )

    def __init__(
        self,
        number: int,
        started: datetime,
        request: httpx.Request,
        response: httpx.Response | None,
        error: str | None,
        attempt: int,
        elapsed: float,
    ) -> None:
        self.number = number
        self.started = started
        self._request = request
        self._response = response
        self.error = error  # the transport error's name when nothing came back
        self.attempt = attempt
        self.elapsed = elapsed

    @property
    def method(self) -> str:
        return self._request.method

    @property
    def url(self) -> str:
        """The URL, any credential in its path masked."""
        return self._masked(unquote(str(self._request.url)))

    @property
    def path(self) -> str:
        return self._masked(unquote(self._request.url.path))

    @property
    def status(self) -> int | None:
        return None if self._response is None else self._response.status_code

    @property
    def rate_limits(self) -> dict[str, str]:
        """The answer's rate-limit headers (spec 9), by lowercased name."""
        return {} if self._response is None else rate_headers(self._response)

    @property
    def request_headers(self) -> dict[str, str]:
        return self._headers(self._request.headers)

    @property
    def request_body(self) -> Any:
        return self._body(self._request.content)

    @property
    def response_headers(self) -> dict[str, str]:
        return {} if self._response is None else self._headers(self._response.headers)

    @property
    def response_body(self) -> Any:
        return None if self._response is None else self._body(self._response.content)

    def row(self) -> dict[str, Any]:
        """The exchange as a row of `Session.transcript()`."""
        return {
            "number": self.number,
            "time": self.started,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "elapsed_ms": round(self.elapsed * 1000, 3),
            "attempt": self.attempt,
            "error": self.error,
            "rate_limit_remaining": _count(self.rate_limits.get("x-ratelimit-remaining")),
        }

    def curl(self) -> str:
        """A `curl` command that repeats the request, with placeholders for its secrets."""
        parts = ["curl", "-X", self.method, shlex.quote(self.url)]
        for name, value in self._request.headers.items():
            if name.lower() in ("host", "content-length", "accept-encoding", "connection"):
                continue
            placeholder = PLACEHOLDERS.get(name.lower())
            if placeholder is not None:  # in double quotes: the shell fills the variable in
                parts += ["-H", f'"{name}: {placeholder}"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {self._masked(value)}")]
        body = self.request_body
        if body is not None:
            parts += ["--data", shlex.quote(json.dumps(body, ensure_ascii=False))]
        return " ".join(parts)

    def har(self) -> dict[str, Any]:
        """The exchange as a HAR 1.2 entry."""
        request, response = self._request, self._response
        entry: dict[str, Any] = {
            "startedDateTime": self.started.isoformat(),
            "time": round(self.elapsed * 1000, 3),
            "request": {
                "method": self.method,
                "url": self.url,
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": _har_headers(self.request_headers),
                "queryString": [
                    {"name": k, "value": self._masked(v)}
                    for k, v in request.url.params.multi_items()
                ],
                "headersSize": -1,
                "bodySize": len(request.content),
            },
            "response": {
                "status": 0 if response is None else response.status_code,
                "statusText": "" if response is None else response.reason_phrase,
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": _har_headers(self.response_headers),
                "content": {
                    "size": 0 if response is None else len(response.content),
                    "mimeType": "application/json",
                    "text": "" if response is None else _text(self.response_body),
                },
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1 if response is None else len(response.content),
            },
            "cache": {},
            "timings": {"send": 0, "wait": round(self.elapsed * 1000, 3), "receive": 0},
        }
        if request.content:
            entry["request"]["postData"] = {
                "mimeType": "application/json",
                "text": _text(self.request_body),
            }
        if self.error is not None:
            entry["comment"] = f"no answer: {self.error}"
        return entry

    def __str__(self) -> str:
        outcome = self.error if self.status is None else str(self.status)
        retry = f", attempt {self.attempt}" if self.attempt > 1 else ""
        return f"{self.method} {self.path} → {outcome} ({self.elapsed * 1000:.1f} ms{retry})"

    def __repr__(self) -> str:
        return f"Exchange({self})"

    # -- masking -------------------------------------------------------------

    def _masked(self, text: str) -> str:
        return redact(text, request_secrets(self._request))

    def _headers(self, headers: httpx.Headers) -> dict[str, str]:
        return redact_headers(headers.items(), request_secrets(self._request))

    def _body(self, content: bytes) -> Any:
        return redact_body(content, request_secrets(self._request))


def _count(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _har_headers(headers: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers.items()]


def _text(body: Any) -> str:
    return "" if body is None else json.dumps(body, ensure_ascii=False)


class Transcript:
    """The last `size` exchanges of a session, oldest first; thread-safe. `size=0` keeps none."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._exchanges: deque[Exchange] = deque(maxlen=size)
        self._unpublished: deque[Exchange] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._count = 0

    def record(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        error: BaseException | None,
        attempt: int,
        started: float,
        elapsed: float,
    ) -> Exchange | None:
        """Keep one attempt (`started` is a Unix time, `elapsed` seconds); None if off."""
        if not self.size:
            return None
        with self._lock:
            self._count += 1
            exchange = Exchange(
                self._count,
                datetime.fromtimestamp(started, UTC),
                request,
                response,
                None if error is None else type(error).__name__,
                attempt,
                elapsed,
            )
            self._exchanges.append(exchange)
            self._unpublished.append(exchange)
        return exchange

    def unpublished(self) -> list[Exchange]:
        """The exchanges recorded since the last call (to tell subscribers, in order)."""
        with self._lock:
            fresh = list(self._unpublished)
            self._unpublished.clear()
        return fresh

    def __iter__(self) -> Iterator[Exchange]:
        with self._lock:
            return iter(list(self._exchanges))

    def __len__(self) -> int:
        return len(self._exchanges)

    def clear(self) -> None:
        with self._lock:
            self._exchanges.clear()
            self._unpublished.clear()

    def har(self, exchanges: Iterable[Exchange] | None = None) -> dict[str, Any]:
        """The exchanges (all kept, or those given) as a HAR 1.2 log."""
        chosen = self if exchanges is None else exchanges
        return {
            "log": {
                "version": "1.2",
                "creator": {"name": "cometchat-nb", "version": VERSION},
                "entries": [exchange.har() for exchange in chosen],
            }
        }
