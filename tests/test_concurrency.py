"""Two logins at once: one proceeds, the other gets LOGIN_IN_PROGRESS and fires nothing."""

from __future__ import annotations

import asyncio
import threading

import pytest

from cometchat_nb import AsyncSession, CometChatException, Emulator, Event, Session, User


def test_two_threads_logging_in(emulator: Emulator) -> None:
    emulator.latency = 0.2  # each request takes a while, so the logins overlap
    results: dict[str, object] = {}
    events: list[Event] = []
    with Session(emulator=emulator) as s:
        s.listeners.subscribe(events.append)
        barrier = threading.Barrier(2)

        def login(uid: str) -> None:
            barrier.wait()
            try:
                results[uid] = s.login(uid)
            except CometChatException as exc:
                results[uid] = exc

        threads = [threading.Thread(target=login, args=(f"cometchat-uid-{i}",)) for i in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        outcomes = sorted(results.values(), key=lambda r: isinstance(r, CometChatException))
        winner, loser = outcomes
        assert isinstance(winner, User)
        assert isinstance(loser, CometChatException) and loser.code == "LOGIN_IN_PROGRESS"
        assert [e.name for e in events] == ["login_success"]
        assert s.get_logged_in_user() == winner
        emulator.latency = 0
        assert s.login("cometchat-uid-3").uid == "cometchat-uid-3"  # the flag was released


async def test_gathered_logins_on_async_session(emulator: Emulator) -> None:
    emulator.latency = 0.05
    events: list[Event] = []
    async with AsyncSession(emulator=emulator) as s:
        s.listeners.subscribe(events.append)
        results = await asyncio.gather(
            s.login("cometchat-uid-1"), s.login("cometchat-uid-2"), return_exceptions=True
        )
        assert isinstance(results[0], User) and results[0].uid == "cometchat-uid-1"
        assert isinstance(results[1], CometChatException)
        assert results[1].code == "LOGIN_IN_PROGRESS"
        assert [e.name for e in events] == ["login_success"]
        assert (await s.login("cometchat-uid-1")).uid == "cometchat-uid-1"


def test_the_flag_is_released_after_a_failure(session: Session) -> None:
    with pytest.raises(CometChatException, match="ERR_UID_NOT_FOUND"):
        session.login("nobody")
    with pytest.raises(CometChatException, match="MISSING_PARAMETERS"):
        session.login("")
    assert session.login("cometchat-uid-1").uid == "cometchat-uid-1"


def test_concurrent_creates_from_threads(emulator: Emulator) -> None:
    """The sync session is safe to share between threads; each uid is created once."""
    errors: list[str] = []
    with Session(emulator=emulator) as s:

        def create(i: int) -> None:
            try:
                s.create_user(User(f"user-{i % 10}", name=f"User {i}"))
            except CometChatException as exc:
                errors.append(exc.code)

        threads = [threading.Thread(target=create, args=(i,)) for i in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(errors) == 30 and set(errors) == {"ERR_UID_ALREADY_EXISTS"}
    assert sum(uid.startswith("user-") for uid in emulator.users) == 10
