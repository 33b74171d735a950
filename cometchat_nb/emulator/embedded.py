"""The process-wide emulator a bare `Session()` connects to, made on first use."""

from __future__ import annotations

import os
import threading

from .service import Emulator

_embedded: Emulator | None = None
_embedded_lock = threading.Lock()


def embedded() -> Emulator:
    """The process-wide emulator a bare `Session()` connects to (made on first use);
    `COMETCHAT_NB_DETERMINISTIC=1` makes its clock and tokens deterministic."""
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            deterministic = os.environ.get("COMETCHAT_NB_DETERMINISTIC", "") not in ("", "0")
            _embedded = Emulator(deterministic=deterministic)
        return _embedded
