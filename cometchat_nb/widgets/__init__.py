"""ipywidgets for a `Session`: `LoginForm`, `EventLog`, `UserTable` and `dashboard`.

Each is a `VBox` bound to a sync `Session`; `close()` unsubscribes it from the
session's events. Stock ipywidgets only; CSS classes `cc-*` mark the parts.
"""

from .dashboard import Dashboard, dashboard, side_by_side
from .event_log import EventLog
from .inspector import Inspector
from .login import LoginForm
from .user_table import UserTable

__all__ = [
    "Dashboard",
    "EventLog",
    "Inspector",
    "LoginForm",
    "UserTable",
    "dashboard",
    "side_by_side",
]
