"""The drivers of `session.admin`'s bulk calls: rows in, one result row per input row out.

Each call reads its input (`read_rows`; each row by `core.provision.row_of`), reads the
app's users page by page when it plans (1,000 a page, deactivated ones included), and
runs one flow per row that needs a write, `concurrency` at a time, paced by the
session's `RateLimits`. The sync driver multiplexes the flows on the calling thread
(worker threads only send), so listeners and widgets are touched from there only; the
async one runs them as tasks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from .bulk import Progress, ProgressOption, amultiplex, check_concurrency, multiplex
from .core.client import Flow
from .core.provision import RESULTS, Job, Row, check_columns, row_of, uid_rows
from .errors import CometChatException, local_error
from .frames import typed_frame
from .models import User
from .validation import check_flag

if TYPE_CHECKING:
    from .ratelimit import RateLimits
    from .workers import Workers

#: Column -> dtype of a bulk call's result frame.
RESULT_COLUMNS: dict[str, Any] = {
    "uid": pd.StringDtype(),
    "name": pd.StringDtype(),
    "result": pd.CategoricalDtype(RESULTS),
    "changes": object,
    "error_code": pd.StringDtype(),
    "error_message": pd.StringDtype(),
}


#: What each verb's progress display says.
LABELS = {
    "create": "creating users", "update": "updating users", "upsert": "upserting users",
    "deactivate": "deactivating users", "delete": "deleting users",
}  # fmt: skip
#: The largest page `GET /users` gives (spec 4.2): the plan reads the app in these.
PAGE = 1000


def needs_users(verb: str, dry_run: bool) -> bool:
    """Whether a call reads the app's users first (every plan, and every call but a create)."""
    return dry_run or verb != "create"


def plan_job(
    verb: str,
    given: Any,
    strict: bool,
    users: Iterable[User] | None,
    reactivate: bool,
    dry_run: bool,
    confirm: bool,
) -> tuple[Job, pd.Index | None]:
    """Read the rows, plan them against `users` (None: unread), and check a destructive
    call is confirmed; the job and the input's index."""
    for name, flag in (("strict", strict), ("reactivate", reactivate), ("dry_run", dry_run)):
        check_flag(name, flag)
    rows, index = read_rows(given, strict)
    job = Job(rows)
    job.plan(verb, None if users is None else users_by_uid(users), reactivate)
    if verb in ("deactivate", "delete"):
        confirm_destruction(job, verb, confirm, dry_run)
    if not dry_run:
        job.settle_planned()
    return job, index


def read_rows(
    frame_or_records: Any, strict: bool = True
) -> tuple[list[Row | CometChatException], pd.Index | None]:
    """The rows of a DataFrame (a `uid` index works too), records, or uids (strings or
    numbers); and the frame's index. `ValueError` names unknown columns."""
    if isinstance(frame_or_records, pd.DataFrame):
        frame = frame_or_records
        if "uid" not in frame.columns and frame.index.name == "uid":
            frame = frame.reset_index()
        columns = check_columns(frame.columns, strict)
        records = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
        return [row_of(r, columns) for r in records], frame_or_records.index
    if isinstance(frame_or_records, str | bytes | User) or not isinstance(
        frame_or_records, Iterable
    ):
        raise TypeError(
            "give a DataFrame, records (mappings or Users) or a list of uids, "
            f"not {type(frame_or_records).__name__}"
        )
    items = list(frame_or_records)
    if all(not isinstance(i, dict | User) and not hasattr(i, "keys") for i in items):
        return uid_rows(items), None
    records = [
        {str(k): v for k, v in (i.to_dict() if isinstance(i, User) else dict(i)).items()}
        for i in items
    ]
    names = {str(k) for r in records for k in r}
    columns = check_columns(sorted(names, key=str), strict)
    return [row_of(r, columns) for r in records], None


def users_by_uid(users: Iterable[User]) -> dict[str, User]:
    return {user.uid.lower(): user for user in users}


def confirm_destruction(job: Job, verb: str, confirm: bool, dry_run: bool) -> None:
    """A destructive call runs only with `confirm=True` (on every app, the emulator's
    too), and otherwise says what it would do."""
    if confirm is True or dry_run:
        return
    count = sum(action == verb for action in job.actions)
    what = "permanently delete" if verb == "delete" else "deactivate"
    raise local_error(
        "CONFIRMATION_REQUIRED",
        f"This would {what} {count} user(s). Pass confirm=True to do it, or dry_run=True "
        "to see the plan.",
    )


def result_frame(job: Job, index: pd.Index | None, dry_run: bool) -> pd.DataFrame:
    """One row per input row, in input order (the input frame's index, if any)."""
    frame = typed_frame(job.records(dry_run), RESULT_COLUMNS)
    if index is not None:
        frame.index = index
    frame.attrs["dry_run"] = dry_run
    return frame


def drive(
    job: Job,
    flow: Callable[[int], Flow[str]],
    workers: Workers,
    concurrency: int,
    progress: ProgressOption,
    label: str,
) -> None:
    """Run the flows of the rows that need a write, up to `concurrency` in flight."""
    check_concurrency(concurrency)
    tracker = Tracker(job, progress, label, workers.limits)
    with workers.limits.pacing():
        multiplex(job.todo(), flow, tracker.finish, workers, concurrency, "cometchat-nb-admin")


async def adrive(
    job: Job,
    flow: Callable[[int], Flow[str]],
    run: Callable[[Flow[str]], Awaitable[str]],
    limits: RateLimits,
    concurrency: int,
    progress: ProgressOption,
    label: str,
) -> None:
    """`drive`, awaited: `concurrency` tasks taking rows in turn."""
    check_concurrency(concurrency)
    tracker = Tracker(job, progress, label, limits)
    with limits.pacing():
        await amultiplex(job.todo(), flow, tracker.finish, run, concurrency)


class Tracker:
    """Outcomes into the job, and the progress display (with the rate figures)."""

    def __init__(self, job: Job, progress: ProgressOption, label: str, limits: RateLimits) -> None:
        self.job = job
        self.total = len(job.todo())
        self.done = self.errors = 0
        self.limits = limits
        self.progress = Progress(self.total, progress, label, self.note)

    def note(self) -> str:
        return "; ".join(str(f) for f in self.limits.figures().values())

    def finish(self, position: int, outcome: str | BaseException) -> None:
        self.job.finish(position, outcome)
        self.done += 1
        self.errors += not isinstance(outcome, str)
        self.progress.update(self.done, self.errors)
