"""The wire inspector's data: each call's requests in order, attempts, no secret anywhere."""

from __future__ import annotations

import io
import json
from argparse import Namespace

import pytest

from cometchat_nb import AsyncSession, Emulator, Inspector, Retry, Session, User
from cometchat_nb.check import run as check_command
from cometchat_nb.emulator import RateLimiter, Server
from cometchat_nb.transcript import Body, Exchange

AUTH_KEY = "AUTHKEYdistinctive0000000000000000000000zz"
REST_KEY = "RESTKEYdistinctive0000000000000000000000yy"


def calls(session: Session, since: int = 0) -> list[tuple[str, str, int | None]]:
    return [(e.method, e.path, e.status) for e in list(session.wire)[since:]]


def test_each_call_shows_exactly_its_requests_in_order(server: Server) -> None:
    with Session(emulator=server) as session:
        session.login("cometchat-uid-1")
        assert calls(session) == [
            ("POST", "/v3.0/users/cometchat-uid-1/auth_tokens", 200),
            ("PUT", "/v3.0/me", 200),
        ]
        session.logout()
        assert calls(session, 2) == [("DELETE", "/v3.0/me", 200)]
        token = session.admin.create_auth_token("cometchat-uid-2")
        session.login(auth_token=token)
        assert calls(session, 4) == [("PUT", "/v3.0/me", 200)]
        frame = session.transcript()
    assert list(frame["method"]) == ["POST", "PUT", "DELETE", "POST", "PUT"]
    assert list(frame["status"]) == [200] * 5 and (frame["elapsed_ms"] > 0).all()
    assert list(frame["number"]) == [1, 2, 3, 4, 5]


def test_a_failed_request_shows_its_status(session: Session) -> None:
    with pytest.raises(Exception):  # noqa: B017 (any error: what matters is the record)
        session.login("nobody-here")
    assert calls(session) == [("POST", "/v3.0/users/nobody-here/auth_tokens", 404)]


def test_a_retried_request_shows_its_attempts() -> None:
    now = [1_717_000_020.0]
    emulator = Emulator(
        clock=lambda: now[0], rate_limiter=RateLimiter(limits={"core": 1}, enforce=True)
    )

    def next_window(seconds: float) -> None:
        now[0] += 60

    with Session(emulator=emulator, retry=Retry(attempts=2), sleep=next_window) as session:
        session.create_user({"uid": "first", "name": "F"})
        session.create_user({"uid": "second", "name": "S"})
        frame = session.transcript()
    assert list(zip(frame["status"], frame["attempt"], strict=True)) == [
        (200, 1), (429, 1), (200, 2),
    ]  # fmt: skip
    assert list(frame["rate_limit_remaining"])[-1] == 0


def test_no_secret_anywhere_in_the_record() -> None:
    emulator = Emulator(auth_key=AUTH_KEY, rest_api_key=REST_KEY)
    with emulator.serve() as server, Session(emulator=server) as session:
        secrets = [AUTH_KEY, REST_KEY]
        session.create_user({"uid": "kevin", "name": "Kevin"})
        user = session.login("kevin")
        stored = session.store.load(session.app_id)["session"]
        secrets += [stored["authToken"], stored["jwt"], stored["wsChannel"]["secret"]]
        token = session.admin.create_auth_token("kevin")
        secrets.append(token.auth_token.reveal())
        session.admin.delete_auth_token("kevin", token)
        session.logout()
        with pytest.raises(Exception):  # noqa: B017
            session.login(auth_token=token)
        assert user.auth_token is not None
        shown = [
            session.transcript().to_csv(),
            json.dumps(session.wire.har()),
            *(e.curl() for e in session.wire),
            *(repr(e) + str(e) for e in session.wire),
            *(json.dumps([e.request_headers, e.request_body, e.response_headers,
                          e.response_body, e.url]) for e in session.wire),
        ]  # fmt: skip
    leaks = [s[:12] for s in secrets if any(s in text for text in shown)]
    assert leaks == []
    assert any("${AUTH_TOKEN}" in text for text in shown)


def test_the_har_log_is_har_1_2(session: Session) -> None:
    session.login("cometchat-uid-1")
    har = session.wire.har()["log"]
    assert har["version"] == "1.2" and har["creator"]["name"] == "cometchat-nb"
    entry = har["entries"][0]
    assert entry["request"]["method"] == "POST" and entry["response"]["status"] == 200
    assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)
    assert json.loads(entry["request"]["postData"]["text"])["platform"] == "WEB"


def test_http_events_reach_the_subscribers_that_ask(session: Session) -> None:
    wire, rest = [], []
    session.listeners.subscribe(wire.append, http=True)
    session.listeners.subscribe(rest.append)
    session.login("cometchat-uid-1")
    assert [e.name for e in wire] == ["http", "http", "login_success"]
    assert [e.name for e in rest] == ["login_success"]
    assert wire[0].detail.startswith("POST /v3.0/users/cometchat-uid-1/auth_tokens → 200")


def test_check_reports_a_revoked_token_and_leaves_the_session(session: Session) -> None:
    assert session.check().ok and session.check().line("REST API key").verdict == "checked"
    session.login("cometchat-uid-1")
    report = session.check()
    assert report.ok and report.line("login").verdict == "checked"
    assert report.logged_in == "cometchat-uid-1"
    session.admin.flush_auth_tokens("cometchat-uid-1")
    report = session.check()
    assert not report.ok and "AUTH_ERR_AUTH_TOKEN_NOT_FOUND" in str(report)
    assert session.get_logged_in_user() is not None  # reported, not acted on
    assert "PROBLEM" in report._repr_html_() and "c3d4" in str(report)


def test_check_from_the_command_line(monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.split("://")[1])
    out = io.StringIO()
    assert check_command(Namespace(), out) == 0
    assert f"emulator at {server.url}" in out.getvalue()
    server.stop()
    out = io.StringIO()
    assert check_command(Namespace(), out) == 1
    assert "FAILED_TO_FETCH" in out.getvalue()


async def test_the_async_twin_records_and_checks(emulator: Emulator) -> None:
    async with AsyncSession(emulator=emulator) as session:
        await session.login("cometchat-uid-1")
        assert (await session.check()).ok
    assert [e.method for e in session.wire] == ["POST", "PUT", "GET", "GET"]  # /me, /users


def test_the_inspector_shows_each_request_open_to_its_redacted_json() -> None:
    emulator = Emulator(auth_key=AUTH_KEY, rest_api_key=REST_KEY)
    with Session(emulator=emulator) as session:
        session.create_user({"uid": "kevin", "name": "Kevin"})  # before: from the transcript
        inspector = Inspector(session, interval=0)
        session.login("kevin")
        token = session.store.load(session.app_id)["session"]["authToken"]
        session.logout()
        assert [e.method for e in inspector.exchanges] == ["POST", "POST", "PUT", "DELETE"]
        html = inspector.table.value
        assert html.count("<details class='cc-exchange'>") == 4
        assert "/v3.0/users/kevin/auth_tokens" in html and "${API_KEY}" in html
        state = json.dumps(inspector.get_state(), default=str) + json.dumps(inspector.har())
        for secret in (AUTH_KEY, REST_KEY, token):
            assert secret not in html and secret not in state
        inspector.clear_button.click()
        assert inspector.exchanges == [] and "no requests yet" in inspector.table.value
        inspector.close()


def test_each_inspector_row_is_made_once(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []  # the number of each exchange whose `curl` (in its row) was made
    real = Exchange.curl

    def counting(exchange: Exchange) -> str:
        made.append(exchange.number)
        return real(exchange)

    monkeypatch.setattr(Exchange, "curl", counting)
    with Session(emulator=emulator) as session:
        inspector = Inspector(session, max_rows=3, interval=0)
        for i in range(8):
            session.create_user({"uid": f"row-{i}", "name": "R"})
        assert inspector.coalescer.renders >= 8  # interval 0: a render per request
        assert sorted(made) == sorted(set(made))  # no row made twice
        html = inspector.table.value
        assert html.count("<details class='cc-exchange'>") == 3
        assert "row-7" in html and "row-4" not in html
        inspector.clear_button.click()
        session.create_user({"uid": "row-8", "name": "R"})
        assert sorted(made) == sorted(set(made))
        assert "row-8" in inspector.table.value and "row-7" not in inspector.table.value
        inspector.close()


def test_recording_can_be_turned_off(emulator: Emulator) -> None:
    with Session(emulator=emulator, keep_requests=0) as session:
        inspector = Inspector(session, interval=0)
        session.login("cometchat-uid-1")
        assert len(session.wire) == 0 and session.transcript().empty
        assert "keeps no requests (Session(keep_requests=0))" in inspector.table.value
        inspector.close()
    with pytest.raises(ValueError, match="keep_requests"):
        Session(emulator=emulator, keep_requests=-1)


def test_the_inspectors_curl_runs_against_a_served_emulator(server: Server) -> None:
    """Served: `curl` and HAR name the server's own URL. Embedded: a note says why not."""
    with Session(emulator=server) as served:
        inspector = Inspector(served, interval=0)
        served.login("cometchat-uid-1")
        served.get_user("cometchat-uid-2")
        html = inspector.table.value
        assert f"{server.url}/v3.0/users/cometchat-uid-2" in html
        assert "emulator.invalid" not in html and "cc-curl-note" not in html
        assert "comment" not in inspector.har()["log"]
        inspector.close()
    with Session(emulator=server.emulator) as embedded:
        inspector = Inspector(embedded, interval=0)
        embedded.login("cometchat-uid-3")
        html = inspector.table.value
        assert "cc-curl-note" in html and "serve an emulator (cometchat-nb emulator)" in html
        assert "COMETCHAT_EMULATOR_HOST" in inspector.har()["log"]["comment"]
        inspector.close()


def test_each_inspector_row_puts_the_status_first(session: Session) -> None:
    inspector = Inspector(session, interval=0)
    session.login("cometchat-uid-1")
    session.get_user("cometchat-uid-2")
    summaries = inspector.table.value.split("<summary>")[1:]
    assert summaries and all(s.startswith("<span class='cc-ok'>200</span> ") for s in summaries)
    inspector.close()


def test_listing_200000_users_keeps_the_transcript_within_its_budget(emulator: Emulator) -> None:
    emulator.add_users(User(f"bulk-{i:06d}", name=f"Bulk {i}") for i in range(200_000))
    budget = 1_000_000
    with emulator.serve() as server, Session(emulator=server, keep_bytes=budget) as session:
        seen = sum(1 for _ in session.admin.list_users(per_page=1000))
        wire = session.wire
        pages = -(-seen // 1000)
        assert seen == 200_005 and wire.recorded == pages
        assert 0 < wire.bytes <= budget and len(wire) < pages
        assert len(wire) + wire.dropped == wire.recorded  # every exchange counted
        assert wire.cut == pages - 1  # each full page's body over 16 KiB, kept as its head
        assert f"{wire.dropped:,} older dropped" in repr(wire)
        *_, last, five = list(wire)
        assert len(five.response_body["data"]) == 5  # the last page, whole
        assert last.response_body.endswith(" kept]") and "body cut" in last.response_body
        content = last.har()["response"]["content"]
        assert content["size"] > 16 * 1024 >= len(content["text"].encode()) - 64
        assert "body cut" in content["comment"]
        inspector = Inspector(session, interval=0)
        assert "older dropped" in inspector.summary.value
        inspector.close()


def test_a_body_cut_short_masks_a_secret_it_ends_inside() -> None:
    token = "kevin_1717000000" + "a" * 30
    content = json.dumps({"data": {"authToken": token, "pad": "x" * 40}}).encode()
    for limit in (30, 45, len(content) - 5):
        body = Body(content, limit)
        assert body.cut and token[:10] not in body.text() and token[-8:] not in body.text()
    whole = Body(content, 1000)
    assert not whole.cut and whole.value()["data"]["authToken"] == "••••aaaa"


def test_the_budgets_are_checked(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="keep_bytes"):
        Session(emulator=emulator, keep_bytes=-1)
    with pytest.raises(TypeError, match="keep_bytes"):
        Session(emulator=emulator, keep_bytes=1.5)  # type: ignore[arg-type]
    with Session(emulator=emulator, keep_bytes=0) as session:
        session.login("cometchat-uid-1")
        assert len(session.wire) == 0 and session.wire.dropped == session.wire.recorded == 2
