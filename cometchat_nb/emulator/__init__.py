"""The embedded CometChat emulator: in-process through httpx, or served over HTTP.

Cheap to import: the configuration constants come from `defaults`, and the
emulator itself (`Emulator`, `embedded`, `Server`, ...) loads on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .defaults import APP_ID, AUTH_KEY, REGION, REST_API_KEY

if TYPE_CHECKING:
    from .embedded import embedded
    from .limiter import RateLimiter
    from .remote import EmulatorControlError, RemoteEmulator
    from .server import Server
    from .service import Emulator

__all__ = [
    "APP_ID",
    "AUTH_KEY",
    "REGION",
    "REST_API_KEY",
    "Emulator",
    "EmulatorControlError",
    "RateLimiter",
    "RemoteEmulator",
    "Server",
    "embedded",
]

# Public name -> the module defining it, imported on first access.
_LAZY = {
    "Emulator": ".service",
    "EmulatorControlError": ".remote",
    "RateLimiter": ".limiter",
    "RemoteEmulator": ".remote",
    "Server": ".server",
    "embedded": ".embedded",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value
