"""Client overhead: what cometchat-nb adds on top of httpx, and what concurrency buys.

Cases (see `harness.py`): importing the package vs importing httpx; `login` + `logout`
with a session of default options vs the same three requests sent by bare httpx (each
side in a process of its own), and `create_user` vs one bare `POST /users`, both on the
in-process emulator; `login` + `logout` over HTTP vs
in-process; bulk creation 8 at a time vs 1 at a time.
"""

from __future__ import annotations

import atexit
import itertools
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from subprocess import PIPE

import httpx
from harness import Case

from cometchat_nb import Emulator, Session, User
from cometchat_nb.protocol import SDK_HEADER, device_body

_ids = itertools.count()
#: The headers a session sends on every request besides `appId` and its credential.
SESSION_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/json",
    "sdk": SDK_HEADER,
}


def timed(
    run: Callable[[], object], times: int = 1, clock: Callable[[], float] = time.perf_counter
) -> Callable[[], float]:
    """A repetition: `run` called `times` times; its seconds per call (by `clock`)."""

    def repetition() -> float:
        start = clock()
        for _ in range(times):
            run()
        return (clock() - start) / times

    return repetition


def importing(module: str) -> Callable[[], float]:
    """A fresh interpreter importing `module` (wall time of the whole process).

    Bytecode is cached as after any install or first import (the warm-up writes it): with
    PYTHONDONTWRITEBYTECODE set, as on our machines, every run would compile our modules
    from source while the pip-installed baseline loads its compiled bytecode.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-c", f"import {module}"]
    return timed(lambda: subprocess.run(command, check=True, env=env))


def bare_client(emulator: Emulator) -> httpx.Client:
    return httpx.Client(transport=emulator.transport(), base_url="http://emulator.invalid/v3.0")


def login_logout(side: str, times: int) -> Callable[[], float]:
    """`times` login + logout pairs: a `Session` of default options ("ours"), or the same
    three requests sent by bare httpx ("bare"), on an in-process emulator of its own.

    Timed in CPU seconds: all of it runs on this thread, and on a shared machine the
    wall clock times the neighbours too."""
    emulator = Emulator()
    if side == "ours":
        session = Session(emulator=emulator)

        def ours() -> None:
            session.login("cometchat-uid-1")
            session.logout()

        return timed(ours, times, time.process_time)
    raw = bare_client(emulator)
    # The session's exact requests: its headers and the SDK's device body (spec 8.2).
    headers = {"appId": emulator.app_id, **SESSION_HEADERS}
    body = device_body("bench")

    def bare() -> None:
        mint = raw.post(
            "/users/cometchat-uid-1/auth_tokens",
            json=body,
            headers={**headers, "apiKey": emulator.auth_key.reveal()},
        )
        token = {**headers, "authToken": mint.json()["data"]["authToken"]}
        raw.put("/me", json=body, headers=token)
        raw.delete("/me", headers=token)

    return timed(bare, times, time.process_time)


def apart(side: str, times: int) -> Callable[[], float]:
    """`login_logout(side, times)` run in a process of its own, as a user times it in a
    fresh kernel: a repetition there per call here (the process starts on first use).

    In one process the two sides share a heap: what one keeps (a transcript of live
    responses did) makes the other's allocations dearer too, and the ratio reads low.
    """
    child: list[subprocess.Popen[str]] = []

    def repetition() -> float:
        if not child:
            command = [sys.executable, str(Path(__file__).resolve()), "pairs", side, str(times)]
            child.append(subprocess.Popen(command, stdin=PIPE, stdout=PIPE, text=True))
            atexit.register(child[0].kill)
        process = child[0]
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("\n")
        process.stdin.flush()
        return float(process.stdout.readline())

    return repetition


def create(times: int) -> tuple[Callable[[], float], Callable[[], float]]:
    emulator = Emulator()
    session = Session(emulator=emulator)
    raw = bare_client(emulator)
    headers = {"appId": emulator.app_id, **SESSION_HEADERS, "apiKey": emulator.auth_key.reveal()}

    def ours() -> None:
        session.create_user(User(f"ours-{next(_ids)}", name="Bench"))

    def bare() -> None:
        raw.post("/users", json={"uid": f"bare-{next(_ids)}", "name": "Bench"}, headers=headers)

    return timed(ours, times), timed(bare, times)


@cache
def _over_http() -> Session:
    """A session on an emulator served over HTTP, started on first use.

    Not in `cases()`, which every benchmark process runs; the server lives as long as
    the process (a daemon thread).
    """
    return Session(emulator=Emulator().serve(port=0))


def served(times: int) -> tuple[Callable[[], float], Callable[[], float]]:
    """Over HTTP vs in-process."""
    in_process = Session(emulator=Emulator())

    def login_logout(session: Session) -> None:
        session.login("cometchat-uid-1")
        session.logout()

    def remote() -> float:
        over_http = _over_http()  # the server starts here, before the clock
        return timed(lambda: login_logout(over_http), times)()

    return remote, timed(lambda: login_logout(in_process), times)


def bulk(rows: int, concurrency: int) -> Callable[[], float]:
    emulator = Emulator(latency=0.005)
    session = Session(emulator=emulator)

    def run() -> float:
        records = [{"uid": f"bulk-{next(_ids)}", "name": "Bulk"} for _ in range(rows)]
        start = time.perf_counter()
        session.create_users(records, concurrency=concurrency, progress=False)
        return time.perf_counter() - start

    return run


def cases(tiny: bool) -> list[Case]:
    times = 2 if tiny else 100
    rows = 8 if tiny else 200
    return [
        Case(
            "import cometchat_nb / import httpx",
            importing("cometchat_nb"),
            importing("httpx"),
            target=1.3,
            note="a fresh interpreter each; includes the interpreter's start",
            min_rounds=3 if tiny else 7,
        ),
        Case(
            "login+logout / the same 3 bare httpx requests (in-process emulator)",
            apart("ours", times),
            apart("bare", times),
            target=1.3,
            note="a Session of default options; each side in a process of its own",
        ),
        Case(
            "create_user / 1 bare httpx POST (in-process emulator)",
            *create(times),
            target=1.3,
        ),
        Case(
            "login+logout over HTTP / in-process",
            *served(max(1, times // 4)),
            target=math.inf,
            note="informational: what the socket and the served adapter cost",
        ),
        Case(
            f"create_users x{rows}, 5 ms a request, 8 at a time / 1 at a time",
            bulk(rows, 8),
            bulk(rows, 1),
            target=0.2,
            note="ideal 1/8 = 0.125; 0.2 = 5x faster",
            min_rounds=3,
            max_seconds=20,
        ),
    ]


if __name__ == "__main__" and sys.argv[1:2] == ["pairs"]:  # a side of `apart`
    run = login_logout(sys.argv[2], int(sys.argv[3]))
    for _line in sys.stdin:
        print(run(), flush=True)
