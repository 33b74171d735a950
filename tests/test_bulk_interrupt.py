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

from cometchat_nb import Session
from tests.emulator_process import ROOT, EmulatorProcess

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
        child.kill() if child.poll() is None else None
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
