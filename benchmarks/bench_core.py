"""Client overhead, as ratios against baselines measured in the same run.

Run: `python benchmarks/bench_core.py [--rounds N]`. Absolute times on shared machines
mean little; the ratios say what cometchat-nb adds on top of what it builds on.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from cometchat_nb import Emulator, Session, User


def median_seconds(run: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_seconds(module: str, rounds: int) -> float:
    """Wall time of a fresh interpreter importing `module`."""
    code = f"import {module}"
    return median_seconds(lambda: subprocess.run([sys.executable, "-c", code], check=True), rounds)


def login_logout_ratio(rounds: int) -> tuple[float, float]:
    """`login` + `logout` through `Session` vs the same three requests sent by bare httpx."""
    emulator = Emulator()
    session = Session(emulator=emulator)
    raw = httpx.Client(transport=emulator.transport(), base_url="http://emulator.invalid/v3.0")
    headers = {"appId": emulator.app_id, "Content-Type": "application/json"}
    body = {"platform": "WEB", "deviceId": "bench"}

    def bare() -> None:
        mint = raw.post(
            "/users/cometchat-uid-1/auth_tokens",
            json=body,
            headers={**headers, "apiKey": emulator.auth_key.reveal()},
        )
        token = {**headers, "authToken": mint.json()["data"]["authToken"]}
        raw.put("/me", json=body, headers=token)
        raw.delete("/me", headers=token)

    def ours() -> None:
        session.login("cometchat-uid-1")
        session.logout()

    ours(), bare()  # warm up
    return median_seconds(ours, rounds), median_seconds(bare, rounds)


def create_ratio(rounds: int) -> tuple[float, float]:
    """`create_user` (local checks, typed result, event) vs one bare `POST /users`."""
    emulator = Emulator()
    session = Session(emulator=emulator)
    raw = httpx.Client(transport=emulator.transport(), base_url="http://emulator.invalid/v3.0")
    headers = {"appId": emulator.app_id, "apiKey": emulator.auth_key.reveal()}
    counter = iter(range(10**9))

    def ours() -> None:
        session.create_user(User(f"ours-{next(counter)}", name="Bench"))

    def bare() -> None:
        raw.post("/users", json={"uid": f"bare-{next(counter)}", "name": "Bench"}, headers=headers)

    return median_seconds(ours, rounds), median_seconds(bare, rounds)


def served_ratio(rounds: int) -> tuple[float, float]:
    """`login` + `logout` against the emulator served over HTTP vs the same, in-process."""
    emulator = Emulator()
    in_process = Session(emulator=emulator)
    with emulator.serve(port=0) as server, Session(emulator=server) as served:

        def over_http() -> None:
            served.login("cometchat-uid-1")
            served.logout()

        def local() -> None:
            in_process.login("cometchat-uid-1")
            in_process.logout()

        over_http(), local()  # warm up
        return median_seconds(over_http, rounds), median_seconds(local, rounds)


def bulk_ratio(rows: int) -> tuple[float, float]:
    """`create_users` of `rows` users at concurrency 8 vs 1, each request taking 5 ms."""
    times = []
    for concurrency in (8, 1):
        emulator = Emulator(latency=0.005)
        with Session(emulator=emulator) as session:
            records = [{"uid": f"bulk-{i}", "name": f"Bulk {i}"} for i in range(rows)]
            start = time.perf_counter()
            session.create_users(records, concurrency=concurrency, progress=False)
            times.append(time.perf_counter() - start)
    return times[0], times[1]


def main(argv: list[str] | None = None) -> list[tuple[str, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--import-rounds", type=int, default=7)
    args = parser.parse_args(argv)
    rows = [
        (
            "import cometchat_nb / import httpx",
            import_seconds("cometchat_nb", args.import_rounds),
            import_seconds("httpx", args.import_rounds),
        ),
        ("login+logout / 3 bare httpx requests", *login_logout_ratio(args.rounds)),
        ("create_user / 1 bare httpx request", *create_ratio(args.rounds)),
        ("login+logout over HTTP / in-process", *served_ratio(max(1, args.rounds // 4))),
        (
            "create_users x200, 8 at a time / 1 at a time",
            *bulk_ratio(200 if args.rounds > 10 else 8),
        ),
    ]
    print(f"{'measure':42} {'ours':>10} {'baseline':>10} {'ratio':>7}")
    for name, ours, base in rows:
        print(f"{name:42} {ours * 1e3:8.2f}ms {base * 1e3:8.2f}ms {ours / base:7.2f}")
    return rows


if __name__ == "__main__":
    main()
