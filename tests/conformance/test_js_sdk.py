"""CometChat's official JS SDK 4.2.0, run by Node against `cometchat-nb emulator` (spec 11).

The SDK is installed from npm into a cache outside the repo (never vendored).
Without Node or npm the test skips, except under `CI=true`, where it fails.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_process import EmulatorProcess
from official_sdk import SDK_VERSION, run_scenario

from cometchat_nb.emulator import APP_ID, AUTH_KEY
from cometchat_nb.secret import service_masked

UID = f"conf-{uuid.uuid4().hex[:12]}"
NAME = f"Conformance {UID}"
NAME2 = f"{NAME} (updated)"

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def run(sdk_dir: Path) -> dict[str, Any]:
    """The harness's JSON report, plus what the emulator says afterwards (`after`)."""
    with EmulatorProcess() as emulator:
        report = run_scenario("sdk_flow.mjs", emulator, UID, sdk_dir)
        tokens = report.get("tokens") or {}
        with httpx.Client(base_url=emulator.url + "/v3.0", timeout=10) as client:
            report["after"] = {
                name: client.get("/me", headers={"appId": APP_ID, "authToken": token}).json()
                for name, token in (("T", tokens.get("T")), ("T2", tokens.get("T2")))
                if token
            }
    return report


def _step(run: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [s for s in run["steps"] if s["step"] == name]
    assert len(matches) == 1, f"step {name} ran {len(matches)} times"
    return matches[0]


def _requests(run: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [r for r in run["requests"] + run["extra_requests"] if r["step"] == name]


def _fails(
    run: dict[str, Any], name: str, code: str, events: list[str], requests: int
) -> dict[str, Any]:
    step = _step(run, name)
    assert not step["ok"], step
    assert step["error"]["code"] == code, step["error"]
    assert step["events"] == events
    assert step["request_count"] == requests
    return step


def test_the_scenario_ran_to_the_end(run: dict[str, Any]) -> None:
    assert run["completed"], run.get("aborted") or run.get("fatal")
    assert run["sdk"]["version"] == SDK_VERSION
    assert run["uncaught"] == []
    assert all(s["error"] is None or s["error"]["code"] != "HARNESS_TIMEOUT" for s in run["steps"])


def test_exactly_the_fifteen_requests_of_the_whole_scenario(run: dict[str, Any]) -> None:
    token_path = f"/v3.0/users/{UID}/auth_tokens"
    expected = [
        ("9.createUser", "POST", "/v3.0/users", 200),
        ("10.createUser_duplicate", "POST", "/v3.0/users", 400),
        ("12-15.login_uid_authKey", "POST", token_path, 200),
        ("12-15.login_uid_authKey", "PUT", "/v3.0/me", 200),
        ("16.wait_user_sessions", "POST", "/v3.0/user_sessions", 200),
        ("20.updateCurrentUserDetails", "PUT", "/v3.0/me", 200),
        ("21.getUser", "GET", f"/v3.0/users/{UID}", 200),
        ("21.getUser_unknown", "GET", f"/v3.0/users/{UID}-missing", 404),
        ("22-23.logout", "DELETE", "/v3.0/me", 200),
        ("24.logout_logged_out", "DELETE", "/v3.0/me", 401),
        ("25.login_T2", "PUT", "/v3.0/me", 200),
        ("27.logout", "DELETE", "/v3.0/me", 200),
        ("28.login_unknown_uid", "POST", f"/v3.0/users/{UID}-missing/auth_tokens", 404),
        ("29.login_wrong_authKey", "POST", token_path, 401),
        ("30.login_unknown_token", "PUT", "/v3.0/me", 401),
    ]
    seen = [(r["step"], r["method"], r["path"], r.get("status")) for r in run["requests"]]
    assert seen == expected
    for request in run["requests"] + run["extra_requests"]:
        assert not request.get("blocked"), request
        assert request["url"].startswith(f"https://{run['emulator_host']}/v3.0/"), request["url"]
        assert request["headers"]["appId"] == APP_ID


def test_every_answer_has_exactly_one_of_data_or_error(run: dict[str, Any]) -> None:
    for request in run["requests"] + run["extra_requests"]:
        body = request["response"]
        assert isinstance(body, dict) and len({"data", "error"} & body.keys()) == 1, request
        if "data" in body:
            assert request["status"] == 200 and body["data"] is not None
        else:
            assert set(body["error"]) >= {"code", "message", "devMessage", "source"}


def test_each_request_carries_one_credential_as_the_sdk_sends_it(run: dict[str, Any]) -> None:
    apikey_steps = {"9.createUser", "10.createUser_duplicate", "28.login_unknown_uid"}
    for request in run["requests"]:
        headers = request["headers"]
        if request["step"] == "24.logout_logged_out":
            # The SDK sends logout without any credential when nobody is logged in.
            assert "apiKey" not in headers and "authToken" not in headers
        elif request["step"] in apikey_steps or request["path"].endswith("/auth_tokens"):
            assert "authToken" not in headers and headers["apiKey"], request
        else:
            assert "apiKey" not in headers and headers["authToken"], request


def test_local_validation_reaches_no_endpoint(run: dict[str, Any]) -> None:
    _fails(run, "11.createUser_empty_authKey", "INVALID_AUTH_KEY", [], 0)
    _fails(run, "11.createUser_no_name", "USER_NAME_IS_COMPULSORY", [], 0)
    _fails(run, "18.login_no_args", "MISSING_PARAMETERS", ["loginFailure"], 0)
    _fails(run, "18.login_empty_authKey", "MISSING_PARAMETERS", ["loginFailure"], 0)
    before = _step(run, "19.getLoggedinUser_before_login")
    assert before["ok"] and before["result"] is None and before["request_count"] == 0


def test_create_user_and_duplicate(run: dict[str, Any]) -> None:
    created = _step(run, "9.createUser")
    assert created["ok"] and created["events"] == []
    assert created["result"]["uid"] == UID and created["result"]["name"] == NAME
    (request,) = _requests(run, "9.createUser")
    assert request["headers"]["apiKey"] == AUTH_KEY
    assert request["body"]["uid"] == UID and request["body"]["name"] == NAME
    data = request["response"]["data"]
    assert {k: data[k] for k in ("uid", "name", "status", "role")} == {
        "uid": UID,
        "name": NAME,
        "status": "offline",
        "role": "default",
    }
    assert isinstance(data["createdAt"], int) and "authToken" not in data

    step = _fails(run, "10.createUser_duplicate", "ERR_UID_ALREADY_EXISTS", [], 1)
    assert step["error"]["message"] == (
        f"The uid {UID} already exists. Please use another uid or try after permanently "
        "deleting the user."
    )


def test_login_with_uid_and_auth_key(run: dict[str, Any]) -> None:
    step = _step(run, "12-15.login_uid_authKey")
    assert step["ok"] and step["events"] == ["loginSuccess"]
    token = step["result"]["authToken"]
    assert re.fullmatch(rf"{re.escape(UID)}_\d{{10}}[0-9a-f]{{30}}", token)
    assert step["result"]["uid"] == UID
    mint, me = _requests(run, "12-15.login_uid_authKey")
    assert mint["headers"]["apiKey"] == AUTH_KEY and "force" not in mint["body"]
    assert mint["body"]["platform"] == "WEB"
    assert set(mint["response"]["data"]) == {"uid", "authToken", "createdAt"}
    assert mint["response"]["data"]["authToken"] == token
    assert me["headers"]["authToken"] == token
    data = me["response"]["data"]
    assert data["uid"] == UID and data["name"] == NAME and data["status"] == "online"
    assert data["authToken"] == token and isinstance(data["jwt"], str)
    assert isinstance(data["wsChannel"], dict)
    assert isinstance(data["lastActiveAt"], int) and data["role"] == "default"
    settings = data["settings"]
    assert settings["CLIENT_API_HOST"] == settings["ADMIN_API_HOST"] == run["emulator_host"]
    assert settings["CHAT_API_VERSION"] == "v3.0" and settings["APP_VERSION"] == 4
    assert settings["ANALYTICS_PING_DISABLED"] is True
    (event,) = [e for e in run["events"] if e["step"] == "12-15.login_uid_authKey"]
    assert event["uid"] == UID and event["authToken"] == token
    assert event["seq"] < step["settled_seq"]  # fired before login() resolved


def test_telemetry_is_accepted(run: dict[str, Any]) -> None:
    step = _step(run, "16.wait_user_sessions")
    assert step["result"]["found"] and step["result"]["status"] == 200
    (request,) = _requests(run, "16.wait_user_sessions")
    assert request["response"]["data"] == {"sessionId": request["body"]["sessionId"]}


def test_logged_in_calls(run: dict[str, Any]) -> None:
    token = run["tokens"]["T"]
    again = _step(run, "17.login_again")
    assert again["ok"] and again["request_count"] == 0 and again["events"] == ["loginSuccess"]
    who = _step(run, "19.getLoggedinUser")
    assert who["request_count"] == 0
    assert who["result"]["uid"] == UID and who["result"]["authToken"] == token

    update = _step(run, "20.updateCurrentUserDetails")
    assert update["ok"] and update["events"] == [] and update["result"]["name"] == NAME2
    (request,) = _requests(run, "20.updateCurrentUserDetails")
    assert request["body"]["name"] == NAME2
    data = request["response"]["data"]
    assert data["name"] == NAME2 and isinstance(data["updatedAt"], int)
    assert data["authToken"] == token
    assert {"jwt", "wsChannel", "settings"} <= data.keys()

    got = _step(run, "21.getUser")
    assert got["ok"] and got["result"]["uid"] == UID and got["result"]["name"] == NAME2
    missing = _fails(run, "21.getUser_unknown", "ERR_UID_NOT_FOUND", [], 1)
    unknown = f"{UID}-missing"
    assert missing["error"]["message"] == (
        f"The UID {unknown} does not exist, please make sure you have created a user with "
        f"UID {unknown}."
    )


def test_logout_and_logout_when_logged_out(run: dict[str, Any]) -> None:
    step = _step(run, "22-23.logout")
    assert step["ok"] and step["events"] == ["logoutSuccess"]
    (request,) = _requests(run, "22-23.logout")
    assert request["response"] == {
        "data": {"success": True, "message": "User logged out successfully."}
    }
    assert [e["argc"] for e in run["events"] if e["step"] == "22-23.logout"] == [0]
    assert _step(run, "23.getLoggedinUser_after_logout")["result"] is None

    _fails(run, "24.logout_logged_out", "USER_NOT_LOGED_IN", ["logoutSuccess"], 1)
    (request,) = _requests(run, "24.logout_logged_out")
    assert request["response"]["error"]["code"] == "AUTH_ERR_EMPTY_AUTH_TOKEN"
    # The token of the first login was revoked by that logout.
    assert run["after"]["T"]["error"]["code"] == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"


def test_login_with_a_minted_token_and_restore(run: dict[str, Any]) -> None:
    token = run["tokens"]["T2"]
    assert run["mint"]["status"] == 200 and run["mint"]["response"]["data"]["uid"] == UID
    step = _step(run, "25.login_T2")
    assert step["ok"] and step["events"] == ["loginSuccess"] and step["request_count"] == 1
    assert step["result"]["authToken"] == token
    (request,) = _requests(run, "25.login_T2")
    assert request["method"] == "PUT" and request["headers"]["authToken"] == token
    assert request["response"]["data"]["authToken"] == token

    restore = run["restore"]
    assert restore["ok"] and restore["request_count"] == 0 and restore["events"] == []
    assert restore["continued_on"] == "B"

    logout = _step(run, "27.logout")
    assert logout["ok"] and logout["events"] == ["logoutSuccess"]
    (request,) = _requests(run, "27.logout")
    assert request["headers"]["authToken"] == token and request["status"] == 200
    assert run["after"]["T2"]["error"]["code"] == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"


def test_failing_logins(run: dict[str, Any]) -> None:
    unknown = f"{UID}-missing"
    step = _fails(run, "28.login_unknown_uid", "ERR_UID_NOT_FOUND", ["loginFailure"], 1)
    assert step["error"]["name"] is None
    (event,) = [e for e in run["events"] if e["step"] == "28.login_unknown_uid"]
    assert event["code"] == "ERR_UID_NOT_FOUND" and unknown in event["message"]

    step = _fails(run, "29.login_wrong_authKey", "AUTH_ERR_APIKEY_NOT_FOUND", ["loginFailure"], 1)
    shown = service_masked(run["tokens"]["wrong_key"])
    assert step["error"]["message"] == f"The key {shown} does not exist. Please use correct apiKey."

    step = _fails(
        run,
        "30.login_unknown_token",
        "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
        ["loginFailure", "logoutSuccess"],
        1,
    )
    assert run["tokens"]["unknown_token"] in step["error"]["message"]
    assert _step(run, "30.getLoggedinUser_after")["result"] is None


def test_a_normal_login_after_the_failures(run: dict[str, Any]) -> None:
    step = _step(run, "31.login_after_failures")
    assert step["ok"] and step["events"] == ["loginSuccess"]
    assert [(r["method"], r["path"], r["status"]) for r in run["extra_requests"]] == [
        ("POST", f"/v3.0/users/{UID}/auth_tokens", 200),
        ("PUT", "/v3.0/me", 200),
    ]
    assert _step(run, "31.getLoggedinUser")["result"]["uid"] == UID


def test_the_listener_event_sequence(run: dict[str, Any]) -> None:
    events = [(e["step"], e["event"]) for e in run["events"]]
    assert events == [
        ("18.login_no_args", "loginFailure"),
        ("18.login_empty_authKey", "loginFailure"),
        ("12-15.login_uid_authKey", "loginSuccess"),
        ("17.login_again", "loginSuccess"),
        ("22-23.logout", "logoutSuccess"),
        ("24.logout_logged_out", "logoutSuccess"),
        ("25.login_T2", "loginSuccess"),
        ("27.logout", "logoutSuccess"),
        ("28.login_unknown_uid", "loginFailure"),
        ("29.login_wrong_authKey", "loginFailure"),
        ("30.login_unknown_token", "loginFailure"),
        ("30.login_unknown_token", "logoutSuccess"),
        ("31.login_after_failures", "loginSuccess"),
    ]
    assert all(e["argc"] == 0 for e in run["events"] if e["event"] == "logoutSuccess")
