"""The wire, as a session saw it: every request sent, its answer, and its cost, redacted.

A `Transcript` keeps the last exchanges (one per attempt) within two bounds: a count
(`keep_requests`) and a byte budget (`keep_bytes`), and counts what it drops. An
`Exchange` is a compact record made when the attempt ends, never the live
`httpx.Response` (whose parsed JSON a page of 1,000 users makes 1 MB): its URL as text,
headers packed in one bytes object, bodies as bytes, one over `body_limit` kept as its
head with its full length and a note. Every view masks keys, tokens and secret fields:
rows for a DataFrame, `curl` commands with placeholders for secrets, HAR 1.2 entries.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

from .secret import SECRET_FIELDS, SECRET_HEADERS, mask, redact, redact_headers
from .validation import check_bound
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
#: A body longer than this (bytes) is kept as its first `BODY_LIMIT` bytes and a note.
BODY_LIMIT = 16 * 1024
#: The default byte budget of a transcript (`Session(keep_bytes=...)`).
KEEP_BYTES = 2 * 1024 * 1024
#: What a record weighs beside its bodies, about: the object, the URL, both sets of headers.
RECORD_SIZE = 5000
#: A secret field's string value in JSON text, whole or in a head cut short.
#: (A head may end inside the value: the closing quote is optional.)
_SECRET_VALUE = re.compile(
    r'"(' + "|".join(sorted(SECRET_FIELDS)) + r')"(\s*:\s*)"([^"\\]*(?:\\.[^"\\]*)*)("?)'
)


def rate_headers(response: httpx.Response) -> dict[str, str]:
    """The response's rate-limit headers (spec 9), by lowercased name."""
    headers = response.headers
    return {name: headers[name] for name in RATE_HEADERS if name in headers}


class Body:
    """A body as kept: its bytes (the head when cut) and its length on the wire."""

    __slots__ = ("cut", "raw", "size")

    def __init__(self, content: bytes, limit: int) -> None:
        self.size = len(content)
        self.cut = self.size > limit  # only the head is kept
        self.raw = content[:limit] if self.cut else content

    def text(self, secrets: tuple[str, ...] = ()) -> str:
        """The body as text, redacted: `secrets`, secret fields and token-shaped words masked."""
        text = self.raw.decode("utf-8", "replace")
        if any(f'"{name}"' in text for name in SECRET_FIELDS):
            text = _SECRET_VALUE.sub(lambda m: f'"{m[1]}"{m[2]}"{mask(m[3])}{m[4]}', text)
        return redact(text, secrets)

    @property
    def note(self) -> str:
        """What was kept of a cut body ('' when whole)."""
        if not self.cut:
            return ""
        return f"body cut: {self.size:,} bytes, the first {len(self.raw):,} kept"

    def value(self, secrets: tuple[str, ...] = ()) -> Any:
        """The body as JSON, redacted (a cut one: its head, as text, with the note)."""
        text = self.text(secrets)
        if self.cut:
            return f"{text}… [{self.note}]"
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return text


class Exchange:
    """One attempt of one request, recorded: what was sent, what came back (or the error),
    when. Holds the URL, headers and bodies (a long body's head), never the request or
    the response, and shows them only redacted."""

    __slots__ = (
        "_request_body",
        "_request_headers",
        "_response_body",
        "_response_headers",
        "_started",
        "_url",
        "attempt",
        "elapsed",
        "error",
        "method",
        "number",
        "size",
        "status",
    )

    def __init__(
        self,
        number: int,
        started: float,
        request: httpx.Request,
        response: httpx.Response | None,
        error: str | None,
        attempt: int,
        elapsed: float,
        body_limit: int = BODY_LIMIT,
    ) -> None:
        self.number = number
        self._started = started
        self.method = request.method
        self._url = str(request.url)
        self._request_headers = _packed(request.headers)
        self.size = RECORD_SIZE  # about what the record weighs, its bodies added below
        self._request_body: Body | None = None
        if content := request.content:
            self._request_body = body = Body(content, body_limit)
            self.size += len(body.raw)
        self.status: int | None = None
        self._response_headers: bytes | None = None
        self._response_body: Body | None = None
        if response is not None:
            self.status = response.status_code
            self._response_headers = _packed(response.headers)
            if content := response.content:
                self._response_body = body = Body(content, body_limit)
                self.size += len(body.raw)
        self.error = error  # the transport error's name when nothing came back
        self.attempt = attempt
        self.elapsed = elapsed

    @property
    def started(self) -> datetime:
        """When the attempt was sent (UTC)."""
        return datetime.fromtimestamp(self._started, UTC)

    @property
    def cut(self) -> int:
        """How many of its bodies were kept only as their head."""
        return sum(b is not None and b.cut for b in (self._request_body, self._response_body))

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credentials the request carried, masked wherever they show."""
        headers = _unpacked(self._request_headers)
        return tuple(v for k in SECRET_HEADERS if (v := headers.get(k)))

    @property
    def url(self) -> str:
        """The URL, any credential in its path masked."""
        return redact(unquote(self._url), self.secrets)

    @property
    def path(self) -> str:
        return redact(unquote(urlsplit(self._url).path), self.secrets)

    @property
    def reason(self) -> str:
        """The answer's reason phrase ('' without an answer)."""
        return "" if self.status is None else httpx.codes.get_reason_phrase(self.status)

    @property
    def rate_limits(self) -> dict[str, str]:
        """The answer's rate-limit headers (spec 9), by lowercased name."""
        if self._response_headers is None:
            return {}
        headers = _unpacked(self._response_headers)
        return {name: headers[name] for name in RATE_HEADERS if name in headers}

    @property
    def request_headers(self) -> dict[str, str]:
        return redact_headers(_unpacked(self._request_headers).items(), self.secrets)

    @property
    def request_body(self) -> Any:
        body = self._request_body
        return None if body is None else body.value(self.secrets)

    @property
    def response_headers(self) -> dict[str, str]:
        headers = self._response_headers
        return {} if headers is None else redact_headers(_unpacked(headers).items(), self.secrets)

    @property
    def response_body(self) -> Any:
        body = self._response_body
        return None if body is None else body.value(self.secrets)

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
        """A `curl` command that repeats the request, with placeholders for its secrets
        (a body cut short says so in a trailing comment: the command sends its head)."""
        parts = ["curl", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            if name in ("host", "content-length", "accept-encoding", "connection"):
                continue
            placeholder = PLACEHOLDERS.get(name)
            if placeholder is not None:  # in double quotes: the shell fills the variable in
                parts += ["-H", f'"{name}: {placeholder}"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        body = self._request_body
        if body is not None:
            parts += ["--data", shlex.quote(body.text(self.secrets))]
            if body.cut:
                parts.append(f"# {body.note}")
        return " ".join(parts)

    def har(self) -> dict[str, Any]:
        """The exchange as a HAR 1.2 entry (a cut body: its head, and a `comment`)."""
        sent, got = self._request_body, self._response_body
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
                    {"name": k, "value": v} for k, v in parse_qsl(urlsplit(self.url).query)
                ],
                "headersSize": -1,
                "bodySize": 0 if sent is None else sent.size,
            },
            "response": {
                "status": self.status or 0,
                "statusText": self.reason,
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": _har_headers(self.response_headers),
                "content": _har_content(got, self.secrets),
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1 if self.status is None else (0 if got is None else got.size),
            },
            "cache": {},
            "timings": {"send": 0, "wait": round(self.elapsed * 1000, 3), "receive": 0},
        }
        if sent is not None:
            entry["request"]["postData"] = {
                "mimeType": "application/json",
                "text": sent.text(self.secrets),
            }
            if sent.cut:
                entry["request"]["postData"]["comment"] = sent.note
        if self.error is not None:
            entry["comment"] = f"no answer: {self.error}"
        return entry

    def __str__(self) -> str:
        outcome = self.error if self.status is None else str(self.status)
        retry = f", attempt {self.attempt}" if self.attempt > 1 else ""
        return f"{self.method} {self.path} → {outcome} ({self.elapsed * 1000:.1f} ms{retry})"

    def __repr__(self) -> str:
        return f"Exchange({self})"


def _packed(headers: httpx.Headers) -> bytes:
    """Headers as one bytes object (lines of `name: value`): compact, and nothing for the
    garbage collector to walk."""
    return b"\r\n".join([name + b": " + value for name, value in headers.raw])


def _unpacked(packed: bytes) -> httpx.Headers:
    lines = (line.partition(b": ") for line in packed.split(b"\r\n") if line)
    return httpx.Headers([(name, value) for name, _, value in lines])


def _count(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _har_headers(headers: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers.items()]


def _har_content(body: Body | None, secrets: tuple[str, ...]) -> dict[str, Any]:
    content: dict[str, Any] = {
        "size": 0 if body is None else body.size,
        "mimeType": "application/json",
        "text": "" if body is None else body.text(secrets),
    }
    if body is not None and body.cut:
        content["comment"] = body.note
    return content


class Transcript:
    """The last exchanges of a session, oldest first, within `keep_requests` records and
    about `keep_bytes` bytes (each 0: none kept); thread-safe. Counts every exchange
    (`recorded`), those dropped to stay within the bounds (`dropped`) and the bodies
    kept only as their head (`cut`)."""

    def __init__(
        self, keep_requests: int = 1000, keep_bytes: int = KEEP_BYTES, body_limit: int = BODY_LIMIT
    ) -> None:
        self.size = check_bound("keep_requests", keep_requests)
        self.max_bytes = check_bound("keep_bytes", keep_bytes)
        self.body_limit = check_bound("body_limit", body_limit)
        self._exchanges: deque[Exchange] = deque()
        self._unpublished: deque[Exchange] = deque(maxlen=self.size)
        self._lock = threading.Lock()
        self.recorded = 0  # every exchange since the session opened
        self.dropped = 0  # exchanges let go to stay within the bounds (not by `clear()`)
        self.cut = 0  # bodies kept only as their head
        self.bytes = 0  # what the exchanges kept weigh, about

    def record(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        error: BaseException | None,
        attempt: int,
        started: float,
        elapsed: float,
    ) -> Exchange | None:
        """Record one attempt (`started` is a Unix time, `elapsed` seconds); None if off."""
        if not (self.size and self.max_bytes):  # none kept
            with self._lock:
                self.recorded += 1
                self.dropped += 1
            return None
        exchange = Exchange(
            0,  # numbered below, in the order kept
            started,
            request,
            response,
            None if error is None else type(error).__name__,
            attempt,
            elapsed,
            self.body_limit,
        )  # made outside the lock: other threads keep sending meanwhile
        with self._lock:
            self.recorded += 1
            exchange.number = self.recorded
            self.cut += exchange.cut
            self._exchanges.append(exchange)
            self._unpublished.append(exchange)
            self.bytes += exchange.size
            while self._exchanges and (
                len(self._exchanges) > self.size or self.bytes > self.max_bytes
            ):
                self.bytes -= self._exchanges.popleft().size
                self.dropped += 1
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
        """Forget the exchanges kept (the counts stay)."""
        with self._lock:
            self._exchanges.clear()
            self._unpublished.clear()
            self.bytes = 0

    def summary(self) -> str:
        """What is kept and what was let go, in a line (for `repr` and the `Inspector`)."""
        text = (
            f"{len(self):,} of {self.recorded:,} requests kept "
            f"({self.bytes / 1e6:.1f} of {self.max_bytes / 1e6:.1f} MB, "
            f"at most {self.size:,})"
        )
        if self.dropped:
            text += f"; {self.dropped:,} older dropped"
        if self.cut:
            text += f"; {self.cut:,} bodies over {self.body_limit // 1024} KiB kept as their head"
        return text

    def __repr__(self) -> str:
        return f"Transcript({self.summary()})"

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
