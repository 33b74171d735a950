"""The one row reader of every bulk call: rows the way spreadsheets give them, in chunks.

A source is a DataFrame (a `uid` column, or a `uid` index as `users_frame()` gives), an
iterable of mappings or `User`s (a generator works), an iterable of DataFrames (a
`pd.read_csv(..., chunksize=)` reader), a CSV path, or (deletes) a list of uids. It is
read a chunk at a time, so a million-row file never sits in memory whole.

Cells are read as spreadsheets write them: numeric uids become strings (`101`, and
`101.0` from a column with gaps, are `"101"`), `tags` as a list or `"a,b"` text,
`metadata` as a dict or JSON text; empty cells mean "not set". Header names match
whatever their case (`UID`, `statusMessage`, `Status Message`); an unknown column is
refused naming it (and the field it resembles). Every row keeps its position, its label
in the input and its uid as given, also when it cannot be used.
"""

from __future__ import annotations

import ast
import difflib
import json
import numbers
import os
import re
import warnings
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

import pandas as pd

from ..errors import CometChatException, local_error
from ..models import User

#: Rows read (and planned, and written out) at a time.
CHUNK = 5000
#: The columns a row may set (snake_case).
FIELDS = ("uid", "name", "avatar", "link", "role", "status_message", "metadata", "tags")
#: Columns of an exported users frame that describe the service's side: ignored.
READ_ONLY = (
    "status", "created_at", "updated_at", "last_active_at", "deactivated_at",
    "has_blocked_me", "blocked_by_me",
)  # fmt: skip
_KEYS = {re.sub(r"[\s_-]", "", name): name for name in (*FIELDS, *READ_ONLY)}


class UnknownColumnError(ValueError):
    """Columns no user field has: `columns`, each with the field it resembles (or None)."""

    def __init__(self, columns: list[tuple[str, str | None]], where: str = "") -> None:
        self.columns = columns
        named = ", ".join(
            repr(column) + (f" (did you mean {close!r}?)" if close else "")
            for column, close in columns
        )
        super().__init__(
            f"{where}unknown column{'s' if len(columns) > 1 else ''} {named}: a row may have "
            f"{', '.join(FIELDS)} (and an exported frame's {', '.join(READ_ONLY)}, ignored); "
            "pass strict=False to leave them out"
        )


def unknown(column: Any) -> tuple[str, str | None]:
    """A column no field has, and the field it resembles."""
    close = difflib.get_close_matches(str(column).lower(), FIELDS, n=1, cutoff=0.6)
    return str(column), close[0] if close else None


@dataclass(frozen=True)
class Row:
    """One input row: where it was, its uid as given, and its fields or why it is unusable."""

    position: int  # 0, 1, ... over the whole input
    label: Hashable  # its index label in the input frame (else its position)
    uid: str | None  # as given, as text
    name: str | None
    fields: dict[str, Any] | None  # snake_case, empty cells left out; None when unusable
    error: CometChatException | None = None


@lru_cache(maxsize=1024)
def field_of(column: Any) -> str | None:
    """The field (or read-only column) a header names, whatever its case; None if none."""
    return _KEYS.get(re.sub(r"[\s_-]", "", str(column).lower()))


def columns_of(names: Iterable[Any], strict: bool, where: str = "") -> dict[str, str]:
    """Header -> field for the writable columns; unknown ones raise `UnknownColumnError`
    naming each (with `strict=False`: a warning, and they are left out)."""
    chosen: dict[str, str] = {}
    strange = []
    for name in names:
        field = field_of(name)
        if field is None:
            strange.append(unknown(name))
        elif field in FIELDS:
            chosen[str(name)] = field
    if strange:
        error = UnknownColumnError(strange, where)
        if strict:
            raise error
        warnings.warn(f"{error}; left out", UserWarning, stacklevel=5)
    return chosen


def empty(value: Any) -> bool:
    """A cell that says "not set": missing (None, NaN, NA), blank text, an empty list or dict."""
    if value is None or isinstance(value, bool | int):
        return value is None
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return value != value  # NaN
    if isinstance(value, list | tuple | dict | set):
        return not value
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def uid_text(value: Any) -> Any:
    """A uid as text: 101 (int64 from a CSV) and 101.0 (a column with gaps) as "101"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.strip() if isinstance(value, str) else value


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return ast.literal_eval(text)  # a frame written by to_csv: Python's repr


def cell(field: str, value: Any) -> Any:
    """A spreadsheet cell as the field's value (`ValueError` when it cannot be one)."""
    if field == "tags":
        if isinstance(value, str):
            text = value.strip()
            if not text.startswith("["):
                return [tag.strip() for tag in text.split(",") if tag.strip()]
            value = _literal(text)
        if hasattr(value, "tolist"):
            value = value.tolist()
        if not isinstance(value, list | tuple):
            raise ValueError(f"tags must be a list or 'a,b' text, not {value!r}")
        return [str(uid_text(tag)) for tag in value]
    if field == "metadata":
        if isinstance(value, str):
            try:
                value = _literal(value.strip())
            except (ValueError, SyntaxError):
                raise ValueError(f"metadata is not JSON: {value[:40]!r}") from None
        if not isinstance(value, Mapping):
            raise ValueError(f"metadata must be a JSON object, not {value!r}")
        return dict(value)
    value = uid_text(value)
    return str(value) if isinstance(value, float) else value


def row_of(position: int, label: Hashable, record: Mapping[Any, Any], columns: Mapping[str, str],
           where: str = "") -> Row:  # fmt: skip
    """One record as a `Row`: its fields, or the error naming the cell that is unusable."""
    fields: dict[str, Any] = {}
    given = {field: record.get(header) for header, field in columns.items()}
    uid, name = given.get("uid"), given.get("name")
    shown_uid = None if empty(uid) else str(uid_text(uid))
    shown_name = None if empty(name) else str(name)
    for field, value in given.items():
        if empty(value):
            continue
        try:
            converted = cell(field, value)
        except (ValueError, SyntaxError, TypeError) as exc:
            error = local_error("INVALID_ROW", f"{where}column {field!r}: {exc}")
            return Row(position, label, shown_uid, shown_name, None, error)
        if not empty(converted):  # "[]" and "{}" (a frame written by to_csv) say "not set"
            fields[field] = converted
    return Row(position, label, shown_uid, shown_name, fields)


def rows(source: Any, strict: bool = True) -> Iterator[list[Row]]:
    """The rows of `source`, a chunk (at most `CHUNK` rows) at a time.

    Raises `TypeError` for what is no source, `UnknownColumnError` for an unknown
    column of a frame, a CSV's header or the first chunk of records, before any row is
    given; an unknown key in a later record makes that row an `INVALID_ROW`.
    """
    if isinstance(source, pd.DataFrame):
        return _frames([source], strict)
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and source.lower().endswith(".csv")
    ):
        return _csv(os.fspath(source), strict)
    if isinstance(source, str | bytes | Mapping | User) or not isinstance(source, Iterable):
        raise TypeError(
            "frame_or_records takes a DataFrame, records (mappings or Users), a chunked reader, "
            f"a CSV path or a list of uids, not {type(source).__name__}"
        )
    items = iter(source)
    first = next(items, None)
    if first is None:
        return iter(())
    if isinstance(first, pd.DataFrame):
        return _frames(_chain(first, items), strict)
    return _records(_chain(first, items), strict)


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _csv(path: str, strict: bool) -> Iterator[list[Row]]:
    name = os.path.basename(path)
    reader = pd.read_csv(path, chunksize=CHUNK, dtype=str, keep_default_na=False)
    return _frames(reader, strict, where=f"{name}: ", line=2)


def _frames(
    frames: Iterable[pd.DataFrame], strict: bool, where: str = "", line: int | None = None
) -> Iterator[list[Row]]:
    position = 0
    columns: dict[str, str] | None = None
    for frame in frames:
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"a chunked source gives DataFrames, not {type(frame).__name__}")
        labels = list(frame.index)
        if (
            not any(field_of(c) == "uid" for c in frame.columns)
            and field_of(frame.index.name or "") == "uid"
        ):
            frame = frame.reset_index()
        if columns is None:
            columns = columns_of(frame.columns, strict, where)
        for start in range(0, len(frame), CHUNK):
            part = frame.iloc[start : start + CHUNK]
            records = part.to_dict("records")
            chunk = []
            for offset, record in enumerate(records):
                at = position + offset
                here = f"{where}line {at + line}, " if line is not None else where
                chunk.append(row_of(at, labels[start + offset], record, columns, here))
            position += len(records)
            yield chunk


def _records(items: Iterator[Any], strict: bool) -> Iterator[list[Row]]:
    position = 0
    columns: dict[str, str] = {}
    checked: set[str] = set()
    first, uids = True, False
    while batch := list(islice(items, CHUNK)):
        if first:
            uids = _is_uid(batch[0])
        records = [_record(item, position + i, uids) for i, item in enumerate(batch)]
        if first:
            for record in records:
                if isinstance(record, Exception):
                    raise record  # before anything is sent
            keys = {k for r in records if isinstance(r, Mapping) for k in r}
            columns.update(columns_of(sorted(keys, key=str), strict))
            checked |= keys
            first = False
        chunk = []
        for record in records:
            if isinstance(record, Exception):  # in a later chunk: that row's error
                error = local_error("INVALID_ROW", str(record))
                chunk.append(Row(position, position, None, None, None, error))
            else:
                chunk.append(_later(position, record, columns, checked, strict))
            position += 1
        yield chunk


def _later(
    position: int, record: Mapping[str, Any], columns: dict[str, str], checked: set[str],
    strict: bool,
) -> Row:  # fmt: skip
    """A record of a stream, its keys checked against those of the first chunk."""
    columns.update({str(k): f for k in record if (f := field_of(k)) in FIELDS})
    row = row_of(position, position, record, columns)
    strange = [unknown(k) for k in record if k not in checked and field_of(k) is None]
    if strange and strict:
        error = local_error("INVALID_ROW", str(UnknownColumnError(strange)))
        return Row(position, position, row.uid, row.name, None, error)
    return row


def _is_uid(item: Any) -> bool:
    return isinstance(item, str | numbers.Number) and not isinstance(item, bool)


def _record(item: Any, position: int, uids: bool) -> Mapping[str, Any] | Exception:
    """An item of a records source as a mapping (a list of uids: `{"uid": uid}` each)."""
    if uids and _is_uid(item):
        return {"uid": item}
    if not uids and isinstance(item, User):
        wire = item.to_dict()
        return {f: wire[k] for f in FIELDS if (k := _WIRE.get(f, f)) in wire}
    if not uids and isinstance(item, Mapping):
        return {str(k): v for k, v in item.items()}
    wanted = "a uid" if uids else "a User or a mapping"
    return TypeError(f"row {position} is a {type(item).__name__}; give {wanted} per row")


_WIRE = {"status_message": "statusMessage"}
