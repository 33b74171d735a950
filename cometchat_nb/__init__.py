"""cometchat-nb: CometChat users and authentication from Python notebooks.

`Session()` connects to a real app when `COMETCHAT_APP_ID` (or `app_id=`) is set,
and to the embedded emulator otherwise.
"""

from __future__ import annotations

from typing import Any

from .emulator import Emulator
from .errors import (
    AlreadyExistsError,
    AuthenticationError,
    CometChatException,
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    UnavailableError,
)
from .listeners import ListenerRegistry, LoginListener
from .models import AuthToken, Event, User, UserList
from .nested import enable_nested_asyncio
from .protocol import VERSION as __version__
from .secret import Secret
from .session import AsyncSession, Session
from .store import FileStore, MemoryStore

__all__ = [
    "AlreadyExistsError",
    "AsyncSession",
    "AuthToken",
    "AuthenticationError",
    "CometChatException",
    "Emulator",
    "Event",
    "FileStore",
    "InvalidInputError",
    "InvalidStateError",
    "ListenerRegistry",
    "LoginListener",
    "MemoryStore",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitError",
    "Secret",
    "Session",
    "UnavailableError",
    "User",
    "UserList",
    "__version__",
    "enable_nested_asyncio",
]

# Heavier names (pandas, ipywidgets), imported on first use.
_LAZY: dict[str, str] = {
    "Dashboard": ".widgets",
    "EventLog": ".widgets",
    "LoginForm": ".widgets",
    "UserTable": ".widgets",
    "dashboard": ".widgets",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cometchat_nb' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module, __name__), name)
