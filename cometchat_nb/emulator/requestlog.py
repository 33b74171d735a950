"""The emulator's request log: the latest requests answered, bounded, counting what it dropped.

`Emulator.requests` reads the requests themselves; `Emulator.request_log()` and
`GET /_emulator/requests` a redacted form (no header, tokens in paths masked, the
injected fault named), each entry numbered; `Emulator.logged_request(number)` and
`GET /_emulator/requests/{number}` one entry with its request and answer, masked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import httpx

from ..secret import Secret, mask, redact_body, redact_headers, request_secrets
from .call import Reply
from .faults import EXTENSION

#: A request answered, as the log keeps it: built, or what builds it when looked at.
Record = httpx.Request | Callable[[], httpx.Request]
#: How many requests an emulator keeps unless told otherwise.
DEFAULT_SIZE = 10_000
#: The answers kept for `logged_request`: of the latest this many requests, each up to
#: `ANSWER_BYTES` (a longer one is noted by its size), so the log stays small.
ANSWERS_KEPT = 1000
ANSWER_BYTES = 64 * 1024


class RequestList(list[dict[str, Any]]):
    """The redacted request log: a list of entries that also says how many were
    dropped (`dropped`) to stay within `size`."""

    def __init__(self, entries: list[dict[str, Any]], dropped: int, size: int) -> None:
        super().__init__(entries)
        self.dropped, self.size = dropped, size


class RequestLog:
    """The latest `size` requests answered, with their time and status; not thread-safe
    (the emulator's lock guards it)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: deque[tuple[Record, int, int]] = deque(maxlen=check_size(size))
        self.dropped = 0  # entries pushed out since the last clear()
        self._answers: dict[int, tuple[list[tuple[bytes, bytes]], bytes | int]] = {}

    @property
    def size(self) -> int:
        return self._entries.maxlen or 0

    @size.setter
    def size(self, size: int) -> None:
        kept = deque(self._entries, maxlen=check_size(size))
        self.dropped += len(self._entries) - len(kept)
        self._entries = kept

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, record: Record, at: int, status: int, answer: Reply | None = None) -> None:
        """Log a request answered at `at` with `status`; keep its `answer` for a while."""
        if self.size == 0 or len(self._entries) == self.size:
            self.dropped += 1
        self._entries.append((record, at, status))
        if answer is not None:
            _, headers, content = answer
            number = self.dropped + len(self._entries)
            self._answers[number] = (
                headers,
                content if len(content) <= ANSWER_BYTES else len(content),
            )
            if len(self._answers) > ANSWERS_KEPT:
                del self._answers[next(iter(self._answers))]

    def clear(self) -> None:
        self._entries.clear()
        self._answers.clear()
        self.dropped = 0

    def built(self) -> list[tuple[httpx.Request, int, int]]:
        """The entries with each request built once, then kept built."""
        built = [
            (r if isinstance(r, httpx.Request) else r(), at, status)
            for r, at, status in self._entries
        ]
        self._entries = deque(built, maxlen=self._entries.maxlen)
        return built

    def redacted(self) -> RequestList:
        """Number (from 1 since the last clear), time, method, path (tokens masked), status
        and the fault injected, if any."""
        entries = [
            _entry(self.dropped + index, request, at, status)
            for index, (request, at, status) in enumerate(self.built(), 1)
        ]
        return RequestList(entries, self.dropped, self.size)

    def logged(self, number: int, secrets: list[Secret]) -> dict[str, Any]:
        """Entry `number` with its request and answer (headers and body), every credential
        masked (the request's own, `secrets` and anything shaped like a token).

        Raises `LookupError` when it is no longer, or not yet, kept."""
        index = number - self.dropped - 1
        if not 0 <= index < len(self._entries):
            raise LookupError(f"request {number} is not in the request log")
        request, at, status = self.built()[index]
        shown: list[str | Secret | None] = [*secrets, *request_secrets(request)]
        answer, kept = None, self._answers.get(number)
        if kept is not None:
            raw, content = kept
            headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw]
            answer = {
                "headers": redact_headers(headers, shown),
                "body": f"({content} bytes, not kept)" if isinstance(content, int)
                else redact_body(content, shown),
            }  # fmt: skip
        return {
            **_entry(number, request, at, status),
            "request": {
                "headers": redact_headers(request.headers.items(), shown),
                "body": redact_body(request.content, shown),
            },
            "response": answer,
        }


def _entry(number: int, request: httpx.Request, at: int, status: int) -> dict[str, Any]:
    entry = {"number": number, "time": at, "method": request.method,
             "path": masked_path(request.url.path), "status": status}  # fmt: skip
    if fault := request.extensions.get(EXTENSION):
        entry["fault"] = fault
    return entry


def check_size(size: int) -> int:
    """A request log size: an integer, 0 or more (0 keeps nothing)."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"the request log size must be an integer, not {size!r}")
    if size < 0:
        raise ValueError(f"the request log size must be 0 or more, not {size}")
    return size


def masked_path(path: str) -> str:
    """A path with the auth token after `auth_tokens/` masked (`••••` and its last four)."""
    parts = path.split("/")
    for index in range(1, len(parts)):
        if parts[index - 1] == "auth_tokens" and parts[index]:
            parts[index] = mask(parts[index])
    return "/".join(parts)
