"""Tests of signup.py on cometchat-nb's emulator: no account, no network, no credentials."""

from __future__ import annotations

from importlib.util import find_spec

import pytest

from cometchat_nb import Session
from signup import sign_up


def test_sign_up_creates_the_user_and_a_token_that_logs_in(cometchat_session):
    token = sign_up("ann", "Ann", cometchat_session)
    assert cometchat_session.emulator.users["ann"].name == "Ann"
    assert cometchat_session.login(auth_token=token).uid == "ann"


def test_signing_up_twice_keeps_one_user(cometchat_session):
    sign_up("ann", "Ann", cometchat_session)
    sign_up("ann", "Ann", cometchat_session)
    assert [uid for uid in cometchat_session.emulator.users if uid == "ann"] == ["ann"]


def test_code_that_makes_its_own_session(cometchat_server):
    # COMETCHAT_EMULATOR_HOST points at the served emulator, so a plain Session() goes there.
    sign_up("bob", "Bob")
    emulator = cometchat_server.emulator
    assert "bob" in emulator.users
    log = emulator.request_log()  # redacted: no key or token in it
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/v3/users", 200),
        ("POST", "/v3/users/bob/auth_tokens", 200),
    ]


def test_state_saved_and_restored(cometchat_emulator, cometchat_session):
    sign_up("cy", "Cy", cometchat_session)
    saved = cometchat_emulator.export_state()  # JSON-able: json.dump it to a file
    cometchat_emulator.reset()
    assert "cy" not in cometchat_emulator.users
    cometchat_emulator.import_state(saved)
    assert cometchat_emulator.users["cy"].name == "Cy"


@pytest.mark.skipif(
    find_spec("cometchat_nb.emulator.faults") is None,
    reason="fault injection (emulator.faults) is not in this version of cometchat-nb",
)
def test_a_503_on_create_is_tried_again(cometchat_session):
    faults = cometchat_session.emulator.faults
    faults.inject("status", status=503, method="POST", path="/users", times=1)
    assert sign_up("dee", "Dee", cometchat_session)
    statuses = [e["status"] for e in cometchat_session.emulator.request_log()]
    assert 503 in statuses
    assert "dee" in cometchat_session.emulator.users


def test_a_served_emulator_scripted_over_http(cometchat_server, cometchat_remote):
    # cometchat_remote drives the served emulator over HTTP, as another process would:
    # the next create answers 503, and sign_up's own Session() (COMETCHAT_EMULATOR_HOST)
    # meets it there.
    cometchat_remote.faults.inject("status", status=503, method="POST", path="/users", times=1)
    assert sign_up("eve", "Eve").uid == "eve"
    assert [rule.fired for rule in cometchat_remote.faults.rules] == [1]
    log = cometchat_remote.request_log()  # the faulted request is marked
    assert (log[0]["path"], log[0]["status"], log[0]["fault"]) == ("/v3/users", 503, "status")
    assert "eve" in cometchat_server.emulator.users
    cometchat_remote.reset()  # users, tokens, requests and faults
    assert cometchat_remote.faults.rules == []


@pytest.mark.cometchat_live
def test_against_the_real_app():
    # Runs only with COMETCHAT_APP_ID, COMETCHAT_REGION and COMETCHAT_REST_API_KEY set.
    with Session() as session:
        try:
            token = sign_up("nb-docs-testing-1", "Docs Example", session)
            assert token.uid == "nb-docs-testing-1"
        finally:
            session.admin.delete_user("nb-docs-testing-1", permanent=True)
