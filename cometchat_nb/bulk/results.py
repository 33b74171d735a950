"""The result rows of a bulk call: one schema for both keys, kept in memory or streamed to a CSV.

One row per input row, in input order (the input frame's index, else the position):
`uid` (as given), `name`, `result`, `changes` (the fields written, or that would be),
`error_code`, `error_message` (redacted). With `results=` a CSV path, each chunk's rows
are appended to the file as soon as the chunk is done (with its `row` position first), and
only the rows that need attention (`error`, `not_started`) are kept for the return value.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd

from ..frames import typed_frame
from .plan import Chunk

#: What a row can come to (the `result` column).
RESULTS = [
    "created", "updated", "unchanged", "reactivated", "exists", "deactivated", "deleted",
    "absent", "error", "not_started",
]  # fmt: skip
#: Column -> dtype of every bulk call's result frame.
RESULT_COLUMNS: dict[str, Any] = {
    "uid": pd.StringDtype(),
    "name": pd.StringDtype(),
    "result": pd.CategoricalDtype(RESULTS),
    "changes": object,
    "error_code": pd.StringDtype(),
    "error_message": pd.StringDtype(),
}
#: The results a user must act on: kept in memory also when the rows stream to a file.
ATTENTION = ("error", "not_started")


def chunk_frame(chunk: Chunk) -> pd.DataFrame:
    """The result rows of a done chunk, indexed by the rows' labels."""
    records = [
        {
            "uid": row.uid,
            "name": row.name,
            "result": step.result,
            "changes": step.changes,
            "error_code": step.code,
            "error_message": step.message,
        }
        for row, step in zip(chunk.rows, chunk.steps, strict=True)
    ]
    frame = typed_frame(records, RESULT_COLUMNS)
    frame.index = pd.Index([row.label for row in chunk.rows])
    return frame


class Results:
    """Where the result rows go: kept (the return value), or appended to `path` as they come."""

    def __init__(self, path: str | os.PathLike[str] | None, index_name: Any = None) -> None:
        if path is not None and not isinstance(path, str | os.PathLike):
            raise TypeError(f"results= takes a CSV path, not {type(path).__name__}")
        self.path = None if path is None else os.fspath(path)
        self.index_name = index_name
        self.frames: list[pd.DataFrame] = []
        self.written = 0
        if self.path is not None:
            with open(self.path, "w", encoding="utf-8"):
                pass  # a fresh file now: a bad path fails before any write

    def add(self, chunk: Chunk) -> None:
        """Take a done chunk's rows."""
        frame = chunk_frame(chunk)
        if self.path is None:
            self.frames.append(frame)
            return
        out = frame.assign(changes=[_json(c) for c in frame["changes"]])
        out.insert(0, "row", [row.position for row in chunk.rows])
        out.to_csv(self.path, mode="a", header=self.written == 0, index=False)
        self.written += len(out)
        attention = frame[frame["result"].isin(ATTENTION)]
        if len(attention):  # none kept for the rows that went well: flat for a million
            self.frames.append(attention)

    def frame(self) -> pd.DataFrame:
        """The rows kept, in input order."""
        if not self.frames:
            frame = typed_frame([], RESULT_COLUMNS)
        else:
            frame = pd.concat(self.frames) if len(self.frames) > 1 else self.frames[0]
        frame.index.name = self.index_name
        return frame


def _json(changes: Any) -> str:
    return "" if changes is None else json.dumps(changes, default=str)
