"""The sync and async twins: the same public calls, the same error paths, run on both."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from cometchat_nb import AsyncSession, CometChatException, Emulator, Retry, Session
from cometchat_nb.admin import Admin, AsyncAdmin
from cometchat_nb.emulator import RateLimiter

TWINS = [(Session, AsyncSession), (Admin, AsyncAdmin)]
#: Widgets run their callbacks synchronously, so only `Session` makes a dashboard.
SYNC_ONLY = {"dashboard"}


def public_signatures(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member)
    }


@pytest.mark.parametrize(("sync", "async_"), TWINS, ids=["Session", "Admin"])
def test_the_twins_have_the_same_public_calls(sync: type, async_: type) -> None:
    ours, theirs = public_signatures(sync), public_signatures(async_)
    assert set(ours) - SYNC_ONLY == set(theirs)
    for name, twin in theirs.items():
        signature = ours[name]
        assert list(signature.parameters) == list(twin.parameters), name
        for param in signature.parameters.values():
            other = twin.parameters[param.name]
            assert (param.kind, param.default) == (other.kind, other.default), (name, param)


async def outcome(value: Any) -> Any:
    """A call's result, awaited when the twin is async."""
    return await value if inspect.isawaitable(value) else value


Open = Callable[..., Session | AsyncSession]


@pytest.fixture(params=[Session, AsyncSession], ids=["sync", "async"])
def open_session(request: pytest.FixtureRequest) -> Open:
    return request.param  # type: ignore[no-any-return]


async def test_a_429_is_waited_out_then_resent(open_session: Open) -> None:
    now = [1_717_000_020.0]
    limiter = RateLimiter(limits={"core": 1}, enforce=True, retry_after=7)
    emulator = Emulator(clock=lambda: now[0], rate_limiter=limiter)
    slept: list[float] = []

    def sleep(seconds: float) -> Awaitable[None] | None:
        slept.append(seconds)
        now[0] += 60  # the next window
        return None

    session = open_session(emulator=emulator, sleep=sleep)
    try:
        await outcome(session.create_user({"uid": "first", "name": "F"}))
        created = await outcome(session.create_user({"uid": "second", "name": "S"}))
    finally:
        await outcome(session.close())
    assert created.uid == "second" and slept == [7.0]
    assert [r.method for r in emulator.requests] == ["POST", "POST", "POST"]


async def test_retries_are_bounded(open_session: Open) -> None:
    limiter = RateLimiter(limits={"core": 0}, enforce=True, retry_after=3)
    emulator = Emulator(clock=lambda: 1_717_000_020.0, rate_limiter=limiter)
    slept: list[float] = []
    session = open_session(emulator=emulator, sleep=slept.append, retry=Retry(attempts=3))
    try:
        with pytest.raises(CometChatException) as raised:
            await outcome(session.create_user({"uid": "never", "name": "N"}))
    finally:
        await outcome(session.close())
    assert raised.value.code == "ERR_TOO_MANY_REQUESTS" and raised.value.http_status == 429
    assert slept == [3.0, 3.0] and len(emulator.requests) == 3


async def test_a_closed_session_says_so(open_session: Open, emulator: Emulator) -> None:
    session = open_session(emulator=emulator)
    await outcome(session.close())
    with pytest.raises(CometChatException) as raised:
        await outcome(session.login("cometchat-uid-1"))
    assert raised.value.code == "SESSION_CLOSED" and emulator.requests == []


async def test_a_transport_error_reaches_the_flow(open_session: Open, emulator: Emulator) -> None:
    """The flow is handed the error (`flow.throw`): it fires `login_failure`, then it raises."""
    server = emulator.serve(port=0)
    server.stop()  # nothing listens there any more
    session = open_session(emulator=server)
    names: list[str] = []
    session.listeners.subscribe(lambda event: names.append(event.name))
    try:
        with pytest.raises(CometChatException) as raised:
            await outcome(session.login("cometchat-uid-1"))
        assert await outcome(session.get_logged_in_user()) is None
    finally:
        await outcome(session.close())
    assert raised.value.code == "FAILED_TO_FETCH" and raised.value.http_status is None
    assert names == ["login_failure"]


async def test_the_stored_login_is_read_once_per_flow(open_session: Open) -> None:
    """login + logout: one read each (and one more when the logout clears), two writes."""

    class CountingStore:
        def __init__(self) -> None:
            self.data: dict[str, dict[str, Any]] = {}
            self.loads = self.saves = 0

        def load(self, app_id: str) -> dict[str, Any]:
            self.loads += 1
            return dict(self.data.get(app_id, {}))

        def save(self, app_id: str, data: dict[str, Any]) -> None:
            self.saves += 1
            self.data[app_id] = dict(data)

    store = CountingStore()
    session = open_session(emulator=Emulator(), store=store)
    try:
        await outcome(session.login("cometchat-uid-1"))  # the first ever: a device id too
        await outcome(session.logout())
        store.loads = store.saves = 0
        await outcome(session.login("cometchat-uid-1"))
        await outcome(session.logout())
    finally:
        await outcome(session.close())
    assert (store.loads, store.saves) == (3, 2)


def collaborators(obj: object) -> dict[str, type]:
    """What an object was built with: its attributes' names and types (bound methods as
    `method`: a twin's runner differs only in being a coroutine function)."""
    return {name: type(value) for name, value in vars(obj).items()}


def test_the_twins_are_built_alike(emulator: Emulator) -> None:
    """Both sessions hand their admin the same collaborators, and the same `Workers`
    (the flows, a runner, and the session's sender, publisher, registry and pacing)."""
    with Session(emulator=emulator) as sync:
        session = AsyncSession(emulator=emulator)
        assert collaborators(sync.admin) == collaborators(session.admin)
        assert inspect.signature(Admin.__init__).parameters.keys() == (
            inspect.signature(AsyncAdmin.__init__).parameters.keys()
        )
        workers = [vars(s.admin)["_workers"] for s in (sync, session)]
        assert collaborators(workers[0]) == collaborators(workers[1])
        assert workers[0].limits is sync.limits and workers[1].limits is session.limits
        assert not inspect.iscoroutinefunction(workers[0].send)
        assert inspect.iscoroutinefunction(workers[1].send)


def test_the_bulk_drivers_take_the_same_collaborators() -> None:
    from cometchat_nb.bulk import drive

    def names(function: Callable[..., Any]) -> list[str]:
        return list(inspect.signature(function).parameters)

    assert names(drive.run) == names(drive.arun)
    assert [n for n in names(drive.threads) if n != "pool"] == names(drive.tasks)
