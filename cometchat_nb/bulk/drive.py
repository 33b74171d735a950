"""The drivers of every bulk call: a thread pool (`Session`) or tasks (`AsyncSession`).

Both are handed the same collaborators: the call (rows, plan, progress, results), the
session's `Workers` and the plan's writes. The thread driver multiplexes the rows' flows
on the calling thread (worker threads only send), so listeners and widgets are touched
from there only; the task driver runs them as tasks on the caller's loop. Pacing to the
service's rate limit starts here, for both.

Ctrl-C (SIGINT in the main thread, as a Jupyter kernel interrupt delivers it) or the
task's cancellation stops handing out rows at once; the requests in flight finish (a
create whose answer is lost is read back, as everywhere); the call returns the result
frame so far, the rows never started marked `not_started`, with a one-line hint on
stderr. A second Ctrl-C stops waiting: the rows still in flight are reported as
`INTERRUPTED` (their outcome unknown).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from functools import partial
from typing import TYPE_CHECKING

import httpx
import pandas as pd

from ..core.client import Flow, answer
from ..errors import local_error
from ..models import User
from .interrupt import Interruption
from .job import Job
from .lookups import Snapshot
from .plan import Chunk, Plan
from .progress import REDRAW

if TYPE_CHECKING:
    from ..workers import Workers


def abandoned_error() -> BaseException:
    """The outcome of a row still in flight when a second Ctrl-C stopped the waiting."""
    return local_error(
        "INTERRUPTED", "Interrupted twice while in flight: its outcome is unknown; rerun to see."
    )


def run(job: Job, workers: Workers, users: Callable[[], Iterable[User]] | None) -> pd.DataFrame:
    """A bulk call on a thread pool (`Session`, `session.admin`); `users` lists the app's
    users when the job reads them (None: it does not)."""
    with ExitStack() as held:
        app = None
        if users is not None:
            app = held.enter_context(Snapshot())
            for user in users():
                app.add(user)
        with job.running(workers.limits, app) as (plan, stop):
            pool = ThreadPoolExecutor(job.concurrency, thread_name_prefix="cometchat-nb-bulk")
            try:
                for chunk in job.chunks(plan, stop):
                    threads(chunk, plan, job.flow, workers, job.concurrency, pool, stop)
            finally:
                pool.shutdown(wait=not stop.abandoned, cancel_futures=True)
    return job.result(stop)


async def arun(
    job: Job, workers: Workers, users: Callable[[], AsyncIterable[User]] | None
) -> pd.DataFrame:
    """`run`, awaited: tasks on the caller's event loop (`AsyncSession`, its `admin`)."""
    with ExitStack() as held:
        app = None
        if users is not None:
            app = held.enter_context(Snapshot())
            async for user in users():
                app.add(user)
        with job.running(workers.limits, app) as (plan, stop):
            for chunk in job.chunks(plan, stop):
                await tasks(chunk, plan, job.flow, workers, job.concurrency, stop)
    return job.result(stop)


MakeFlow = Callable[[Chunk, int], Flow[str]]


def threads(
    chunk: Chunk, plan: Plan, make_flow: MakeFlow, workers: Workers, concurrency: int,
    pool: ThreadPoolExecutor, stop: Interruption,
) -> None:  # fmt: skip
    """Run the flows of a chunk's writes, up to `concurrency` in flight on `pool`.

    The pool only sends (`workers.send`); the flows, the outcomes, `workers.sent()`
    (subscribers told of the requests sent) and the registry's flush run here.
    """
    todo: Iterator[int] = iter(chunk.todo)
    in_flight: dict[Future[httpx.Response], tuple[int, Flow[str]]] = {}

    def step(index: int, flow: Flow[str], action: Callable[[], httpx.Request]) -> None:
        try:
            request = action()
        except StopIteration as done:
            plan.finish(chunk.steps[index], done.value)
        except Exception as exc:
            plan.finish(chunk.steps[index], exc)
        else:
            in_flight[pool.submit(workers.send, request)] = (index, flow)

    try:
        while True:
            while not stop.requested and len(in_flight) < concurrency:
                index = next(todo, None)
                if index is None:
                    break
                flow = make_flow(chunk, index)
                step(index, flow, partial(next, flow))
            if not in_flight:
                return
            try:
                finished, _ = wait(in_flight, timeout=REDRAW, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:  # raised here when the SIGINT handler is not ours
                stop.interrupt()
                continue
            if stop.requested:
                workers.limits.release()  # what waits for a later window is not sent
            if stop.abandoned:
                return
            workers.sent()
            for future in finished:
                index, flow = in_flight.pop(future)
                try:
                    response = future.result()
                except Exception as exc:
                    step(index, flow, partial(flow.throw, exc))
                else:
                    step(index, flow, partial(answer, flow, response))
    finally:
        for index, flow in in_flight.values():
            flow.close()
            plan.finish(chunk.steps[index], abandoned_error())
        workers.sent()
        workers.listeners.flush()


async def tasks(
    chunk: Chunk, plan: Plan, make_flow: MakeFlow, workers: Workers, concurrency: int,
    stop: Interruption,
) -> None:  # fmt: skip
    """`threads`, awaited: `concurrency` tasks taking the chunk's writes in turn. A
    cancellation stops them taking rows and waits for the ones in flight; a second one
    stops waiting."""
    todo: Iterator[int] = iter(chunk.todo)
    flying: set[int] = set()

    async def worker() -> None:
        for index in todo:
            if stop.requested:
                return
            flying.add(index)
            outcome: str | BaseException
            try:
                outcome = await workers.run(make_flow(chunk, index))
            except Exception as exc:
                outcome = exc
            flying.discard(index)
            plan.finish(chunk.steps[index], outcome)

    pending = {asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(chunk.todo)))}
    while pending:
        try:
            _, pending = await asyncio.wait(pending)
        except asyncio.CancelledError:
            stop.interrupt()
            workers.limits.release()
            task = asyncio.current_task()
            if task is None:
                raise
            task.uncancel()
            if stop.abandoned:
                for future in pending:
                    future.cancel()
                for index in flying:
                    plan.finish(chunk.steps[index], abandoned_error())
                return
