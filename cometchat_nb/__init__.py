"""cometchat-nb: CometChat users and authentication from Python notebooks.

`Session()` connects to a real app when `COMETCHAT_APP_ID` (or `app_id=`) is set,
and to the embedded emulator otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from .guard import LiveAppForbidden
from .listeners import ListenerRegistry, LoginListener
from .models import AuthToken, Event, Role, User, UserList
from .nested import enable_nested_asyncio
from .retry import Retry
from .secret import Secret
from .session import AsyncSession, Session
from .store import FileStore, MemoryStore
from .version import VERSION as __version__

if TYPE_CHECKING:
    from .emulator import Emulator
    from .widgets import Dashboard, EventLog, Inspector, LoginForm, UserTable, side_by_side

__all__ = [
    "AlreadyExistsError",
    "AsyncSession",
    "AuthToken",
    "AuthenticationError",
    "CometChatException",
    "Dashboard",
    "Emulator",
    "Event",
    "EventLog",
    "FileStore",
    "Inspector",
    "InvalidInputError",
    "InvalidStateError",
    "ListenerRegistry",
    "LiveAppForbidden",
    "LoginForm",
    "LoginListener",
    "MemoryStore",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitError",
    "Retry",
    "Role",
    "Secret",
    "Session",
    "UnavailableError",
    "User",
    "UserList",
    "UserTable",
    "__version__",
    "enable_nested_asyncio",
    "side_by_side",
]

# Heavier names (the emulator, pandas, ipywidgets), imported on first use.
_LAZY: dict[str, str] = {
    "Emulator": ".emulator",
    "Dashboard": ".widgets",
    "EventLog": ".widgets",
    "Inspector": ".widgets",
    "LoginForm": ".widgets",
    "UserTable": ".widgets",
    "dashboard": ".widgets",
    "side_by_side": ".widgets",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cometchat_nb' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module, __name__), name)
