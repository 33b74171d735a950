"""A create whose answer is lost is resolved by reading back: reported truly, made once."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from cometchat_nb import CometChatException, Emulator, Session, User
from cometchat_nb.core.create import create
from cometchat_nb.protocol import build, transport_error

Lose = Callable[[httpx.Request, int], str | None]  # "before" / "after" the service acts, or None


def run(emulator: Emulator, flow: object, lose: Lose) -> User:
    """Drive a create flow against the emulator, losing answers as `lose` says."""
    sent = 0
    request = next(flow)  # type: ignore[call-overload]
    while True:
        sent += 1
        when = lose(request, sent)
        try:
            if when is None:
                request = flow.send(emulator.handle(request))  # type: ignore[attr-defined]
                continue
            if when == "after":
                emulator.handle(request)  # the service acts; its answer never arrives
            error = transport_error(httpx.ReadTimeout("lost"), 1, request.method == "POST")
            request = flow.throw(error)  # type: ignore[attr-defined]
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


def requests(emulator: Emulator, uid: str) -> tuple[httpx.Request, httpx.Request | None]:
    base = "http://emulator.invalid/v3"
    fields = {"uid": uid, "name": "Kevin"}
    post = build("POST", base, "users", app_id=emulator.app_id, api_key=emulator.rest_api_key,
                 body=fields)  # fmt: skip
    read = build("GET", base, "users", uid, app_id=emulator.app_id, api_key=emulator.rest_api_key)
    return post, read


@pytest.mark.parametrize("reader", [True, False], ids=["read back", "no way to read"])
@pytest.mark.parametrize("when", ["before", "after"])
def test_a_lost_answer_is_resolved(emulator: Emulator, when: str, reader: bool) -> None:
    post, read = requests(emulator, "kevin")
    flow = create(post, {"uid": "kevin", "name": "Kevin"}, lambda: read if reader else None, 3)
    user = run(emulator, flow, lambda request, n: when if n == 1 else None)
    assert user.uid == "kevin" and user.name == "Kevin"
    assert "kevin" in emulator.users
    handled = [r for r in emulator.requests if r.method == "POST"]
    # resent only when it cannot be read back; the service refuses the second as a repeat
    assert len(handled) == (2 if when == "after" and not reader else 1)


def test_a_uid_taken_by_someone_else_is_not_reported_created(emulator: Emulator) -> None:
    post, read = requests(emulator, "cometchat-uid-1")  # exists, named "Andrew Joseph"
    flow = create(post, {"uid": "cometchat-uid-1", "name": "Kevin"}, lambda: read, 3)
    with pytest.raises(CometChatException) as raised:
        run(emulator, flow, lambda request, n: "before" if n == 1 else None)
    assert raised.value.code == "ERR_UID_ALREADY_EXISTS"


def test_answers_lost_every_time_give_up_with_the_error(emulator: Emulator) -> None:
    post, read = requests(emulator, "kevin")
    flow = create(post, {"uid": "kevin", "name": "Kevin"}, lambda: read, 3)
    with pytest.raises(CometChatException) as raised:
        run(emulator, flow, lambda request, n: "before" if request.method == "POST" else None)
    assert raised.value.code == "FAILED_TO_FETCH" and raised.value.outcome_unknown
    assert [r.method for r in emulator.requests] == ["GET", "GET", "GET"]  # 3 sends, 3 reads


def test_a_session_reports_a_created_user_once(emulator: Emulator) -> None:
    with Session(emulator=emulator) as session:
        events: list[str] = []
        session.listeners.subscribe(lambda event: events.append(event.name))
        session.create_user(User("kevin", name="Kevin"))
    assert events == ["user_created"] and [u.uid for u in session.created_users] == ["kevin"]


# -- through the emulator's fault injection ------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "posts"),
    [
        ("status", 2),  # not acted on: read back, missing, sent again
        ("drop_before", 2),
        ("drop_after", 1),  # acted on: read back, found
        ("truncate", 1),
        ("not_json", 1),
        ("timeout", 1),
    ],
)
def test_a_spoiled_create_answer_is_reported_truly(
    emulator: Emulator, kind: str, posts: int
) -> None:
    from cometchat_nb import Retry

    emulator.faults.inject(kind, method="POST", path="/users", times=1)
    with Session(emulator=emulator, retry=Retry(backoff=0, attempts=3)) as session:
        user = session.create_user(User("kevin", "Kevin"))
    assert user.uid == "kevin" and "kevin" in emulator.users
    sent = [r for r in emulator.requests if r.method == "POST" and r.url.path.endswith("/users")]
    assert len(sent) == posts
    assert emulator.faults.injected == {kind: 1}


@pytest.mark.parametrize("kind", ["status", "truncate", "not_json", "drop_after", "timeout"])
def test_a_read_is_resent_after_a_spoiled_answer(emulator: Emulator, kind: str) -> None:
    from cometchat_nb import Retry

    options = {"status": 500} if kind == "status" else {}
    emulator.faults.inject(kind, method="GET", times=2, **options)
    with Session(emulator=emulator, retry=Retry(backoff=0, attempts=3)) as session:
        assert session.admin.get_user("cometchat-uid-1").uid == "cometchat-uid-1"
    assert emulator.faults.injected == {kind: 2}


def test_a_5xx_to_a_create_says_its_outcome_is_unknown() -> None:
    from cometchat_nb.protocol import read

    for status, content, unknown in [
        (503, b'{"error": {"code": "ERR_EXCEPTION", "message": "x"}}', True),
        (200, b'{"data": {"uid": "a"', True),
        (200, b"<html>", True),
        (400, b'{"error": {"code": "ERR_BAD_REQUEST", "message": "x"}}', False),
    ]:
        for method, expected in (("POST", unknown), ("GET", False)):
            request = httpx.Request(method, "http://e/v3/users")
            with pytest.raises(CometChatException) as raised:
                read(httpx.Response(status, content=content, request=request))
            assert raised.value.outcome_unknown is expected, (status, content, method)


# -- Retry(attempts=N): at most N sends of a create ------------------------------------------


@pytest.mark.parametrize("attempts", [1, 2, 3])
@pytest.mark.parametrize("twin", ["sync", "async"])
def test_attempts_bound_the_sends_of_a_create(emulator: Emulator, attempts: int, twin: str) -> None:
    import asyncio

    from cometchat_nb import AsyncSession, Retry

    emulator.faults.inject("status", method="POST", path="/users", status=503)  # every time
    retry = Retry(backoff=0, attempts=attempts)

    async def create_async() -> None:
        async with AsyncSession(emulator=emulator, retry=retry) as session:
            await session.create_user(User("carol", "Carol"))

    with pytest.raises(CometChatException) as raised:
        if twin == "async":
            asyncio.run(create_async())
        else:
            with Session(emulator=emulator, retry=retry) as session:
                session.create_user(User("carol", "Carol"))
    assert raised.value.outcome_unknown and "carol" not in emulator.users
    creates = [r for r in emulator.requests if r.method == "POST"]
    reads = [r for r in emulator.requests if r.method == "GET"]
    assert len(creates) == attempts  # each lost answer read back (not a send of the create)
    assert len(reads) == attempts


def test_a_create_through_two_503s_with_one_attempt_is_sent_once(emulator: Emulator) -> None:
    from cometchat_nb import Retry

    emulator.faults.inject("status", method="POST", path="/users", times=2, status=503)
    with Session(emulator=emulator, retry=Retry(backoff=0, attempts=1)) as session:
        with pytest.raises(CometChatException):
            session.create_user(User("carol", "Carol"))
        session.retry = Retry(backoff=0, attempts=3)  # the policy may change; creates follow
        assert session.create_user(User("dave", "Dave")).uid == "dave"
    posts = [r.read() for r in emulator.requests if r.method == "POST"]
    assert [b'"carol"' in p for p in posts] == [True, False, False]
