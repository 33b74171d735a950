"""CometChat's authentication guide, walked end to end on the embedded emulator."""

from __future__ import annotations

import pytest

from cometchat_nb import (
    AsyncSession,
    CometChatException,
    Emulator,
    Event,
    LoginListener,
    NotFoundError,
    Session,
    User,
)


class Recorder:
    """A LoginListener that records what it is told, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.listener = LoginListener(
            login_success=lambda user: self.calls.append(("login_success", user)),
            login_failure=lambda exc: self.calls.append(("login_failure", exc)),
            logout_success=lambda: self.calls.append(("logout_success", None)),
            logout_failure=lambda exc: self.calls.append(("logout_failure", exc)),
        )

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def test_the_guide_walk_on_the_embedded_emulator() -> None:
    s = Session()
    emulator = s.emulator
    assert isinstance(emulator, Emulator)
    emulator.reset()
    assert s.get_logged_in_user() is None

    created = s.create_user(User("kevin", name="Kevin"))
    assert (created.uid, created.name, created.status) == ("kevin", "Kevin", "offline")

    recorder = Recorder()
    returned_before_listener: list[bool] = []
    s.add_login_listener("guide", recorder.listener)
    s.add_login_listener(
        "order", LoginListener(login_success=lambda u: returned_before_listener.append(False))
    )
    user = s.login("kevin")
    assert recorder.calls == [("login_success", user)]
    assert returned_before_listener == [False]  # fired before login() returned
    assert user.uid == "kevin" and user.status == "online"
    assert user.auth_token is not None

    assert s.get_logged_in_user() == user
    sent = len(emulator.requests)
    restored = Session().get_logged_in_user()  # a new Session shares the persisted login
    assert restored == user
    assert len(emulator.requests) == sent

    s.logout()
    assert recorder.names == ["login_success", "logout_success"]
    assert s.get_logged_in_user() is None

    token = s.admin.create_auth_token("kevin")
    assert s.login(auth_token=token).uid == "kevin"
    s.logout()

    sent = len(emulator.requests)
    with pytest.raises(CometChatException) as invalid:
        s.login("bad uid")
    assert invalid.value.code == "INVALID_UID"
    assert len(emulator.requests) == sent

    with pytest.raises(NotFoundError) as unknown:
        s.login("nobody-here")
    assert unknown.value.code == "ERR_UID_NOT_FOUND"
    assert unknown.value.http_status == 404
    assert recorder.names[-2:] == ["login_failure", "login_failure"]
    assert s.get_logged_in_user() is None
    s.close()


async def test_the_guide_walk_on_async_session(emulator: Emulator) -> None:
    async with AsyncSession(emulator=emulator) as s:
        assert await s.get_logged_in_user() is None
        await s.create_user(User("kevin", name="Kevin"))
        recorder = Recorder()
        s.add_login_listener("guide", recorder.listener)
        user = await s.login("kevin")
        assert recorder.calls == [("login_success", user)]
        assert await s.get_logged_in_user() == user
        sent = len(emulator.requests)
        async with AsyncSession(emulator=emulator) as other:
            assert await other.get_logged_in_user() == user
        assert len(emulator.requests) == sent
        await s.logout()
        assert recorder.names == ["login_success", "logout_success"]
        assert await s.get_logged_in_user() is None
        token = await s.admin.create_auth_token("kevin")
        assert (await s.login(auth_token=token)).uid == "kevin"
        await s.logout()
        sent = len(emulator.requests)
        with pytest.raises(CometChatException, match="INVALID_UID"):
            await s.login("bad uid")
        assert len(emulator.requests) == sent
        with pytest.raises(NotFoundError, match="ERR_UID_NOT_FOUND"):
            await s.login("nobody-here")


def test_subscribers_see_every_event_in_order(session: Session) -> None:
    seen: list[Event] = []
    handle = session.listeners.subscribe(seen.append)
    session.create_user(User("ann", name="Ann"))
    session.login("ann")
    session.login("cometchat-uid-1")  # drops ann's stored session without a logout
    session.logout()
    handle()
    session.login("ann")
    assert [(e.kind, e.name, e.detail) for e in seen] == [
        ("user", "user_created", "ann"),
        ("login", "login_success", "ann"),
        ("session", "session_cleared", "ann"),
        ("login", "login_success", "cometchat-uid-1"),
        ("logout", "logout_success", ""),
    ]
