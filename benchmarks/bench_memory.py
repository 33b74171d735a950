"""Memory at scale: listing, framing and importing a million users over HTTP.

Cases (see `harness.py`), each side measured in megabytes, not seconds:

* `session.admin.list_users(per_page=1000)` iterated without keeping anything, with a
  fresh session of default options (its transcript included): the peak memory the
  listing adds, at 1,000,000 users vs at 100,000. Flat in N: 1.0.
* `session.admin.users_frame(per_page=1000)` of 1,000,000 users: the peak memory the
  build adds vs the frame's own size (`DataFrame.memory_usage(deep=True)`).
* `session.admin.create_users("users.csv", results="results.csv")` (what
  `cometchat-nb users import --results` runs) of 1,000,000 rows vs 100,000: the peak
  memory the import adds, on an emulator whose rate limit is raised out of the way.

Each emulator runs in a child process of its own (`python bench_memory.py serve N`,
ended when this process closes its stdin), so only the client's memory is measured.
Memory is traced by `tracemalloc` (every Python and numpy allocation, whatever the
other processes of the machine do): `peak - start` of one run, after an untraced small
run of the same call (imports and first-use caches are not what is measured). Traced
memory does not vary from run to run, so each side runs once (`Case.once`).
"""

from __future__ import annotations

import atexit
import gc
import itertools
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from functools import cache
from pathlib import Path

from harness import Case

from cometchat_nb import Session, User
from cometchat_nb.emulator import Emulator, RateLimiter, RemoteEmulator

MB = 1e6
PAGE = 1000
_runs = itertools.count()


@cache
def served(users: int) -> RemoteEmulator:
    """An emulator holding `users` users (and the five seeded), served by a child process,
    its rate limits raised out of the way."""
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "serve", str(users)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    atexit.register(child.kill)
    assert child.stdout is not None
    return RemoteEmulator(child.stdout.readline().strip())


def traced(users: int, run: Callable[[Session, bool], object]) -> float:
    """Megabytes `run(session, True)` adds at its peak, on the emulator of `users` users
    with a fresh session of default options, after an untraced `run(session, False)`."""
    emulator = served(users)  # started (and filled) before anything is traced
    with Session(emulator=emulator) as session:
        run(session, False)
    gc.collect()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        with Session(emulator=emulator) as session:
            run(session, True)
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - start) / MB


def listing(users: int) -> Callable[[], float]:
    def run(session: Session, whole: bool) -> None:
        listed = session.admin.list_users(per_page=PAGE if whole else 1)
        for _ in listed if whole else itertools.islice(listed, 1):
            pass

    return lambda: traced(users, run)


def framing(users: int) -> tuple[Callable[[], float], Callable[[], float]]:
    size = [0.0]

    def run(session: Session, whole: bool) -> None:
        if whole:
            frame = session.admin.users_frame(per_page=PAGE)
            assert len(frame) == users + 5
            size[0] = float(frame.memory_usage(deep=True).sum()) / MB
        else:
            session.admin.users_frame(per_page=100, search_key="user-0000001")

    def baseline() -> float:
        return size[0] or (traced(users, run) and size[0])

    return lambda: traced(users, run), baseline


def importing(rows: int) -> Callable[[], float]:
    """An import of a CSV of `rows` new users, its results written to a CSV."""
    folder = Path(tempfile.mkdtemp(prefix="cometchat-nb-bench-"))

    def csv(count: int) -> Path:
        path, run = folder / f"users-{count}.csv", next(_runs)
        with path.open("w") as file:
            file.write("uid,name,tags\n")
            file.writelines(f'imp-{run}-{i},Imported {i},"a,b"\n' for i in range(count))
        return path

    def run(session: Session, whole: bool) -> None:
        source = csv(rows if whole else 10)  # written before the call, outside it
        result = session.admin.create_users(
            source, results=folder / "results.csv", concurrency=16, progress=False
        )
        assert result.attrs["counts"] == {"created": rows if whole else 10}, result.attrs

    return lambda: traced(0, run)


def in_megabytes(
    name: str, sides: tuple[Callable[[], float], Callable[[], float]], target: float, note: str
) -> Case:
    """A case of traced memory: megabytes, one run a side (it does not vary)."""
    return Case(name, *sides, target=target, note=note, unit="MB", once=True)


def cases(tiny: bool) -> list[Case]:
    many, few = (2_000, 200) if tiny else (1_000_000, 100_000)
    rows, fewer = (200, 20) if tiny else (many, few)  # a tiny import: creates are slow
    flat = "1.0 = flat in N"
    return [
        in_megabytes(
            f"list_users of {many:,} users / of {few:,} users: peak memory added (served)",
            (listing(many), listing(few)),
            1.5,
            f"{flat}; a fresh session of default options (its transcript in)",
        ),
        in_megabytes(
            f"users_frame of {many:,} users: peak memory added / the frame's own size",
            framing(many),
            2.0,
            "the frame's size as DataFrame.memory_usage(deep=True) gives it",
        ),
        in_megabytes(
            f"create_users of a {rows:,}-row CSV, results to a CSV / of {fewer:,} rows: "
            "peak memory added (served)",
            (importing(rows), importing(fewer)),
            1.5,
            f"{flat}; what `cometchat-nb users import --results` runs",
        ),
    ]


def serve(users: int) -> None:
    """Serve an emulator of `users` users, rate limits raised; print its URL; stop when
    stdin closes."""
    limits = {name: 10**9 for name in RateLimiter().limits}
    emulator = Emulator(keep_requests=100, rate_limiter=RateLimiter(limits=limits))
    emulator.add_users(
        User(f"user-{i:07d}", name=f"User {i}", tags=["bench"], metadata={"n": i})
        for i in range(users)
    )
    with emulator.serve(port=0) as server:
        print(server.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    serve(int(sys.argv[2]))
