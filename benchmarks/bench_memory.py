"""Memory at scale: listing and framing a million users over HTTP, against a tenth of them.

Cases (see `harness.py`), each side measured in megabytes, not seconds:

* `session.admin.list_users(per_page=1000)` iterated without keeping anything, with a
  fresh session of default options (its transcript included): the peak memory the
  listing adds, at 1,000,000 users vs at 100,000. Flat in N: 1.0.
* `session.admin.users_frame(per_page=1000)` of 1,000,000 users: the peak memory the
  build adds vs the frame's own size (`DataFrame.memory_usage(deep=True)`).

Each emulator runs in a child process of its own (`python bench_memory.py serve N`,
ended when this process closes its stdin), so only the client's memory is measured.
Memory is traced by `tracemalloc` (every Python and numpy allocation, whatever the
other processes of the machine do): `peak - start` of one run.
"""

from __future__ import annotations

import atexit
import gc
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from functools import cache
from pathlib import Path

from harness import Case

from cometchat_nb import Session, User
from cometchat_nb.emulator import Emulator, RemoteEmulator

MB = 1e6
PAGE = 1000


@cache
def served(users: int) -> RemoteEmulator:
    """An emulator holding `users` users (and the five seeded), served by a child process."""
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "serve", str(users)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    atexit.register(child.kill)
    assert child.stdout is not None
    return RemoteEmulator(child.stdout.readline().strip())


def traced(emulator: RemoteEmulator, run: Callable[[Session], object]) -> float:
    """Megabytes `run(session)` adds at its peak, with a fresh session of default options."""
    gc.collect()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        with Session(emulator=emulator) as session:
            run(session)
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - start) / MB


def listing(users: int) -> Callable[[], float]:
    def run() -> float:
        emulator = served(users)  # started (and filled) before the clock, on first use
        return traced(emulator, lambda s: sum(1 for _ in s.admin.list_users(per_page=PAGE)))

    return run


def framing(users: int) -> tuple[Callable[[], float], Callable[[], float]]:
    size = [0.0]

    def ours() -> float:
        emulator, frames = served(users), []
        peak = traced(emulator, lambda s: frames.append(s.admin.users_frame(per_page=PAGE)))
        assert len(frames[0]) == users + 5
        size[0] = float(frames[0].memory_usage(deep=True).sum()) / MB
        return peak

    def baseline() -> float:
        return size[0] or (ours() and size[0])

    return ours, baseline


def cases(tiny: bool) -> list[Case]:
    many, few = (2_000, 200) if tiny else (1_000_000, 100_000)
    return [
        Case(
            f"list_users of {many:,} users / of {few:,} users: peak memory added (served)",
            listing(many),
            listing(few),
            target=1.5,
            note="1.0 = flat in N; a fresh session of default options (its transcript in)",
            unit="MB",
            min_rounds=3,
            max_seconds=60,
        ),
        Case(
            f"users_frame of {many:,} users: peak memory added / the frame's own size",
            *framing(many),
            target=2.0,
            note="the frame's size as DataFrame.memory_usage(deep=True) gives it",
            unit="MB",
            min_rounds=3,
            max_seconds=60,
        ),
    ]


def serve(users: int) -> None:
    """Serve an emulator of `users` users; print its URL; stop when stdin closes."""
    emulator = Emulator(keep_requests=100)
    emulator.add_users(
        User(f"user-{i:07d}", name=f"User {i}", tags=["bench"], metadata={"n": i})
        for i in range(users)
    )
    with emulator.serve(port=0) as server:
        print(server.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    serve(int(sys.argv[2]))
