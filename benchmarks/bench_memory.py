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
Listing and framing are traced by `tracemalloc` (every Python and numpy allocation,
whatever the other processes of the machine do): `peak - start` of one run, after an
untraced small run of the same call (imports and first-use caches are not what is
measured). The import runs in a process of its own (`python bench_memory.py import N
URL`) and is measured by its resident memory instead: its peak (`VmHWM`, reset by
`/proc/self/clear_refs`) less what it held before, after a 1,000-row import. Resident
memory counts what `tracemalloc` cannot see (the plan's SQLite tables, the threads'
malloc arenas), and the import runs at the service's pace, not slowed threefold by
tracing. These figures hardly vary from run to run, so each side runs once
(`Case.once`).
"""

from __future__ import annotations

import atexit
import gc
import itertools
import subprocess
import sys
import tempfile
import tracemalloc
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path

from harness import Case

from cometchat_nb import Session, User
from cometchat_nb.emulator import Emulator, RateLimiter, RemoteEmulator

MB = 1e6
PAGE = 1000


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
    """The import of a CSV of `rows` new users, in a process of its own (`import` below)."""

    def run() -> float:
        url = served(0).url
        command = [sys.executable, str(Path(__file__).resolve()), "import", str(rows), url]
        return float(subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout)

    return run


def rss(field: str) -> float:
    """This process's resident memory (`VmRSS`), or its peak (`VmHWM`), in megabytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024 / MB
    raise RuntimeError(f"no {field} in /proc/self/status")


def import_rows(rows: int, url: str) -> float:
    """Megabytes of resident memory an import of `rows` rows (results to a CSV) adds at
    its peak, after a smaller one (imports, threads, first-use caches)."""
    with tempfile.TemporaryDirectory(prefix="cometchat-nb-bench-") as folder:

        def csv(count: int) -> Path:
            path, run = Path(folder, f"users-{count}.csv"), uuid.uuid4().hex[:8]  # own uids
            with path.open("w") as file:
                file.write("uid,name,tags\n")
                file.writelines(f'imp-{run}-{i},Imported {i},"a,b"\n' for i in range(count))
            return path

        def load(session: Session, path: Path, count: int) -> None:
            result = session.admin.create_users(
                path, results=Path(folder, "results.csv"), concurrency=16, progress=False
            )
            assert result.attrs["counts"] == {"created": count}, result.attrs

        warm_up = max(1, min(1_000, rows // 10))
        with Session(emulator=RemoteEmulator(url)) as session:
            first, measured = csv(warm_up), csv(rows)  # written before anything is measured
            load(session, first, warm_up)
            gc.collect()
            start = rss("VmRSS")
            Path("/proc/self/clear_refs").write_text("5")  # VmHWM counts from here on
            load(session, measured, rows)
            return rss("VmHWM") - start


def in_megabytes(
    name: str, sides: tuple[Callable[[], float], Callable[[], float]], target: float, note: str
) -> Case:
    """A case of memory: megabytes, one run a side (it hardly varies)."""
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
if __name__ == "__main__" and sys.argv[1:2] == ["import"]:
    print(import_rows(int(sys.argv[2]), sys.argv[3]))
