"""Bulk user creation: many creates with bounded concurrency, one result row per input.

The drivers are handed what they need by the session: a flow factory (one
create-user flow per row), a sender or a runner, and the listener registry.
The sync driver multiplexes the flows: worker threads only send requests
(retrying 429s after `Retry-After`), while the flows themselves (validation,
bookkeeping, `user_created` events) and the progress bar run on the calling
thread, so listeners and widgets are only ever touched from there. The async
driver runs the same flows as tasks on the caller's event loop.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import httpx
import pandas as pd

from .core.client import Flow, answer
from .errors import CometChatException
from .frames import typed_frame
from .models import User
from .secret import redact
from .validation import check_flag

if TYPE_CHECKING:
    from ipywidgets import IntProgress

    from .workers import Workers

T = TypeVar("T")
Records = pd.DataFrame | Iterable[User | Mapping[str, Any]]
#: What `progress=` takes: True (a bar in a notebook, text elsewhere), False, or a bar.
ProgressOption: TypeAlias = "bool | IntProgress"
#: Makes the create-user flow of one row.
CreateFlow = Callable[[User | Mapping[str, Any]], "Flow[User]"]
#: The values of the result frame's `result` column.
RESULTS = ["created", "exists", "error"]
#: The code of a row whose uid an earlier row of the same input already has.
DUPLICATE_UID = "DUPLICATE_UID"
RESULT_COLUMNS: dict[str, Any] = {
    "uid": pd.StringDtype(),
    "name": pd.StringDtype(),
    "result": pd.CategoricalDtype(RESULTS),
    "error_code": pd.StringDtype(),
    "error_message": pd.StringDtype(),
}


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _empty_cell(value: Any) -> bool:
    """A frame cell that says "not set": missing, or an empty list or dict (how
    `created_users_frame()` shows a user without tags or metadata)."""
    return _missing(value) or (isinstance(value, list | tuple | dict) and not value)


def records_of(frame_or_records: Records) -> tuple[list[User | dict[str, Any]], pd.Index | None]:
    """The rows to create (empty cells dropped), and the input frame's index if any.

    A frame indexed by `uid` (like `created_users_frame()`) works as is. Raises
    `TypeError` for anything but a DataFrame or an iterable of mappings / `User`s.
    """
    if isinstance(frame_or_records, pd.DataFrame):
        frame = frame_or_records
        if "uid" not in frame.columns and frame.index.name == "uid":
            frame = frame.reset_index().set_axis(frame.index)
        records = frame.to_dict("records")
        rows: list[User | dict[str, Any]] = [
            {str(k): v for k, v in r.items() if not _empty_cell(v)} for r in records
        ]
        return rows, frame_or_records.index
    if isinstance(frame_or_records, str | bytes | Mapping | User) or not isinstance(
        frame_or_records, Iterable
    ):
        raise TypeError(
            "frame_or_records must be a DataFrame or an iterable of User objects or mappings, "
            f"not {type(frame_or_records).__name__}"
        )
    rows = []
    for position, row in enumerate(frame_or_records):
        if isinstance(row, User):
            rows.append(row)
        elif isinstance(row, Mapping):
            rows.append({str(k): v for k, v in row.items() if not _missing(v)})
        else:
            raise TypeError(
                f"frame_or_records: row {position} is a {type(row).__name__}; "
                "give a User or a mapping per row"
            )
    return rows, None


def _field(row: User | dict[str, Any], name: str) -> Any:
    return getattr(row, name) if isinstance(row, User) else row.get(name)


class Progress:
    """Progress of a bulk call: an `IntProgress` bar (class `cc-progress`), text, or nothing.

    `progress=True` picks the bar inside a running IPython kernel and a `tqdm`
    bar on stderr elsewhere (a terminal, a log); `False` shows nothing; an
    `ipywidgets.IntProgress` is driven as given. Both move in 1% steps; `note`
    (the rate figures) is shown beside the count.
    """

    def __init__(
        self,
        total: int,
        progress: ProgressOption,
        label: str = "creating users",
        note: Callable[[], str] | None = None,
    ) -> None:
        self.total = total
        self.label = label
        self.note = note
        self.step = max(1, total // 100)
        self.shown = 0
        self.bar: Any = None
        self.text: Any = None
        if progress is True and in_kernel():
            import ipywidgets
            from IPython.display import display

            self.bar = ipywidgets.IntProgress(min=0, max=total, description=label)
            display(self.bar)  # type: ignore[no-untyped-call]
        elif progress is True:
            from tqdm import tqdm  # type: ignore[import-untyped]

            self.text = tqdm(total=total, desc=label, unit="row", file=sys.stderr)
        elif progress is not False and progress is not None:
            import ipywidgets

            if not isinstance(progress, ipywidgets.IntProgress):
                raise TypeError(
                    f"progress= takes True, False or an ipywidgets.IntProgress, not {progress!r}"
                )
            self.bar = progress
            self.bar.value, self.bar.min, self.bar.max = 0, 0, total
        if self.bar is not None:
            self.bar.add_class("cc-progress")

    def update(self, done: int, errors: int) -> None:
        """Show that `done` rows are finished, `errors` of them failed."""
        if done - self.shown < self.step and done < self.total:
            return
        self.shown = done
        if self.bar is not None:
            self.bar.value = done
            self.bar.description = f"{done}/{self.total}"
            if self.note is not None:
                self.bar.tooltip = self.note()  # the rate figures, on hover
            if done >= self.total:
                self.bar.bar_style = "warning" if errors else "success"
        elif self.text is not None:
            notes = [f"{errors} failed"] if errors else []
            notes += [self.note()] if self.note is not None else []
            self.text.set_postfix_str("; ".join(notes), refresh=False)
            self.text.update(done - self.text.n)
            if done >= self.total:
                self.text.close()


def in_kernel() -> bool:
    """True inside a running IPython kernel (a notebook), where widgets can show."""
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


class Batch:
    """The bookkeeping shared by both drivers: rows, duplicates, outcomes, the result frame."""

    def __init__(self, frame_or_records: Records, exist_ok: bool, progress: ProgressOption) -> None:
        self.rows, self.index = records_of(frame_or_records)
        self.exist_ok = exist_ok
        self.outcomes: list[tuple[str, str | None, str | None] | None] = [None] * len(self.rows)
        self.todo: list[int] = []
        self.done = self.errors = 0
        first: dict[str, int] = {}
        repeats: list[tuple[int, str]] = []
        for position, row in enumerate(self.rows):
            uid = _field(row, "uid")
            if isinstance(uid, str) and uid.lower() in first:
                repeats.append((position, uid))
                continue
            if isinstance(uid, str):
                first[uid.lower()] = position
            self.todo.append(position)
        self.progress = Progress(len(self.rows), progress)
        for position, uid in repeats:
            message = (
                f"uid {uid!r} repeats the row at position {first[uid.lower()]}; "
                "only that row is created."
            )
            self.finish(position, CometChatException(DUPLICATE_UID, message))

    def finish(self, position: int, outcome: User | BaseException) -> None:
        """Record a row's outcome (once) and advance the progress display."""
        assert self.outcomes[position] is None, f"row {position} finished twice"
        result: tuple[str, str | None, str | None]
        if isinstance(outcome, User):
            result = ("created", None, None)
        elif isinstance(outcome, CometChatException):
            if self.exist_ok and outcome.code == "ERR_UID_ALREADY_EXISTS":
                result = ("exists", None, None)
            else:
                result = ("error", outcome.code, redact(outcome.message))
        else:
            result = ("error", type(outcome).__name__, redact(str(outcome)))
        self.outcomes[position] = result
        self.done += 1
        self.errors += result[0] == "error"
        self.progress.update(self.done, self.errors)

    def frame(self) -> pd.DataFrame:
        """One row per input row, in input order (the input frame's index, if any)."""
        records = []
        for row, outcome in zip(self.rows, self.outcomes, strict=True):
            assert outcome is not None
            uid, name = _field(row, "uid"), _field(row, "name")
            result, code, message = outcome
            records.append(
                {
                    "uid": None if uid is None else str(uid),
                    "name": None if name is None else str(name),
                    "result": result,
                    "error_code": code,
                    "error_message": message,
                }
            )
        frame = typed_frame(records, RESULT_COLUMNS)
        if self.index is not None:
            frame.index = self.index
        return frame


def create_users(
    frame_or_records: Records,
    flows: CreateFlow,
    workers: Workers,
    concurrency: int = 8,
    exist_ok: bool = False,
    progress: ProgressOption = True,
) -> pd.DataFrame:
    """`Session.create_users`: up to `concurrency` creates in flight on a thread pool,
    paced by the session's rate limiter."""
    check_concurrency(concurrency)
    batch = Batch(frame_or_records, check_flag("exist_ok", exist_ok), progress)
    with workers.limits.pacing():
        multiplex(
            batch.todo, lambda position: flows(batch.rows[position]), batch.finish,
            workers, concurrency, "cometchat-nb-bulk",
        )  # fmt: skip
    return batch.frame()


def multiplex(
    todo: Iterable[int],
    make_flow: Callable[[int], Flow[Any]],
    finish: Callable[[int, Any], None],
    workers: Workers,
    concurrency: int,
    thread_name: str,
) -> None:
    """Run one flow per position of `todo`, up to `concurrency` requests in flight.

    The thread pool only sends (`workers.send`); the flows, `finish(position, result or
    exception)`, `workers.sent()` (subscribers told of the requests sent) and the
    registry's flush at the end all run on the calling thread.
    """
    positions = iter(todo)
    in_flight: dict[Future[httpx.Response], tuple[int, Flow[Any]]] = {}
    with ThreadPoolExecutor(concurrency, thread_name_prefix=thread_name) as pool:

        def step(position: int, flow: Flow[Any], action: Callable[[], httpx.Request]) -> None:
            """Advance a flow on this thread; send what it asks for on the pool."""
            try:
                request = action()
            except StopIteration as stop:
                finish(position, stop.value)
            except Exception as exc:
                finish(position, exc)
            else:
                in_flight[pool.submit(workers.send, request)] = (position, flow)

        def start() -> None:
            while len(in_flight) < concurrency:
                position = next(positions, None)
                if position is None:
                    return
                flow = make_flow(position)
                step(position, flow, partial(next, flow))

        try:
            start()
            while in_flight:
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                workers.sent()
                for future in finished:
                    position, flow = in_flight.pop(future)
                    try:
                        response = future.result()
                    except Exception as exc:
                        step(position, flow, partial(flow.throw, exc))
                    else:
                        step(position, flow, partial(answer, flow, response))
                start()
        finally:
            workers.listeners.flush()


async def amultiplex(
    todo: list[int],
    make_flow: Callable[[int], Flow[T]],
    finish: Callable[[int, T | BaseException], None],
    run: Callable[[Flow[T]], Awaitable[T]],
    concurrency: int,
) -> None:
    """`multiplex`, awaited: `concurrency` tasks taking the positions of `todo` in turn,
    each running a position's flow with `run` and handing `finish` its result or error."""
    positions = iter(todo)

    async def worker() -> None:
        for position in positions:
            outcome: T | BaseException
            try:
                outcome = await run(make_flow(position))
            except Exception as exc:
                outcome = exc
            finish(position, outcome)

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(todo))):
            group.create_task(worker())


def check_concurrency(concurrency: Any) -> None:
    """`concurrency` must be a positive integer (`ValueError` otherwise)."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a positive integer, not {concurrency!r}")


async def acreate_users(
    frame_or_records: Records,
    flows: CreateFlow,
    run: Callable[[Flow[User]], Awaitable[User]],
    concurrency: int = 8,
    exist_ok: bool = False,
    progress: ProgressOption = True,
) -> pd.DataFrame:
    """`AsyncSession.create_users`: `concurrency` tasks taking rows in turn."""
    check_concurrency(concurrency)
    batch = Batch(frame_or_records, check_flag("exist_ok", exist_ok), progress)
    await amultiplex(
        batch.todo, lambda position: flows(batch.rows[position]), batch.finish, run, concurrency
    )
    return batch.frame()
