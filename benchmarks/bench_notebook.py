"""The notebook surface at scale: the event log in a busy cell, frames, bulk creation.

Cases (see `harness.py`):

* `EventLog` attached while one cell runs 500 `login` + `logout` calls, vs a no-op
  subscriber; the cell runs on an asyncio loop, as cells do in a Jupyter kernel, and
  the front-end updates (assignments to the table's value) are counted, the trailing
  render after the cell included. The same for `session.dashboard()` (all its widgets'
  trait changes counted), informational.
* `frames.users_frame` (what `created_users_frame()` runs) of 100,000 users vs
  `pandas.DataFrame.from_records` of the same users' wire dicts.
* `create_users` of 500 users, concurrency 16, over HTTP to an emulator served with
  20 ms latency per request, sync and async, vs the sequential loop a user writes (one
  `httpx.Client`, one POST per user) and vs the ideal `500 x 20 ms / 16`.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import httpx
import pandas as pd
from harness import Case
from traitlets import All

from cometchat_nb import AsyncSession, Emulator, EventLog, Session, User
from cometchat_nb.frames import users_frame

LATENCY = 0.02
CONCURRENCY = 16
_ids = itertools.count()


# -- EventLog in a busy cell -------------------------------------------------------------


def in_a_cell(session: Session, calls: int, settle: float) -> float:
    """Seconds of a cell running `calls` logins and logouts on an event loop, as in Jupyter.

    After the cell, the loop runs `settle` seconds more (untimed): a trailing render runs.
    """

    async def cell() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            session.login("cometchat-uid-1")
            session.logout()
        elapsed = time.perf_counter() - start
        await asyncio.sleep(settle)
        return elapsed

    return asyncio.run(cell())


def event_log(calls: int) -> tuple[Callable[[], float], Callable[[], float], Callable[[], float]]:
    """(with an EventLog, with a no-op subscriber, the last run's front-end updates)."""
    ours_session = Session(emulator=Emulator())
    base_session = Session(emulator=Emulator())
    base_session.listeners.subscribe(lambda _event: None, on_flush=lambda: None)
    updates = [0]

    def ours() -> float:
        log = EventLog(ours_session)
        seen: list[Any] = []
        log.table.observe(seen.append, names="value")
        try:
            return in_a_cell(ours_session, calls, settle=log.coalescer.max_interval + 0.1)
        finally:
            updates[0] = len(seen)
            assert "logout_success" in log.table.value
            log.close()

    def baseline() -> float:
        return in_a_cell(base_session, calls, settle=0.2)

    return ours, baseline, lambda: updates[0]


def trait_changes(widget: Any) -> list[int]:
    """A counter of the trait changes of `widget` and every widget inside it, from now on.

    Each change of a displayed widget's trait is a message to the front end.
    """
    counter = [0]

    def count(_change: Any) -> None:
        counter[0] += 1

    stack = [widget]
    while stack:
        part = stack.pop()
        part.observe(count, names=All)
        stack.extend(getattr(part, "children", ()))
    return counter


def dashboard(calls: int) -> tuple[Callable[[], float], Callable[[], float]]:
    """(a dashboard's trait changes during the cell, the cell's seconds): informational."""
    session = Session(emulator=Emulator())
    updates = [0]

    def ours() -> float:
        board = session.dashboard()
        changes = trait_changes(board)
        try:
            return in_a_cell(session, calls, settle=board.event_log.coalescer.max_interval + 0.1)
        finally:
            updates[0] = changes[0]
            board.close()

    return ours, lambda: updates[0]


# -- frames ---------------------------------------------------------------------------------


@cache
def _population(count: int) -> tuple[list[dict[str, Any]], list[User]]:
    """`count` users' wire dicts and the `User`s made of them, built on first use.

    Not in `cases()`, which every benchmark process runs; before the clock starts.
    """
    wire = [
        {
            "uid": f"user-{i}",
            "name": f"User {i}",
            "role": "default",
            "status": "offline",
            "createdAt": 1_700_000_000 + i,
            "updatedAt": 1_700_000_000 + i,
            **({"tags": ["team-a", "beta"]} if i % 3 == 0 else {}),
            **({"metadata": {"plan": "pro", "seat": i}} if i % 5 == 0 else {}),
        }
        for i in range(count)
    ]
    return wire, [User.from_dict(d) for d in wire]


def frames(count: int) -> tuple[Callable[[], float], Callable[[], float]]:
    def ours() -> float:
        _, users = _population(count)
        start = time.perf_counter()
        users_frame(users)
        return time.perf_counter() - start

    def baseline() -> float:
        wire, _ = _population(count)
        start = time.perf_counter()
        pd.DataFrame.from_records(wire)
        return time.perf_counter() - start

    return ours, baseline


# -- bulk creation over HTTP ------------------------------------------------------------------


class Served:
    """An emulator served with `LATENCY` per request, for the life of the process."""

    _server: Any = None

    @classmethod
    def server(cls) -> Any:
        if cls._server is None:
            cls._server = Emulator(latency=LATENCY).serve(port=0)
        return cls._server


def records(count: int, prefix: str) -> list[dict[str, str]]:
    run = next(_ids)
    return [{"uid": f"{prefix}-{run}-{i}", "name": "Bulk"} for i in range(count)]


def bulk_sync(count: int) -> Callable[[], float]:
    def run() -> float:
        with Session(emulator=Served.server()) as session:
            rows = records(count, "sync")
            start = time.perf_counter()
            session.create_users(rows, concurrency=CONCURRENCY, progress=False)
            return time.perf_counter() - start

    return run


def bulk_async(count: int) -> Callable[[], float]:
    async def run() -> float:
        async with AsyncSession(emulator=Served.server()) as session:
            rows = records(count, "async")
            start = time.perf_counter()
            await session.create_users(rows, concurrency=CONCURRENCY, progress=False)
            return time.perf_counter() - start

    return lambda: asyncio.run(run())


def sequential(count: int) -> Callable[[], float]:
    """The loop a user writes: one client, one `POST /users` after another."""

    def run() -> float:
        server = Served.server()
        headers = {"appId": server.emulator.app_id, "apiKey": server.emulator.auth_key.reveal()}
        with httpx.Client(base_url=f"{server.url}/v3.0", headers=headers) as client:
            rows = records(count, "loop")
            start = time.perf_counter()
            for row in rows:
                client.post("/users", json=row).raise_for_status()
            return time.perf_counter() - start

    return run


def ideal(count: int) -> Callable[[], float]:
    return lambda: count * LATENCY / CONCURRENCY


def cases(tiny: bool) -> list[Case]:
    calls = 5 if tiny else 500
    users = 100 if tiny else 100_000
    count = 32 if tiny else 500
    ours, baseline, updates = event_log(calls)
    board, board_updates = dashboard(calls)
    http: dict[str, Any] = {"min_rounds": 3, "max_rounds": 15, "max_seconds": 60.0}
    return [
        Case(
            f"EventLog during {calls} login+logout in a cell / a no-op subscriber",
            ours,
            baseline,
            target=2.0,
            extra={"front-end updates": (updates, 20)},
            note="the cell's time; updates counted to the trailing render after the cell",
        ),
        Case(
            f"session.dashboard() during {calls} login+logout in a cell / a no-op subscriber",
            board,
            baseline,
            target=math.inf,
            extra={"front-end updates": (board_updates, 20)},
            note="informational: every widget of the dashboard paced as the event log is",
        ),
        Case(
            f"users_frame of {users:,} users / DataFrame.from_records of their wire dicts",
            *frames(users),
            target=2.0,
        ),
        Case(
            f"create_users x{count} over HTTP, {CONCURRENCY} at a time / a sequential loop",
            bulk_sync(count),
            sequential(count),
            target=0.1,
            note="0.1 = 10x faster; 20 ms a request",
            **http,
        ),
        Case(
            f"async create_users x{count} over HTTP, {CONCURRENCY} tasks / a sequential loop",
            bulk_async(count),
            sequential(count),
            target=0.1,
            note="0.1 = 10x faster; 20 ms a request",
            **http,
        ),
        Case(
            f"create_users x{count} over HTTP, {CONCURRENCY} at a time / ideal {count} x 20ms/16",
            bulk_sync(count),
            ideal(count),
            target=1.3,
            **http,
        ),
        Case(
            f"async create_users x{count} over HTTP, {CONCURRENCY} tasks / ideal {count} x 20ms/16",
            bulk_async(count),
            ideal(count),
            target=1.3,
            **http,
        ),
    ]
