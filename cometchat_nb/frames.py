"""pandas DataFrames of users and events, with the same typed columns whether empty or not.

Users: `uid` as the index; timestamps as timezone-aware UTC `datetime64`;
`role` and `status` categorical; `tags` as lists and `metadata` as dicts. Auth
tokens and unknown wire fields are left out, so a frame never holds a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .models import Event, User
from .secret import redact
from .transcript import Exchange

UTC = pd.DatetimeTZDtype(unit="ns", tz="UTC")
TEXT = pd.StringDtype()
STATUSES = ["offline", "online"]

#: Column -> dtype of `users_frame` (`role` categories follow the data).
USER_COLUMNS: dict[str, Any] = {
    "name": TEXT,
    "role": "category",
    "status": pd.CategoricalDtype(STATUSES),
    "status_message": TEXT,
    "avatar": TEXT,
    "link": TEXT,
    "tags": object,
    "metadata": object,
    "created_at": UTC,
    "updated_at": UTC,
    "last_active_at": UTC,
    "deactivated_at": UTC,
}
#: Column -> dtype of `events_frame` (the event log's columns).
EVENT_COLUMNS: dict[str, Any] = {
    "time": UTC,
    "kind": "category",
    "name": "category",
    "detail": TEXT,
}


def typed_frame(records: list[dict[str, Any]], columns: dict[str, Any]) -> pd.DataFrame:
    """A frame of `records` with exactly `columns`, each cast to its dtype."""
    return pd.DataFrame(
        {
            name: pd.Series([r[name] for r in records], dtype=object).astype(dtype)
            for name, dtype in columns.items()
        }
    )


def users_frame(users: Iterable[User]) -> pd.DataFrame:
    """One row per user, indexed by `uid`, with the columns of `USER_COLUMNS`."""
    users = list(users)
    records = [
        {
            "name": u.name,
            "role": u.role,
            "status": u.status,
            "status_message": u.status_message,
            "avatar": u.avatar,
            "link": u.link,
            "tags": list(u.tags) if u.tags is not None else [],
            "metadata": _metadata(u.metadata),
            "created_at": u.created_at,
            "updated_at": u.updated_at,
            "last_active_at": u.last_active_at,
            "deactivated_at": u.deactivated_at,
        }
        for u in users
    ]
    frame = typed_frame(records, USER_COLUMNS)
    frame.index = pd.Index([u.uid for u in users], dtype=TEXT, name="uid")
    return frame


def events_frame(events: Iterable[Event]) -> pd.DataFrame:
    """One row per event, oldest first: `time`, `kind`, `name`, `detail`."""
    records = [
        {"time": e.time, "kind": e.kind, "name": e.name, "detail": redact(e.detail)} for e in events
    ]
    return typed_frame(records, EVENT_COLUMNS)


def _metadata(value: Any) -> dict[str, Any]:
    """Metadata as a dict; a string is kept as the service stores it (`rawMetadata`)."""
    if value is None:
        return {}
    return dict(value) if isinstance(value, Mapping) else {"rawMetadata": value}


#: Column -> dtype of `transcript_frame` (`Session.transcript()`).
TRANSCRIPT_COLUMNS: dict[str, Any] = {
    "number": "Int64",
    "time": UTC,
    "method": "category",
    "path": TEXT,
    "status": "Int64",
    "elapsed_ms": "float64",
    "attempt": "Int64",
    "error": TEXT,
    "rate_limit_remaining": "Int64",
}


def transcript_frame(exchanges: Iterable[Exchange]) -> pd.DataFrame:
    """One row per request attempt, oldest first, with the columns of `TRANSCRIPT_COLUMNS`."""
    return typed_frame([exchange.row() for exchange in exchanges], TRANSCRIPT_COLUMNS)
