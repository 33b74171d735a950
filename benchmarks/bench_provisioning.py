"""Provisioning at the service's cap: bulk creates with the REST API key, paced by the
session's rate limiter, against a served emulator that enforces a scaled-down limit.

The service caps core operations (creating users) at 10,000 a minute per app; here the
emulator enforces 200 per 5 s window (tiny: 20 per 1 s), the same shape at a scale a
run can afford. `ours` is the time `session.admin.create_users` takes for 2,000 rows at
concurrency 16 (tiny: 60); `baseline` is the time the cap allows, computed, not run:
rows / limit × window (the cap's rate; with fixed windows a perfectly aligned client
could end up to one window sooner). Met when ours / baseline <= 1.15. Extras: the share
of answers that were 429 (ceiling 2%) and the rows that failed (ceiling 0).

Run: `python benchmarks/run.py -k creates`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Case

from cometchat_nb import Emulator, Session
from cometchat_nb.emulator import RateLimiter

CONCURRENCY = 16


def provisioning(rows: int, limit: int, window: float) -> Case:
    """`rows` creates at concurrency 16 under `limit` core requests per `window` seconds."""
    figures: dict[str, float] = {"limited": 0.0, "failed": 0.0}
    runs = [0]

    def ours() -> float:
        runs[0] += 1
        limiter = RateLimiter(limits={"core": limit}, enforce=True, window=window)
        emulator = Emulator(rate_limiter=limiter)
        frame = pd.DataFrame(
            {"uid": [f"bench-{runs[0]}-{i}" for i in range(rows)], "name": ["Bench"] * rows}
        )
        try:
            with emulator.serve(port=0) as server:
                session = Session(
                    emulator.app_id, emulator.region, rest_api_key=emulator.rest_api_key,
                    admin_host=f"{server.url}/v3",
                )  # fmt: skip
                with session:
                    started = time.perf_counter()
                    result = session.admin.create_users(
                        frame, concurrency=CONCURRENCY, progress=False
                    )
                    elapsed = time.perf_counter() - started
                    core = session.rate_limits["core"]
        finally:
            emulator.close()
        figures["limited"] = 100 * core.limited / max(1, core.requests)
        figures["failed"] = float((result["result"] != "created").sum())
        return elapsed

    def baseline() -> float:
        return rows / limit * window

    return Case(
        f"{rows:,} creates at concurrency {CONCURRENCY}, cap {limit}/{window:g}s (vs the cap)",
        ours,
        baseline,
        1.15,
        "ours / the time the cap allows",
        extra={
            "429 answers, % of requests": (lambda: figures["limited"], 2.0),
            "rows failed": (lambda: figures["failed"], 0.0),
        },
    )


def cases(tiny: bool) -> list[Case]:
    """The provisioning case; `tiny` runs in about three seconds."""
    return [provisioning(60, 20, 1)] if tiny else [provisioning(2_000, 200, 5)]
