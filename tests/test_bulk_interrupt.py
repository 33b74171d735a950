"""Ctrl-C loses nothing: a bulk create of a few thousand rows, over HTTP with latency,
interrupted by SIGINT (what a Jupyter kernel interrupt sends) in a child process."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from emulator_process import ROOT, EmulatorProcess

from cometchat_nb import Session

ROWS = 2000
CHILD = """
import asyncio, json, sys
from cometchat_nb import AsyncSession, Session

kind = sys.argv[1]
rows = [{"uid": f"{kind}-{i}", "name": f"K {i}"} for i in range(int(sys.argv[2]))]

def report(result, created):
    done = result[result["result"] == "created"]
    print("RESULT " + json.dumps({
        "rows": len(result), "counts": result.attrs["counts"], "created": list(done["uid"]),
        "created_users": created, "interrupted": result.attrs["interrupted"],
    }), flush=True)

def call(session):
    bulk = session.admin.create_users if kind.endswith("rest") else session.create_users
    return bulk(rows, concurrency=8, progress=True)

async def run_async():
    async with AsyncSession() as session:
        print("ready", flush=True)
        result = await call(session)
        report(result, len(session.created_users))

if kind.startswith("async"):
    asyncio.run(run_async())
else:
    with Session() as session:
        print("ready", flush=True)
        result = call(session)
        report(result, len(session.created_users))
"""


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorProcess]:
    process = EmulatorProcess("--latency", "0.02", "--no-seed")
    try:
        yield process
    finally:
        process.stop()


def existing(kind: str) -> list[str]:
    """The uids of the users the child of `kind` made (each kind its own prefix)."""
    with Session() as session:
        users = session.admin.list_users(per_page=1000, search_key=f"{kind}-", search_in=["uid"])
        return [user.uid for user in users]


@pytest.mark.parametrize("kind", ["auth", "rest", "async-auth", "async-rest"])
def test_ctrl_c_returns_the_partial_result_and_a_rerun_finishes(
    kind: str, served: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = served.url.split("://")[1]
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", host)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, kind, str(ROWS)], env=env, cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    assert child.stdout is not None
    threading.Thread(target=lambda: [lines.put(line) for line in child.stdout], daemon=True).start()
    try:
        assert lines.get(timeout=60).strip() == "ready"
        while len(existing(kind)) < 200:  # some created, most not
            threading.Event().wait(0.05)
        child.send_signal(signal.SIGINT)
        line = lines.get(timeout=2.0)  # returned within 2 s of the signal
    finally:
        if child.poll() is None:
            child.kill()
    _, err = child.communicate(timeout=30)
    assert line.startswith("RESULT "), err
    result = json.loads(line[len("RESULT ") :])
    counts = result["counts"]
    assert result["interrupted"] and result["rows"] == ROWS
    assert set(counts) <= {"created", "not_started"} and sum(counts.values()) == ROWS
    assert 0 < counts["created"] < ROWS and counts["not_started"] > 0
    app = existing(kind)
    assert sorted(result["created"]) == sorted(app) and len(set(app)) == len(app)
    assert result["created_users"] == counts["created"]
    assert "interrupted" in err and "exist_ok=True" in err

    rows = [{"uid": f"{kind}-{i}", "name": f"K {i}"} for i in range(ROWS)]
    with Session() as session:
        rerun = session.admin.create_users(rows, exist_ok=True, concurrency=32, progress=False)
    assert rerun.attrs["counts"] == {"created": counts["not_started"], "exists": counts["created"]}
    assert len(existing(kind)) == ROWS


KERNEL_CELL = """
import ipywidgets
from cometchat_nb import Emulator, Session
emulator = Emulator(latency=0.02)
session = Session(emulator=emulator)
bar = ipywidgets.IntProgress()
rows = [{"uid": f"nb-{i}", "name": "N"} for i in range(3000)]
print("started", flush=True)
result = session.create_users(rows, concurrency=8, progress=bar)
"""
KERNEL_CHECK = """
made = {u for u in emulator.users if u.startswith("nb-")}
reported = set(result.loc[result["result"] == "created", "uid"])
print(result.attrs["interrupted"], made == reported, len(session.created_users) == len(made),
      0 < len(made) < 3000, bar.description.startswith("interrupted at"), bar.bar_style)
"""


def test_a_jupyter_kernel_interrupt_returns_the_partial_frame() -> None:
    """The kernel's interrupt (what the notebook's stop button sends) ends the cell
    normally, with `result` the partial frame, the bar saying so, and no traceback."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        started = threading.Event()

        def output(message: dict[str, object]) -> None:
            content = message["content"]
            if isinstance(content, dict) and "started" in str(content.get("text", "")):
                started.set()

        replies: queue.Queue[dict[str, object]] = queue.Queue()
        threading.Thread(
            target=lambda: replies.put(
                client.execute_interactive(KERNEL_CELL, timeout=120, output_hook=output)
            ),
            daemon=True,
        ).start()
        assert started.wait(60)
        threading.Event().wait(1.0)  # some rows created, most not
        manager.interrupt_kernel()
        reply = replies.get(timeout=30)
        assert reply["content"]["status"] == "ok", reply["content"]  # type: ignore[index]
        printed: list[str] = []
        client.execute_interactive(
            KERNEL_CHECK, timeout=60,
            output_hook=lambda m: printed.append(str(m["content"].get("text", ""))),
        )  # fmt: skip
        assert "".join(printed).split() == ["True", "True", "True", "True", "True", "danger"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_a_second_ctrl_c_stops_waiting_for_the_rows_in_flight() -> None:
    """In flight for seconds: the second SIGINT returns at once, those rows `INTERRUPTED`."""
    from cometchat_nb import Emulator

    rows = [{"uid": f"slow-{i}", "name": "S"} for i in range(20)]
    emulator = Emulator(latency=5.0)

    def interrupt_twice() -> None:
        while emulator.in_flight < 4:  # the call is running, four rows in flight
            threading.Event().wait(0.01)
        for _ in range(2):
            os.kill(os.getpid(), signal.SIGINT)
            threading.Event().wait(0.2)

    with Session(emulator=emulator) as session:
        threading.Thread(target=interrupt_twice, daemon=True).start()
        result = session.create_users(rows, concurrency=4, progress=False)
    assert result.attrs["interrupted"]
    assert result.attrs["counts"] == {"error": 4, "not_started": 16}
    assert set(result["error_code"].dropna()) == {"INTERRUPTED"}
    assert session.created_users == []


async def test_cancelling_an_async_bulk_call_returns_its_partial_frame() -> None:
    import asyncio

    from cometchat_nb import AsyncSession, Emulator

    emulator = Emulator(latency=0.05)
    rows = [{"uid": f"a-{i}", "name": "A"} for i in range(200)]
    async with AsyncSession(emulator=emulator) as session:
        task = asyncio.ensure_future(session.create_users(rows, concurrency=4, progress=False))
        while len(emulator.users) < 5 + 8:  # the seeded five and a few more
            await asyncio.sleep(0.01)
        task.cancel()
        result = await task
        made = {uid for uid in emulator.users if uid.startswith("a-")}
        assert result.attrs["interrupted"] and not task.cancelled()
        assert set(result.loc[result["result"] == "created", "uid"]) == made
        assert result.attrs["counts"] == {"created": len(made), "not_started": 200 - len(made)}
        assert {user.uid for user in session.created_users} == made

        slow = Emulator(latency=5.0)
        async with AsyncSession(emulator=slow) as stuck:
            task = asyncio.ensure_future(
                stuck.create_users(rows[:10], concurrency=4, progress=False)
            )
            while slow.in_flight < 4:
                await asyncio.sleep(0.01)
            task.cancel()
            await asyncio.sleep(0.1)
            task.cancel()  # the second: stop waiting
            result = await task
        assert result.attrs["counts"] == {"error": 4, "not_started": 6}


def test_ctrl_c_while_held_for_the_rate_limit_sends_nothing_more() -> None:
    """Held back for the next window (minutes away) when Ctrl-C comes: those rows are not
    sent, and the call returns without waiting for the window."""
    from cometchat_nb import Emulator
    from cometchat_nb.emulator import RateLimiter

    limiter = RateLimiter(limits={"core": 10}, enforce=True, window=600)
    emulator = Emulator(rate_limiter=limiter)

    def interrupt_when_held() -> None:
        while len(emulator.users) < 5 + 10:  # the seeded five, and the window's ten
            threading.Event().wait(0.01)
        threading.Event().wait(0.3)  # the eleventh is held for the next window
        os.kill(os.getpid(), signal.SIGINT)

    with Session(emulator=emulator) as session:
        threading.Thread(target=interrupt_when_held, daemon=True).start()
        rows = [{"uid": f"paced-{i}", "name": "P"} for i in range(30)]
        result = session.create_users(rows, concurrency=1, progress=False)
        assert result.attrs["counts"] == {"created": 10, "not_started": 20}
        assert len(session.created_users) == 10 and len(emulator.users) == 15
        assert session.rate_limits["core"].limited == 0


async def test_cancelling_while_held_for_the_rate_limit_sends_nothing_more() -> None:
    import asyncio

    from cometchat_nb import AsyncSession, Emulator
    from cometchat_nb.emulator import RateLimiter

    limiter = RateLimiter(limits={"core": 10}, enforce=True, window=600)
    emulator = Emulator(rate_limiter=limiter)
    async with AsyncSession(emulator=emulator) as session:
        rows = [{"uid": f"paced-{i}", "name": "P"} for i in range(30)]
        task = asyncio.ensure_future(session.create_users(rows, concurrency=1, progress=False))
        while len(emulator.users) < 5 + 10:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # the eleventh is held for the next window
        task.cancel()
        result = await task
        assert result.attrs["counts"] == {"created": 10, "not_started": 20}
        assert len(session.created_users) == 10 and len(emulator.users) == 15
