"""The official JS SDK 4.2.0 with its socket on, against `cometchat-nb emulator` over TLS.

Two SDK instances (`socket_flow.mjs`): B logs in, then A; B hears A come online and
go offline; both count the online users; A's SDK pings and gets its pong; logout
closes A's socket. Nothing is rewritten: only the client and admin hosts are
overridden, the SDK builds its https:// and wss:// URLs from the login settings.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from emulator_process import EmulatorProcess
from official_sdk import SDK_VERSION, run_script, websocket_options

from cometchat_nb.emulator import APP_ID, AUTH_KEY

UID_A, UID_B = (f"sock-{uuid.uuid4().hex[:10]}-{n}" for n in "ab")

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def run(sdk_dir: Path, certificate: tuple[Path, Path]) -> dict[str, Any]:
    """The harness's JSON report, plus the emulator's `host`."""
    cert, key = certificate
    with EmulatorProcess("--tls-cert", str(cert), "--tls-key", str(key)) as emulator:
        env = {
            "EMULATOR_HOST": emulator.host,
            "APP_ID": APP_ID,
            "AUTH_KEY": AUTH_KEY,
            "UID_A": UID_A,
            "UID_B": UID_B,
            "SDK_DIR": str(sdk_dir),
            "NODE_EXTRA_CA_CERTS": str(cert),
        }
        report = run_script("socket_flow.mjs", env, *websocket_options())
        report["host"] = emulator.host
    return report


def _result(run: dict[str, Any], name: str) -> Any:
    (step,) = [s for s in run["steps"] if s["step"] == name]
    assert step["ok"], step
    return step["result"]


def _sockets(run: dict[str, Any], instance: str) -> list[dict[str, Any]]:
    return [s for s in run["sockets"] if s["instance"] == instance]


def test_every_step_succeeds(run: dict[str, Any]) -> None:
    assert run["completed"] and run["sdk_version"] == SDK_VERSION
    assert run["uncaught"] == []
    assert [s["step"] for s in run["steps"] if not s["ok"]] == []
    for request in run["requests"]:
        assert request["url"].startswith(f"https://{run['host']}/"), request
        assert request["status"] == 200, request


def test_the_socket_opens_where_the_login_settings_say(run: dict[str, Any]) -> None:
    host, port = run["host"].rsplit(":", 1)
    for instance, uid in (("A", UID_A), ("B", UID_B)):
        (socket,) = _sockets(run, instance)  # one socket each, never reopened
        assert socket["url"] == f"wss://{host}:{port}/ws?_=:{port}" and socket["opened"]
        auth = socket["sent"][0]["frame"]
        assert auth["type"] == "auth" and auth["sender"] == uid and auth["appId"] == APP_ID
        assert auth["body"]["presenceSubscription"] == "ALL_USERS"
        answer = socket["received"][0]["frame"]
        assert answer == {"appId": APP_ID, "type": "auth", "body": {"code": "200", "status": "OK"}}
        assert _result(run, f"connected_{instance}") == "connected"
    connection = [(e["instance"], e["event"]) for e in run["events"] if "Connect" in e["event"]]
    assert connection == [
        ("B", "inConnecting"),
        ("B", "onConnected"),
        ("A", "inConnecting"),
        ("A", "onConnected"),
    ]


def test_the_second_instance_sees_presence(run: dict[str, Any]) -> None:
    presence = [
        (e["event"], e["uid"], e["status"])
        for e in run["events"]
        if e["event"].startswith("onUser")
    ]
    assert presence == [("onUserOnline", UID_A, "online"), ("onUserOffline", UID_A, "offline")]
    frames = [r["frame"] for r in _sockets(run, "B")[0]["received"]]
    announced = [(f["body"]["action"], f["sender"]) for f in frames if f.get("type") == "presence"]
    assert announced == [("online", UID_A), ("offline", UID_A)]
    assert _result(run, "getUser_A_by_B_online")["status"] == "online"
    assert _result(run, "getUser_A_by_B_offline")["status"] == "offline"


def test_the_online_count_reaches_the_emulator(run: dict[str, Any]) -> None:
    assert _result(run, "getOnlineUserCount_A") == _result(run, "getOnlineUserCount_B")
    assert _result(run, "getOnlineUserCount_B") >= 2
    assert _result(run, "getOnlineUserCount_B_after") == _result(run, "getOnlineUserCount_B") - 1
    counts = [r for r in run["requests"] if "online-members" in r["url"]]
    assert [r["url"] for r in counts] == [
        f"https://{run['host']}/ws?_=/api/v3.0/online-members"
    ] * 3


def test_pings_are_answered(run: dict[str, Any]) -> None:
    exchange = _result(run, "ping_pong_A")
    assert exchange["ping"] == {"action": "ping", "ack": "true"}
    assert exchange["pong"] == {"action": "pong"} and exchange["pong_seq"] > exchange["ping_seq"]
    for socket in run["sockets"]:  # every frame the emulator sent was JSON
        assert all(isinstance(r["frame"], dict) for r in socket["received"])


def test_logout_closes_the_socket(run: dict[str, Any]) -> None:
    closed = _result(run, "A_socket_closed")
    assert (closed["code"], closed["reason"]) == (1000, "User logged out")
    for instance in ("A", "B"):
        assert _sockets(run, instance)[0]["close"]["code"] == 1000
