"""Rich reprs: content, escaping of hostile strings, stable ids, and never a secret."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from cometchat_nb import (
    AuthToken,
    CometChatException,
    Emulator,
    Event,
    InvalidInputError,
    LoginListener,
    Secret,
    Session,
    User,
    UserList,
)
from cometchat_nb import display as d
from cometchat_nb.emulator import AUTH_KEY, REST_API_KEY

HOSTILE = "<script>alert(1)</script>"


def assert_escaped(html: str) -> None:
    """No raw hostile markup, and the escaped form is what is shown."""
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def assert_no_secret(text: str, *secrets: str) -> None:
    for value in (AUTH_KEY, REST_API_KEY, *secrets):
        assert value not in text


def test_user_card_shows_the_user_escaped(session: Session) -> None:
    user = session.create_user(
        User(
            "mallory",
            HOSTILE,
            tags=[HOSTILE],
            metadata={"k": HOSTILE},
            link="https://x.test/?a=1&b=2",
            avatar="https://x.test/a.png",
            status_message=HOSTILE,
        )
    )
    html = user._repr_html_()
    assert_escaped(html)
    assert "<code>mallory</code>" in html
    for label in ("role", "status", "tags", "metadata", "created", "status message"):
        assert f"<th>{label}</th>" in html
    assert "<img class='cc-avatar' src='https://x.test/a.png'" in html
    assert "href='https://x.test/?a=1&amp;b=2'" in html
    assert (
        "<pre class='cc-text-repr-fallback' style='white-space: pre-wrap; word-break: normal"
        in html
    )
    assert "--jp-content-font-color0" in html  # built on JupyterLab's variables


def test_a_script_url_is_never_a_link_or_an_image() -> None:
    html = User(
        "eve", "Eve", link="javascript:alert(1)", avatar="javascript:alert(2)"
    )._repr_html_()
    assert "href=" not in html
    assert "<img" not in html
    assert "<td>javascript:alert(1)</td>" in html  # shown as text


def test_a_logged_in_user_card_never_shows_its_token(session: Session) -> None:
    user = session.login("cometchat-uid-1")
    token = user.auth_token
    assert token is not None
    html = user._repr_html_()
    assert token.reveal() not in html
    assert "held by the session" in html


def test_ids_are_derived_from_content() -> None:
    alice = User("alice", "Alice", created_at=datetime(2024, 5, 29, tzinfo=UTC))
    first, again = (
        alice._repr_html_(),
        User("alice", "Alice", created_at=alice.created_at)._repr_html_(),
    )
    assert first == again
    ids = re.findall(r"id='(cc-user-[0-9a-f]{12})'", first)
    assert len(ids) == 1
    assert ids[0] not in User("bob", "Bob")._repr_html_()


def test_user_list_is_a_table_and_truncates_long_lists() -> None:
    users = UserList(User(f"u{i}", HOSTILE if i == 0 else f"User {i}") for i in range(120))
    html = users._repr_html_()
    assert_escaped(html)
    assert "<th>uid</th>" in html
    assert html.count("<tr><td>") == 50 + 1  # 25 + 25 rows and the gap row
    assert "… 70 more users …" in html
    assert "<code>u0</code>" in html and "<code>u119</code>" in html
    assert "<code>u60</code>" not in html
    assert "<span class='cc-dim'>0</span>" in UserList()._repr_html_()


def test_created_users_is_a_user_list(session: Session) -> None:
    session.create_user(User("kevin", "Kevin"))
    users = session.created_users
    assert isinstance(users, UserList)
    assert "<code>kevin</code>" in users._repr_html_()


def test_auth_token_repr_masks_the_token(session: Session) -> None:
    token = session.admin.create_auth_token("cometchat-uid-2")
    html = token._repr_html_()
    value = token.auth_token.reveal()
    assert_no_secret(html, value)
    assert value not in repr(token)
    assert f"<td>{token.auth_token.masked}</td>" in html
    assert "<code>cometchat-uid-2</code>" in html
    hostile = AuthToken(HOSTILE, Secret("x" * 40))._repr_html_()
    assert_escaped(hostile)


def test_error_repr_shows_code_message_and_field_details() -> None:
    exc = InvalidInputError(
        "ERR_BAD_REQUEST",
        f"bad {HOSTILE}",
        details={"name": ["The name field is required."], "tags.0": [HOSTILE]},
        http_status=400,
    )
    html = exc._repr_html_()
    assert_escaped(html)
    assert "<code>ERR_BAD_REQUEST</code>" in html
    assert "<th><code>tags.0</code></th>" in html
    assert "The name field is required." in html
    assert "<td>400</td>" in html
    assert "InvalidInputError" in html


def test_error_repr_masks_a_token_in_its_message() -> None:
    token = "alice_1717000123" + "2e75ee126cf4bfa0398cd3c7f980a1"
    html = CometChatException("X", f"token {token} rejected", details={"t": token})._repr_html_()
    assert token not in html
    assert "••••" in html


def test_service_error_repr(session: Session) -> None:
    with pytest.raises(CometChatException) as info:
        session.get_user("nobody-here")
    html = info.value._repr_html_()
    assert "ERR_UID_NOT_FOUND" in html and "<td>404</td>" in html
    assert_no_secret(html)


def test_event_repr_escapes_detail() -> None:
    event = Event(datetime(2024, 5, 29, tzinfo=UTC), "user", "user_created", HOSTILE)
    html = event._repr_html_()
    assert_escaped(html)
    assert "<td>user_created</td>" in html


def test_session_repr_on_the_emulator(session: Session) -> None:
    session.create_user(User("mallory", HOSTILE))
    session.add_login_listener(HOSTILE, LoginListener(login_success=lambda user: None))
    user = session.login("mallory")
    html = session._repr_html_()
    assert_escaped(html)
    assert "cc-badge-emulator'>EMULATOR<" in html
    assert "emulator (in-process)" in html
    assert "<code>mallory</code>" in html
    assert "last 2 events" in html and "<td>login_success</td>" in html
    assert "<th>login listeners</th>" in html
    assert user.auth_token is not None
    assert_no_secret(html, user.auth_token.reveal())
    assert "••••a1b2" in html  # the auth key, masked


def test_session_repr_on_a_real_app_has_no_emulator_badge() -> None:
    with Session("my-app", "us", auth_key="k" * 40, rest_api_key="r" * 40) as live:
        html = live._repr_html_()
    assert "EMULATOR" not in html
    assert "cc-badge-live'>LIVE<" in html
    assert "<code>my-app</code>" in html
    assert "nobody" in html
    assert_no_secret(html, "k" * 40, "r" * 40)


def test_emulator_repr(emulator: Emulator) -> None:
    html = emulator._repr_html_()
    assert "EMULATOR" in html
    assert "<th>users</th><td>5</td>" in html
    assert_no_secret(html)
    emulator.add_users(User(f"crowd-{i}", name="Crowd") for i in range(1000))
    assert "<th>users</th><td>1,005</td>" in emulator._repr_html_()


def test_every_repr_has_exactly_one_style_block_and_fallback(session: Session) -> None:
    for html in (
        session._repr_html_(),
        session.created_users._repr_html_(),
        User("a", "A")._repr_html_(),
        session.emulator._repr_html_(),
        CometChatException("X", "y")._repr_html_(),
    ):
        assert html.startswith(d.CSS)
        assert html.count("<style>") == 1
        assert html.count("class='cc-text-repr-fallback'") == 1


def test_importing_the_package_imports_neither_pandas_nor_ipywidgets() -> None:
    code = textwrap.dedent("""
        import sys
        import cometchat_nb
        heavy = [m for m in ("pandas", "ipywidgets") if m in sys.modules]
        assert not heavy, heavy
        cometchat_nb.Session  # the core is there
        assert cometchat_nb.LoginForm.__name__ == "LoginForm"  # lazily importable
        assert "ipywidgets" in sys.modules
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
