"""pandas DataFrames of users and events, with the same typed columns whether empty or not.

Users: `uid` as the index; timestamps as timezone-aware UTC `datetime64`;
`role` and `status` categorical; `tags` as lists and `metadata` as dicts. Auth
tokens and unknown wire fields are left out, so a frame never holds a secret.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np
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
            name: _cast(_objects([r[name] for r in records], len(records)), dtype)
            for name, dtype in columns.items()
        },
        copy=False,
    )


#: Users turned into columns at a time while a frame is built (5 pages of `list_users`).
CHUNK = 5000


class UserColumns:
    """The columns of `users_frame`, built as users arrive (`add` a page at a time).

    Each batch becomes its share of every column at once (timestamps as 8-byte values,
    not datetime objects), and `frame()` joins the shares a column at a time: building
    holds about the frame itself, never every user beside it.
    """

    def __init__(self) -> None:
        self._shares: dict[str, list[np.ndarray[Any, Any]]] = {
            name: [] for name in ("uid", *USER_COLUMNS)
        }

    def add(self, users: Iterable[User]) -> None:
        """Add a batch of users (e.g. one page of `list_users`) to the columns."""
        batch = list(users)
        count = len(batch)
        fields = _fields(batch)
        with _collector_paused():
            for name, shares in self._shares.items():
                values: Iterable[Any] = fields(name)
                if name == "tags":  # each row its own list, as each row its own dict below
                    values = ([] if t is None else list(t) for t in values)
                elif name == "metadata":
                    values = ({} if m is None else _metadata(m) for m in values)
                share = _objects(values, count)
                if USER_COLUMNS.get(name) == UTC:
                    share = np.asarray(_cast(share, UTC), dtype="datetime64[ns]")
                shares.append(share)

    def frame(self) -> pd.DataFrame:
        """The frame of every user added, indexed by `uid` (the shares are let go)."""
        with _collector_paused():
            data: dict[str, Any] = {}
            for name, dtype in USER_COLUMNS.items():
                values = _joined(self._shares.pop(name), dtype)
                data[name] = pd.array(values).tz_localize("UTC") if dtype == UTC else (
                    _cast(values, dtype)
                )  # fmt: skip
            uids = _cast(_joined(self._shares.pop("uid"), TEXT), TEXT)
            return pd.DataFrame(data, index=pd.Index(uids, name="uid", copy=False), copy=False)


def _joined(shares: list[np.ndarray[Any, Any]], dtype: Any) -> np.ndarray[Any, Any]:
    """A column's shares as one array (shares let go as they are joined)."""
    if not shares:
        return np.empty(0, dtype="datetime64[ns]" if dtype == UTC else object)
    joined = np.concatenate(shares)
    shares.clear()
    return joined


def users_frame(users: Iterable[User]) -> pd.DataFrame:
    """One row per user, indexed by `uid`, with the columns of `USER_COLUMNS`.

    Built a column at a time, `CHUNK` users at a time, straight from the users: no
    record per user, and an iterator of users is never held whole.
    """
    columns, remaining = UserColumns(), iter(users)
    while batch := list(islice(remaining, CHUNK)):
        columns.add(batch)
    return columns.frame()


def _fields(users: list[User]) -> Callable[[str], Iterator[Any]]:
    """A function giving one field of every user, in order.

    Plain `User`s keep their fields in their `__dict__`, read directly (twice as
    fast as `getattr`); anything else is read by attribute.
    """
    if set(map(type, users)) <= {User}:
        try:
            dicts = list(map(vars, users))
        except TypeError:  # a `User` without a `__dict__` (slots)
            pass
        else:
            return lambda name: map(itemgetter(name), dicts)
    return lambda name: map(attrgetter(name), users)


def _objects(values: Iterable[Any], count: int) -> np.ndarray[Any, Any]:
    return np.fromiter(values, dtype=object, count=count)


def _cast(values: np.ndarray[Any, Any], dtype: Any) -> Any:
    """`values` (objects) as an array of `dtype`, as `Series.astype` casts them.

    Aware UTC datetimes (what users hold) take a faster route to the same result.
    """
    if dtype is object:
        return values
    kind = pd.api.types.infer_dtype(values, skipna=True) if dtype == UTC else None
    if kind == "empty":  # nothing but missing values (e.g. nobody deactivated)
        return pd.DatetimeIndex(np.full(len(values), "NaT", "datetime64[ns]"), tz="UTC").array
    if kind == "datetime":
        try:
            times = pd.DatetimeIndex(values)
        except (TypeError, ValueError):
            pass
        else:
            if str(times.tz) == "UTC":
                return times.as_unit("ns").array
    return pd.Series(values, dtype=object, copy=False).astype(dtype).array


def events_frame(events: Iterable[Event]) -> pd.DataFrame:
    """One row per event, oldest first: `time`, `kind`, `name`, `detail`."""
    records = [
        {"time": e.time, "kind": e.kind, "name": e.name, "detail": redact(e.detail)} for e in events
    ]
    return typed_frame(records, EVENT_COLUMNS)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large frame is built.

    A frame of 100,000 users makes 200,000 small containers (each row's tags and
    metadata); without the pause they set off full collections that walk every
    live object, half the time of the build. They hold no cycles, so nothing is
    lost by collecting later. The collector is left as it was found.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _metadata(value: Any) -> dict[str, Any]:
    """Metadata as a dict; a string is kept as the service stores it (`rawMetadata`)."""
    if type(value) is dict:
        return value.copy()
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
