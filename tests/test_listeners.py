"""The listener registry: ids, order, isolation of failures, subscriptions."""

from __future__ import annotations

import logging

import pytest

from cometchat_nb import (
    CometChatException,
    Emulator,
    Event,
    ListenerRegistry,
    LoginListener,
    Retry,
    Session,
    User,
)
from cometchat_nb.emulator import RateLimiter


def test_same_id_replaces_and_moves_last() -> None:
    registry, calls = ListenerRegistry(), []
    registry.add("a", LoginListener(logout_success=lambda: calls.append("a1")))
    registry.add("b", LoginListener(logout_success=lambda: calls.append("b")))
    registry.add("a", LoginListener(logout_success=lambda: calls.append("a2")))
    registry.fire("logout_success")
    assert calls == ["b", "a2"] and registry.ids == ["b", "a"]
    registry.remove("b")
    registry.remove("missing")
    registry.fire("logout_success")
    assert calls == ["b", "a2", "a2"]


def test_a_failing_listener_breaks_nothing(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Event] = []
    after: list[User] = []

    def boom(user: User) -> None:
        raise ValueError("listener bug")

    session.listeners.subscribe(seen.append)
    session.add_login_listener("bad", LoginListener(login_success=boom))
    session.add_login_listener("good", LoginListener(login_success=after.append))
    with caplog.at_level(logging.WARNING, logger="cometchat_nb"):
        user = session.login("cometchat-uid-1")
    assert after == [user]
    assert [e.name for e in seen] == ["login_success", "listener_error"]
    assert seen[1].kind == "listener" and "listener bug" in seen[1].detail
    assert "'bad'" in seen[1].detail and "listener bug" in caplog.text


def test_a_failing_subscriber_is_reported_to_the_others() -> None:
    registry, seen = ListenerRegistry(), []

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    registry.subscribe(broken)
    registry.subscribe(seen.append)
    registry.fire("logout_success")
    assert [e.name for e in seen] == ["logout_success", "listener_error"]


def test_subscriptions_end_when_called_or_exited() -> None:
    registry, seen = ListenerRegistry(), []
    handle = registry.subscribe(seen.append)
    with registry.subscribe(seen.append):
        registry.fire("logout_success")
    handle.unsubscribe()
    handle()
    registry.fire("logout_success")
    assert len(seen) == 2 and registry.subscriber_count == 0


def test_recent_events_are_bounded() -> None:
    registry = ListenerRegistry(recent=3)
    for _ in range(5):
        registry.fire("logout_success")
    assert len(registry.recent) == 3


def test_only_login_listeners_are_accepted() -> None:
    with pytest.raises(TypeError):
        ListenerRegistry().add("x", lambda: None)  # type: ignore[arg-type]


def test_a_logout_the_service_did_not_confirm_fires_logout_failure() -> None:
    emulator = Emulator(rate_limiter=RateLimiter(limits={"core": 1}, enforce=True))
    with Session(emulator=emulator, retry=Retry(attempts=1)) as session:
        session.login("cometchat-uid-1")  # PUT /me: the one core request the window allows
        calls: list[tuple[str, object]] = []
        session.add_login_listener(
            "l",
            LoginListener(
                logout_success=lambda: calls.append(("logout_success", None)),
                logout_failure=lambda exc: calls.append(("logout_failure", exc)),
            ),
        )
        with pytest.raises(CometChatException) as raised:
            session.logout()
        assert session.get_logged_in_user() is None  # the local session is cleared anyway
    assert calls == [("logout_failure", raised.value)]
    assert raised.value.code == "ERR_TOO_MANY_REQUESTS"
    assert "may still be valid" in raised.value.message
    assert "flush_auth_tokens('cometchat-uid-1')" in raised.value.message


def test_subscribers_see_nested_events_in_the_order_fired() -> None:
    registry, seen = ListenerRegistry(), []

    def relogin(user: User) -> None:
        registry.fire("logout_success")  # fired by a listener, during login_success
        raise ValueError("after the nested event")

    registry.add("nested", LoginListener(login_success=relogin))
    registry.subscribe(lambda event: seen.append(event.name))
    registry.fire("login_success", User("kevin"))
    assert seen == ["login_success", "logout_success", "listener_error"]


def test_a_listener_raising_the_unprintable_never_breaks_the_call(session: Session) -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no text")

    def broken(user: User) -> None:
        raise Unprintable

    session.add_login_listener("broken", LoginListener(login_success=broken))
    seen: list[Event] = []
    session.listeners.subscribe(seen.append)
    assert session.login("cometchat-uid-1").uid == "cometchat-uid-1"
    assert [e.name for e in seen] == ["login_success", "listener_error"]
    assert "unprintable" in seen[1].detail
