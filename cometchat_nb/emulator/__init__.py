"""The embedded CometChat emulator: in-process through httpx, or served over HTTP."""

from __future__ import annotations

import os
import threading

from .defaults import APP_ID, AUTH_KEY, REGION, REST_API_KEY
from .ratelimit import RateLimiter
from .remote import RemoteEmulator
from .service import Emulator

__all__ = [
    "APP_ID",
    "AUTH_KEY",
    "REGION",
    "REST_API_KEY",
    "Emulator",
    "RateLimiter",
    "RemoteEmulator",
    "embedded",
]

_embedded: Emulator | None = None
_embedded_lock = threading.Lock()


def embedded() -> Emulator:
    """The process-wide emulator a bare `Session()` connects to.

    `COMETCHAT_NB_DETERMINISTIC=1` makes its clock and tokens deterministic.
    """
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            deterministic = os.environ.get("COMETCHAT_NB_DETERMINISTIC", "") not in ("", "0")
            _embedded = Emulator(deterministic=deterministic)
        return _embedded
