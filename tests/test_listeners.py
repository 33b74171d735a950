"""The listener registry: ids, order, isolation of failures, subscriptions."""

from __future__ import annotations

import logging

import pytest

from cometchat_nb import Event, ListenerRegistry, LoginListener, Session, User


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
    assert [e.name for e in seen] == ["listener_error", "logout_success"]


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
