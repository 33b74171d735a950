"""Widgets in plain pytest: set values, click, assert on traits and on the session."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import ipywidgets
import pytest

from cometchat_nb import (
    AsyncSession,
    Emulator,
    EventLog,
    LoginForm,
    LoginListener,
    MemoryStore,
    Session,
    User,
    UserTable,
    dashboard,
    display,
)
from cometchat_nb.emulator import AUTH_KEY, REST_API_KEY
from cometchat_nb.widgets import Dashboard


def tree(widget: Any) -> list[Any]:
    """The widget and every widget inside it."""
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(tree(child))
    return found


def state_text(widget: Any) -> str:
    return json.dumps([w.get_state() for w in tree(widget)], default=str)


def values(widget: Any) -> list[tuple[Any, ...]]:
    """What each part shows (readable after `close()`, unlike `get_state()`)."""
    return [
        tuple(getattr(w, name, None) for name in ("value", "disabled", "placeholder"))
        for w in tree(widget)
    ]


def with_class(widget: Any, css: str) -> Any:
    [found] = [w for w in tree(widget) if css in w._dom_classes]
    return found


class FakeClock:
    def __init__(self, step: float = 0.0) -> None:
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


# -- every widget ---------------------------------------------------------------


@pytest.mark.parametrize("make", [LoginForm, EventLog, UserTable, dashboard])
def test_widgets_take_only_a_sync_session(make: Any, emulator: Emulator) -> None:
    for wrong in (AsyncSession(emulator=emulator), emulator, None, "session"):
        with pytest.raises(TypeError, match=r"needs a cometchat_nb\.Session"):
            make(wrong)
    with pytest.raises(TypeError, match="synchronous"):
        make(AsyncSession(emulator=emulator))


@pytest.mark.parametrize(
    ("make", "classes"),
    [
        (
            LoginForm,
            [
                "cc-login-uid",
                "cc-login-auth-key",
                "cc-login-token",
                "cc-login-submit",
                "cc-logout",
                "cc-login-status",
            ],
        ),
        (EventLog, ["cc-event-log"]),
        (UserTable, ["cc-user-uid", "cc-user-name", "cc-user-create", "cc-user-table"]),
    ],
)
def test_css_classes_sit_on_the_widgets(make: Any, classes: list[str], session: Session) -> None:
    widget = make(session)
    assert isinstance(widget, ipywidgets.VBox)
    kinds = {
        "cc-login-uid": ipywidgets.Text,
        "cc-login-auth-key": ipywidgets.Password,
        "cc-login-token": ipywidgets.Password,
        "cc-login-submit": ipywidgets.Button,
        "cc-logout": ipywidgets.Button,
        "cc-login-status": ipywidgets.HTML,
        "cc-event-log": ipywidgets.HTML,
        "cc-user-uid": ipywidgets.Text,
        "cc-user-name": ipywidgets.Text,
        "cc-user-create": ipywidgets.Button,
        "cc-user-table": ipywidgets.HTML,
    }
    for css in classes:
        assert type(with_class(widget, css)) is kinds[css]
    widget.close()


@pytest.mark.parametrize("make", [LoginForm, EventLog, UserTable, dashboard])
def test_close_leaves_no_subscriber(make: Any, session: Session) -> None:
    before = session.listeners.subscriber_count
    widget = make(session)
    assert session.listeners.subscriber_count > before
    widget.close()
    assert session.listeners.subscriber_count == before
    snapshot = values(widget)
    session.login("cometchat-uid-1")
    session.create_user(User("after-close", "After"))
    assert values(widget) == snapshot  # nothing listens any more


# -- LoginForm ---------------------------------------------------------------------


def test_log_in_with_uid_and_typed_key_then_log_out(session: Session) -> None:
    form = LoginForm(session)
    assert form.logout.disabled  # nobody logged in
    assert form.status.value == "Not logged in"
    form.uid.value = "cometchat-uid-1"
    form.auth_key.value = AUTH_KEY
    form.submit.click()
    assert form.auth_key.value == ""  # read and cleared
    assert session.get_logged_in_user().uid == "cometchat-uid-1"  # type: ignore[union-attr]
    assert "Logged in as <code>cometchat-uid-1</code> (Andrew Joseph)" in form.status.value
    assert not form.logout.disabled and not form.submit.disabled
    form.logout.click()
    assert session.get_logged_in_user() is None
    assert form.status.value == "Not logged in"
    assert form.logout.disabled


def test_an_empty_key_field_means_the_sessions_key(session: Session) -> None:
    form = LoginForm(session)
    assert form.auth_key.placeholder == "session key ••••a1b2"
    form.uid.value = "cometchat-uid-2"
    form.submit.click()
    assert session.get_logged_in_user().uid == "cometchat-uid-2"  # type: ignore[union-attr]


def test_a_session_without_a_key_says_so(emulator: Emulator) -> None:
    with Session(emulator=emulator, auth_key="") as keyless:
        form = LoginForm(keyless)
        assert form.auth_key.placeholder == "auth key (the session has none)"
        form.uid.value = "cometchat-uid-1"
        form.submit.click()
        assert "<b>MISSING_PARAMETERS</b>" in form.status.value


def test_log_in_with_an_auth_token(session: Session) -> None:
    token = session.admin.create_auth_token("cometchat-uid-3")
    form = LoginForm(session)
    form.tabs.selected_index = 1
    form.token.value = token.auth_token.reveal()
    form.submit.click()
    assert form.token.value == ""
    assert session.get_logged_in_user().uid == "cometchat-uid-3"  # type: ignore[union-attr]
    assert "cometchat-uid-3" in form.status.value
    assert token.auth_token.reveal() not in state_text(form)


def test_a_failed_login_shows_its_code_once_in_the_log(session: Session) -> None:
    form = LoginForm(session)
    log = EventLog(session)
    form.uid.value = "nobody"
    form.auth_key.value = "wrong-key"
    form.submit.click()
    assert form.auth_key.value == ""
    assert "<b>AUTH_ERR_APIKEY_NOT_FOUND</b>" in form.status.value
    assert [e.name for e in log.events] == ["login_failure"]  # reported once, by the session
    form.auth_key.value = ""
    form.submit.click()
    assert "<b>ERR_UID_NOT_FOUND</b>" in form.status.value
    form.tabs.selected_index = 1
    form.submit.click()  # no token typed
    assert "<b>MISSING_PARAMETERS</b>" in form.status.value
    assert [e.name for e in log.events] == ["login_failure"] * 3
    assert form.logout.disabled


def test_buttons_are_disabled_while_a_call_runs(session: Session) -> None:
    form = LoginForm(session)
    seen: list[tuple[bool, bool]] = []
    session.add_login_listener(
        "probe",
        LoginListener(
            login_success=lambda user: seen.append((form.submit.disabled, form.logout.disabled))
        ),
    )
    form.uid.value = "cometchat-uid-1"
    form.submit.click()
    assert seen == [(True, True)]
    assert (form.submit.disabled, form.logout.disabled) == (False, False)


def test_the_form_follows_the_session(session: Session) -> None:
    form = LoginForm(session)
    session.login("cometchat-uid-4")
    assert "cometchat-uid-4" in form.status.value and not form.logout.disabled
    assert "changed outside this form" in form.status.value
    session.login("cometchat-uid-5")  # clears uid-4's session, then logs in
    assert "cometchat-uid-5" in form.status.value
    with pytest.raises(Exception, match="AUTH_ERR_AUTH_TOKEN_NOT_FOUND"):
        session.login(auth_token="not-a-real-token")  # session_cleared, then the failure
    # a failure in code is not this form's: it says the login changed, not the code
    assert "AUTH_ERR" not in form.status.value and "Not logged in" in form.status.value
    assert form.logout.disabled
    session.login("cometchat-uid-1")
    assert "cometchat-uid-1" in form.status.value and "AUTH_ERR" not in form.status.value
    session.logout()
    assert form.status.value.startswith("Not logged in")


def test_each_form_shows_only_its_own_clicks_outcome(session: Session) -> None:
    mine, other = LoginForm(session), LoginForm(session)
    other.uid.value = ""  # MISSING_PARAMETERS, clicked on the other form
    other.submit.click()
    assert "<b>MISSING_PARAMETERS</b>" in other.status.value
    assert "MISSING_PARAMETERS" not in mine.status.value
    mine.uid.value = "cometchat-uid-2"
    mine.submit.click()
    assert mine.status.value == "Logged in as <code>cometchat-uid-2</code> (George Alan)"
    assert "changed outside this form" in other.status.value


def test_a_failed_click_says_whether_the_old_login_survived(session: Session) -> None:
    form = LoginForm(session)
    session.login("cometchat-uid-1")
    form.tabs.selected_index = 1
    form.token.value = "not-a-real-token"
    form.submit.click()  # a login attempt ends the current login first, as the SDK does
    status = form.status.value
    assert "<b>AUTH_ERR_AUTH_TOKEN_NOT_FOUND</b>" in status
    assert "Not logged in" in status and "<code>cometchat-uid-1</code> is logged out" in status
    session.login("cometchat-uid-1")
    form.tabs.selected_index = 0
    form.uid.value = ""  # refused before anything is sent: the login stays
    form.submit.click()
    assert "Still logged in as <code>cometchat-uid-1</code>" in form.status.value


class BrokenStore(MemoryStore):
    """A store whose disk is full: every save fails."""

    def save(self, app_id: str, data: dict[str, Any]) -> None:
        raise OSError("disk full")


def test_a_store_failure_in_a_click_is_shown_and_logged(emulator: Emulator) -> None:
    with Session(emulator=emulator, store=BrokenStore()) as broken:
        form = LoginForm(broken)
        log = EventLog(broken)
        form.uid.value = "cometchat-uid-1"
        form.submit.click()
        assert "<b>SESSION_NOT_SAVED</b>" in form.status.value
        [event] = log.events
        assert (event.name, event.payload.code) == ("login_failure", "SESSION_NOT_SAVED")
        assert not form.submit.disabled


def test_an_unexpected_exception_in_a_click_is_shown_and_logged(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = LoginForm(session)
    log = EventLog(session)

    def failing_login(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")  # a failure no session call types

    monkeypatch.setattr(session, "login", failing_login)
    form.uid.value = "cometchat-uid-1"
    form.submit.click()
    assert "<b>OSError</b>: disk full" in form.status.value
    [event] = log.events
    assert event.name == "listener_error"
    assert event.detail == "LoginForm raised in log in: OSError: disk full"
    assert not form.submit.disabled


def test_no_widget_state_ever_holds_a_secret(session: Session) -> None:
    board = dashboard(session)
    form = board.login_form
    form.uid.value = "cometchat-uid-1"
    form.auth_key.value = AUTH_KEY
    form.submit.click()
    user = session.get_logged_in_user()
    assert user is not None and user.auth_token is not None
    minted = session.admin.create_auth_token("cometchat-uid-2")
    form.logout.click()
    form.tabs.selected_index = 1
    form.token.value = minted.auth_token.reveal()
    form.submit.click()
    board.user_table.uid.value, board.user_table.name.value = "eve", "Eve"
    board.user_table.create.click()
    session.create_users([{"uid": "bulk-eve", "name": "B"}], progress=False)
    current = session.get_logged_in_user()
    assert current is not None and current.auth_token is not None
    text = state_text(board)
    for secret in (
        AUTH_KEY,
        REST_API_KEY,
        user.auth_token.reveal(),
        minted.auth_token.reveal(),
        current.auth_token.reveal(),
    ):
        assert secret not in text
    assert len(board.event_log.events) >= 5


# -- EventLog ------------------------------------------------------------------------


def test_events_appear_in_order(session: Session) -> None:
    log = EventLog(session)
    session.login("cometchat-uid-1")
    session.create_user(User("zed", "Zed"))
    session.logout()
    assert [e.name for e in log.events] == ["login_success", "user_created", "logout_success"]
    html = log.table.value
    positions = [
        html.index(f"<td>{name}</td>")
        for name in ("login_success", "user_created", "logout_success")
    ]
    assert positions == sorted(positions)
    frame = log.to_frame()
    assert list(frame.columns) == ["time", "kind", "name", "detail"]
    assert list(frame["detail"]) == ["cometchat-uid-1", "zed", ""]


def test_the_log_starts_with_the_registrys_recent_events(session: Session) -> None:
    session.login("cometchat-uid-1")
    log = EventLog(session)
    assert [e.name for e in log.events] == ["login_success"]


def test_the_log_is_bounded(session: Session) -> None:
    log = EventLog(session, max_rows=5)
    for i in range(8):
        session.create_user(User(f"b{i}", "B"))
    assert [e.detail for e in log.events] == [f"b{i}" for i in range(3, 8)]
    assert "<td>b2</td>" not in log.table.value and "<td>b7</td>" in log.table.value
    with pytest.raises(ValueError, match="max_rows"):
        EventLog(session, max_rows=0)


def test_the_log_sends_only_its_last_rows_and_says_what_it_holds(session: Session) -> None:
    log = EventLog(session, max_rows=500, shown_rows=100, interval=0)
    sent: list[int] = []
    log.table.observe(lambda change: sent.append(len(change["new"])), names="value")
    for _ in range(300):
        session.login("cometchat-uid-1")
        session.logout()
    html = log.table.value
    assert len(log.events) == 500 and len(log.to_frame()) == 500
    assert html.count("<tr") - html.count("<tr><th") == 100  # the last 100 rows sent
    assert "400 earlier not shown (to_frame() has them); 100 older dropped" in html
    assert max(sent) < 30_000  # the last 100 rows (wrapping styles included); 500 took 54 KB
    with pytest.raises(ValueError, match="shown_rows"):
        EventLog(session, shown_rows=0)


def test_filter_by_kind_and_clear(session: Session) -> None:
    log = EventLog(session)
    session.login("cometchat-uid-1")
    session.create_user(User("k1", "K"))
    log.kind.value = "user"
    assert [e.name for e in log.events] == ["user_created"]
    assert "<td>login_success</td>" not in log.table.value
    assert list(log.to_frame()["name"]) == ["user_created"]
    log.kind.value = "all"
    assert len(log.events) == 2
    log.clear_button.click()
    assert log.events == [] and "no events yet" in log.table.value
    assert log.to_frame().empty


def test_a_burst_of_ten_thousand_events_is_coalesced(session: Session) -> None:
    clock = FakeClock(step=0.001)  # one event per millisecond: a ten-second burst
    log = EventLog(session, clock=clock)
    start = log.renders
    user = User("burst", "Burst")
    for i in range(10_000):
        session.listeners.fire("user_created", user.replace(uid=f"burst-{i}"))
    during = log.renders - start
    assert during <= 10 * 10 + 1  # at most ten a second (and the first event at once)
    assert len(log.events) == 500
    session.listeners.flush()  # what the end of a session call does
    assert log.renders - start <= during + 1
    assert "<td>burst-9999</td>" in log.table.value


def test_a_long_burst_spaces_its_renders_out_and_a_pause_starts_afresh(
    session: Session,
) -> None:
    clock = FakeClock(step=0.001)
    log = EventLog(session, clock=clock)
    start = log.renders
    for i in range(10_000):  # ten seconds of the fake clock, no session call
        session.listeners.fire("user_created", User(f"long-{i}", "L"))
    assert log.renders - start <= 20  # the gaps grow to a second, not ten renders a second
    clock.now += 5.0  # a quiet spell
    before = log.renders
    session.listeners.fire("user_created", User("after-pause", "A"))
    assert log.renders == before + 1  # at once, as the burst's first change was
    assert "<td>after-pause</td>" in log.table.value


def test_a_session_call_always_ends_with_a_render(session: Session) -> None:
    log = EventLog(session, clock=FakeClock(step=0.0))  # time stands still: all coalesced
    start = log.renders
    session.create_users([{"uid": f"call-{i}", "name": "C"} for i in range(300)], progress=False)
    assert log.renders - start == 2  # the first event, then once at the end of the call
    assert "<td>call-299</td>" in log.table.value
    session.login("cometchat-uid-1")  # too soon to render at once, so rendered at the end
    assert "<td>login_success</td>" in log.table.value


# -- UserTable and the dashboard --------------------------------------------------------


def test_user_table_creates_and_refreshes(session: Session) -> None:
    table = UserTable(session)
    log = EventLog(session)
    table.uid.value, table.name.value = "kevin", "Kevin <b>"
    table.create.click()
    assert session.created_users[-1].uid == "kevin"
    assert (table.uid.value, table.name.value) == ("", "")
    assert "<code>kevin</code>" in table.table.value
    assert "Kevin &lt;b&gt;" in table.table.value
    session.create_user(User("from-code", "Code"))
    assert "<code>from-code</code>" in table.table.value
    session.create_users([{"uid": "from-bulk", "name": "Bulk"}], progress=False)
    assert "<code>from-bulk</code>" in table.table.value
    table.uid.value, table.name.value = "kevin", "Again"
    table.create.click()
    assert "<b>ERR_UID_ALREADY_EXISTS</b>" in table.status.value
    assert table.uid.value == "kevin"  # kept, to fix and retry
    # a refusal is the row's error, not a crash: no listener_error in the event log
    assert "not created: <code>kevin</code> Again" in table.status.value
    assert "listener_error" not in [event.name for event in log.events]
    table.uid.value, table.name.value = "ann", ""
    table.create.click()
    assert "not created: <code>ann</code>" in table.status.value
    assert "<b>INVALID_USER_NAME</b>" in table.status.value
    table.uid.value, table.name.value = "long", "N" * 200  # the service names the field
    table.create.click()
    assert "<code>name</code>: The name must not be greater than 100" in table.status.value
    table.uid.value, table.name.value = "bad uid", "X"
    table.create.click()
    assert "<b>INVALID_UID</b>" in table.status.value
    assert not table.create.disabled


def test_dashboard_composes_the_three_widgets(session: Session) -> None:
    board = session.dashboard()
    assert isinstance(board, Dashboard) and "cc-dashboard" in board._dom_classes
    parts = [board.login_form, board.event_log, board.user_table]
    assert [box.children[1] for box in board.children] == parts  # each under a heading
    assert [box.children[0].value for box in board.children] == [
        "<h3 style='margin: 0.2em 0 0.4em'>" + title + "</h3>"
        for title in ("Log in", "Event log", "Users created by this session")
    ]
    assert {w.session for w in parts} == {session}
    board.login_form.uid.value = "cometchat-uid-2"
    board.login_form.submit.click()
    board.user_table.uid.value, board.user_table.name.value = "dash", "Dash"
    board.user_table.create.click()
    assert [e.name for e in board.event_log.events] == ["login_success", "user_created"]
    assert "<code>dash</code>" in board.user_table.table.value
    assert "cometchat-uid-2" in board.login_form.status.value
    before = session.listeners.subscriber_count
    board.close()
    assert session.listeners.subscriber_count == before - 3


def test_rerunning_the_dashboard_cell_leaves_no_stale_subscribers(session: Session) -> None:
    before = session.listeners.subscriber_count
    first = session.dashboard()
    second = session.dashboard()  # the cell, run again
    assert session.listeners.subscriber_count == before + 3
    assert first.comm is None and second.comm is not None  # the first one was closed
    session.login("cometchat-uid-1")
    assert [e.name for e in second.event_log.events] == ["login_success"]
    assert first.event_log.events == []


# -- coalescing across session calls ------------------------------------------------------


def updates(widget: Any) -> list[str]:
    """Every value assigned to `widget` from now on (each one a front-end update)."""
    seen: list[str] = []
    widget.observe(lambda change: seen.append(change["new"]), names="value")
    return seen


async def settled(*widgets: Any) -> None:
    """Let the loop run until no widget has a trailing render pending (2 s at most)."""
    for _ in range(200):
        if all(not w.coalescer.pending for w in widgets):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("a trailing render never ran")


def test_a_burst_of_calls_in_a_cell_renders_once_per_interval_then_once_after(
    session: Session,
) -> None:
    """In a kernel, a cell runs on the event loop: the last render trails the cell."""
    clock = FakeClock(step=0.0005)  # four events per ms of the fake clock: 0.2 s in all
    log = EventLog(session, clock=clock, interval=0.01, shown_rows=200)
    shown = updates(log.table)

    async def cell() -> None:
        for _ in range(100):  # 200 session calls, 200 events (and a clock read per event)
            session.login("cometchat-uid-1")
            session.logout()
        during = len(shown)
        assert during <= 0.2 / 0.01 + 2  # about one per interval, not one per call
        assert shown[-1].count("<td>logout_success</td>") < 100  # the last state trails
        await settled(log)  # the cell has ended: the loop runs the trailing render
        assert len(shown) == during + 1

    asyncio.run(cell())
    assert log.events[-1].name == "logout_success"
    assert log.table.value.count("<td>logout_success</td>") == 100
    assert log.renders == len(shown) + 1  # and the first render, on creation


def test_the_last_state_always_shows(session: Session) -> None:
    log = EventLog(session, clock=FakeClock(step=0.0), interval=0.01)  # time stands still
    table = UserTable(session, clock=FakeClock(step=0.0), interval=0.01)

    async def cell() -> None:
        session.create_user(User("first", "First"))  # the first change renders at once
        session.create_user(User("last", "Last"))  # too soon: pending
        assert "<td>last</td>" not in log.table.value
        assert "<code>last</code>" not in table.table.value
        await settled(log, table)

    asyncio.run(cell())
    assert "<td>last</td>" in log.table.value
    assert "<code>last</code>" in table.table.value


def test_without_an_event_loop_each_call_ends_with_the_last_state(session: Session) -> None:
    log = EventLog(session, clock=FakeClock(step=0.0))
    shown = updates(log.table)
    for i in range(5):
        session.create_user(User(f"plain-{i}", "P"))
        assert f"<td>plain-{i}</td>" in log.table.value
    assert len(shown) == 5  # one per session call: nothing could render later
    session.listeners.fire("user_created", User("outside", "O"))  # not from a session call
    assert "<td>outside</td>" not in log.table.value
    log.refresh()
    assert "<td>outside</td>" in log.table.value


def test_a_render_left_pending_on_an_ended_loop_hides_nothing(session: Session) -> None:
    log = EventLog(session, clock=FakeClock(step=0.0), interval=10.0)

    async def main() -> None:
        session.create_user(User("in-loop-1", "L"))  # rendered at once
        session.create_user(User("in-loop-2", "L"))  # pending, on a loop about to end

    asyncio.run(main())
    assert "<td>in-loop-2</td>" not in log.table.value  # its render never ran
    session.create_user(User("after", "A"))  # no loop runs now: rendered at the end
    assert "<td>after</td>" in log.table.value


def test_closing_drops_a_pending_render(session: Session) -> None:
    log = EventLog(session, clock=FakeClock(step=0.0), interval=0.01)

    async def cell() -> None:
        session.login("cometchat-uid-1")
        session.logout()
        before = log.renders
        log.close()
        await asyncio.sleep(0.05)  # the render was due in 0.01 s
        assert log.renders == before

    asyncio.run(cell())


def test_each_event_row_is_made_once(session: Session, monkeypatch: Any) -> None:
    made: list[str] = []
    real = display.event_row

    def counting(event: Any) -> str:
        made.append(event.detail)
        return real(event)

    monkeypatch.setattr(display, "event_row", counting)
    log = EventLog(session, max_rows=10)
    for i in range(30):
        session.create_user(User(f"row-{i}", "R"))
    assert log.renders >= 30  # no loop here: a render per call
    assert sorted(made) == sorted(set(made))  # no row made twice
    assert "<td>row-29</td>" in log.table.value and "<td>row-19</td>" not in log.table.value
    log.kind.value = "user"
    log.kind.value = "all"
    assert sorted(made) == sorted(set(made))
    note, table = log.table.value.split("</div>", 1)  # what was dropped, then the table
    assert "20 older dropped (max_rows=10)" in note
    assert table == display.events_log(log.events)  # the same HTML as made afresh


# -- what a newcomer sees (issue 14) -------------------------------------------


def test_widgets_plain_text_says_what_they_are_not_their_children(session: Session) -> None:
    """A saved, not yet run notebook shows `text/plain`: no `children=(` dump."""
    board = session.dashboard()
    for widget in (board, board.login_form, board.event_log, board.user_table):
        text = widget._repr_mimebundle_()["text/plain"]
        assert "children=(" not in text
        assert text.startswith(type(widget).__name__ + ": ")
        assert "embedded emulator" in text and "comes alive when you run this cell" in text
    assert "application/vnd.jupyter.widget-view+json" in board._repr_mimebundle_()
    board.close()


def test_a_failed_login_still_says_who_is_logged_in(session: Session) -> None:
    form = LoginForm(session)
    form.uid.value = "cometchat-uid-1"
    form.submit.click()
    form.uid.value = "nobody-by-this-uid"
    form.submit.click()
    assert "<b>ERR_UID_NOT_FOUND</b>" in form.status.value
    # a new login replaces the session's user first, so nobody is left logged in
    assert session.get_logged_in_user() is None
    assert "<br>Not logged in (<code>cometchat-uid-1</code> is logged out" in form.status.value
    session.login("cometchat-uid-2")  # in code: the form follows
    assert form.status.value.startswith("Logged in as <code>cometchat-uid-2</code> (George Alan)")
    form.tabs.selected_index = 1
    form.token.value = "not-a-real-token"
    form.submit.click()
    assert "AUTH_ERR_AUTH_TOKEN_NOT_FOUND" in form.status.value
    user = session.get_logged_in_user()
    expected = "Not logged in" if user is None else f"Still logged in as <code>{user.uid}</code>"
    assert expected in form.status.value
    form.close()


def test_status_after_an_error_names_who_is_still_logged_in() -> None:
    from cometchat_nb import CometChatException
    from cometchat_nb.display.forms import status_html

    error = CometChatException("ERR_X", "it failed")
    status = status_html(User("ann", name="Ann"), error)
    assert "<b>ERR_X</b>: it failed" in status
    assert status.endswith("<br>Still logged in as <code>ann</code> (Ann)")


def test_what_listeners_print_during_a_click_shows_under_the_form(session: Session) -> None:
    session.add_login_listener(
        "printer", LoginListener(login_success=lambda user: print("hello,", user.uid))
    )
    form = LoginForm(session)
    assert form.printed.layout.display == "none"
    form.uid.value = "cometchat-uid-1"
    form.submit.click()
    assert form.printed.text == "hello, cometchat-uid-1"
    assert "hello, cometchat-uid-1" in form.printed.value
    assert form.printed.layout.display is None
    form.logout.click()  # prints nothing: the area hides again
    assert form.printed.layout.display == "none"
    session.remove_login_listener("printer")
    form.close()


def test_refresh_drops_users_deleted_since(session: Session) -> None:
    table = UserTable(session)
    for uid in ("keep-me", "delete-me"):
        table.uid.value, table.name.value = uid, uid.title()
        table.create.click()
    session.admin.delete_user("delete-me", permanent=True)
    assert "<code>delete-me</code>" in table.table.value  # nothing told the table yet
    table.refresh_button.click()
    assert "<code>delete-me</code>" not in table.table.value
    assert "<code>keep-me</code>" in table.table.value
    assert "1 user deleted since" in table.status.value
    table.uid.value, table.name.value = "delete-me", "Again"
    table.create.click()  # created again: shown again
    assert "<code>delete-me</code>" in table.table.value
    table.close()


def test_event_log_times_carry_the_date(session: Session) -> None:
    log = EventLog(session)
    session.login("cometchat-uid-1")
    date, time = "<span class='cc-nowrap'>", "</span> <span class='cc-nowrap'>"
    pattern = rf"<td>{date}\d{{4}}-\d\d-\d\d{time}\d\d:\d\d:\d\d UTC</span></td>"
    assert re.search(pattern, log.table.value)  # a narrow view wraps it there, if anywhere
    session.logout()
    log.close()


def test_the_login_form_follows_a_burst_of_calls_paced(session: Session) -> None:
    form = LoginForm(session)
    shown = updates(form.status)

    async def cell() -> None:
        for _ in range(200):
            session.login("cometchat-uid-1")
            session.logout()
        await settled(form)

    asyncio.run(cell())
    assert len(shown) <= 20  # not two per call
    assert form.status.value.startswith("Not logged in") and form.logout.disabled
    form.close()


def test_widgets_share_a_row_and_wrap_under_a_width(session: Session) -> None:
    """Beside each other each widget gets an equal share, whatever its content (an opened
    Inspector row cannot squeeze a form), never under `MIN_WIDTH`; `side_by_side` wraps."""
    from cometchat_nb import Inspector, side_by_side
    from cometchat_nb.widgets.base import MIN_WIDTH

    form, inspector = LoginForm(session), Inspector(session)
    for widget in (form, inspector, UserTable(session), EventLog(session)):
        assert (widget.layout.flex, widget.layout.min_width) == ("1 1 0%", MIN_WIDTH)
        assert widget.layout.max_width == "100%"
    row = side_by_side(form, inspector)
    assert row.layout.flex_flow == "row wrap" and form.layout.flex == "1 1 24em"
    table = UserTable(session)
    assert table.children[0].layout.flex_flow == "row wrap"  # the create row wraps too
    assert all(field.layout.width == "auto" for field in (form.uid, form.auth_key, form.token))
    row.close()


def test_a_kernel_interrupt_during_a_click_is_said_and_the_form_stays_usable(
    session: Session,
) -> None:
    """Ctrl-C (a kernel interrupt) in a click's call: the form says so and works after."""

    def interrupt(_user: object) -> None:
        raise KeyboardInterrupt

    session.add_login_listener("slow", LoginListener(login_success=interrupt))
    form, table = LoginForm(session), UserTable(session)
    form.uid.value = "cometchat-uid-1"
    form.submit.click()
    assert "<b>Interrupted</b>: the call was stopped" in form.status.value
    assert "cometchat-uid-1" in form.status.value  # and who is logged in after it
    assert not form.submit.disabled and not form.logout.disabled
    session.remove_login_listener("slow")
    session.listeners.subscribe(lambda event: interrupt(None))
    table.uid.value, table.name.value = "ctrl-c", "C"
    table.create.click()
    assert "<b>Interrupted</b>" in table.status.value and not table.create.disabled
