"""The wire recorded: login + logout with every request kept in the transcript vs none kept."""

from __future__ import annotations

import time
from collections.abc import Callable

from harness import Case

from cometchat_nb import Emulator, Session


def _logins(keep_requests: int, rounds: int) -> Callable[[], float]:
    session = Session(emulator=Emulator(), keep_requests=keep_requests)

    def run() -> float:
        start = time.process_time()  # CPU seconds: on a shared machine the wall clock
        for _ in range(rounds):  # times the neighbours too
            session.login("cometchat-uid-1")
            session.logout()
        return time.process_time() - start

    return run


def cases(tiny: bool) -> list[Case]:
    rounds = 5 if tiny else 200
    return [
        Case(
            "login+logout, requests recorded / not recorded",
            ours=_logins(1000, rounds),
            baseline=_logins(0, rounds),
            target=1.2,
            note="default options (keep_requests=1000, keep_bytes=2 MiB) vs keep_requests=0, "
            "in-process emulator, CPU time",
        )
    ]
