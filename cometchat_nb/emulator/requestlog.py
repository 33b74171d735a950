"""The emulator's request log: the latest requests answered, bounded, counting what it dropped.

`Emulator.requests` reads the requests themselves; `Emulator.request_log()` and
`GET /_emulator/requests` a redacted form (no header, tokens in paths masked, the
injected fault named).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import httpx

from ..secret import mask
from .faults import EXTENSION

#: A request answered, as the log keeps it: built, or what builds it when looked at.
Record = httpx.Request | Callable[[], httpx.Request]
#: How many requests an emulator keeps unless told otherwise.
DEFAULT_SIZE = 10_000


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

    def add(self, record: Record, at: int, status: int) -> None:
        if self.size == 0 or len(self._entries) == self.size:
            self.dropped += 1
        self._entries.append((record, at, status))

    def clear(self) -> None:
        self._entries.clear()
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
        """Time, method, path (tokens masked), status and the fault injected, if any."""
        entries = []
        for request, at, status in self.built():
            entry = {"time": at, "method": request.method, "path": masked_path(request.url.path),
                     "status": status}  # fmt: skip
            if fault := request.extensions.get(EXTENSION):
                entry["fault"] = fault
            entries.append(entry)
        return RequestList(entries, self.dropped, self.size)


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
