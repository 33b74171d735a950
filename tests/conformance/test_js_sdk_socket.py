"""The official JS SDK 4.2.0 with its socket on, against `cometchat-nb emulator` over TLS:
what the socket drives in the user-management scenario (`sdk_users.mjs`, the `users_run`
fixture, shared with `test_sdk_users.py`).

Three instances: A (P-me, presence of its friends), then B (P-bob, presence of all users),
later C (P-erin, a friend of P-me, no presence). Each connects after login; B hears erin
come and go and A go offline; A hears only its friend erin; both count the online users;
A's SDK pings and gets its pong; logout closes each socket. Nothing is rewritten: only the
client and admin hosts are overridden, the SDK builds its https:// and wss:// URLs from the
login settings.
"""

from __future__ import annotations

from typing import Any

import pytest
from emulator_process import EmulatorProcess

from cometchat_nb.emulator import APP_ID

pytestmark = pytest.mark.timeout(600)
#: Each instance, its user (as in `users_run["users"]`) and its presence subscription.
INSTANCES = {"A": ("me", "FRIENDS"), "B": ("bob", "ALL_USERS"), "C": ("erin", None)}


def _result(run: dict[str, Any], name: str) -> Any:
    (step,) = [s for s in run["steps"] if s["step"] == name]
    assert step["ok"], step
    return step["result"]


def _sockets(run: dict[str, Any], instance: str) -> list[dict[str, Any]]:
    return [s for s in run["sockets"] if s["instance"] == instance]


def _heard(run: dict[str, Any], instance: str) -> list[tuple[str, str, str]]:
    """The presence events of `instance`'s UserListener, users by name (`me`, `erin`)."""
    names = {uid: name for name, uid in run["users"].items()}
    return [
        (e["event"], names[e["uid"]], e["status"])
        for e in run["events"]
        if e["instance"] == instance and e["event"].startswith("onUser")
    ]


def test_each_socket_opens_where_the_login_settings_say(
    users_run: dict[str, Any], served_tls: EmulatorProcess
) -> None:
    host, port = served_tls.host.rsplit(":", 1)
    for instance, (name, subscription) in INSTANCES.items():
        (socket,) = _sockets(users_run, instance)  # one socket each, never reopened
        assert socket["url"] == f"wss://{host}:{port}/ws?_=:{port}" and socket["opened"]
        auth = socket["sent"][0]["frame"]
        assert auth["type"] == "auth" and auth["appId"] == APP_ID
        assert auth["sender"] == users_run["users"][name]
        assert auth["body"].get("presenceSubscription") == subscription
        answer = socket["received"][0]["frame"]
        assert answer == {"appId": APP_ID, "type": "auth", "body": {"code": "200", "status": "OK"}}
        assert _result(users_run, f"{instance}.connected") == "connected"
    connection = [(e["instance"], e["event"]) for e in users_run["events"] if "onn" in e["event"]]
    assert connection == [
        (instance, event) for instance in INSTANCES for event in ("inConnecting", "onConnected")
    ]


def test_presence_reaches_the_subscribed_instances(users_run: dict[str, Any]) -> None:
    assert _heard(users_run, "B") == [
        ("onUserOnline", "erin", "online"),
        ("onUserOffline", "erin", "offline"),
        ("onUserOffline", "me", "offline"),
    ]
    # A hears of its friend erin only: bob came online after A, and went offline after A left.
    assert _heard(users_run, "A") == [
        ("onUserOnline", "erin", "online"),
        ("onUserOffline", "erin", "offline"),
    ]
    assert _heard(users_run, "C") == []
    for instance in INSTANCES:
        received = [r["frame"] for r in _sockets(users_run, instance)[0]["received"]]
        frames = [f for f in received if f.get("type") == "presence"]
        presence = [(f["body"]["action"], f["sender"]) for f in frames]
        assert presence == [
            ("online" if event == "onUserOnline" else "offline", users_run["users"][name])
            for event, name, _ in _heard(users_run, instance)
        ]
    assert _result(users_run, "B.getUser.online")["status"] == "online"
    assert _result(users_run, "B.getUser.offline")["status"] == "offline"


def test_the_status_filter_sees_the_online_users(users_run: dict[str, Any]) -> None:
    online = [u["uid"] for s in users_run["steps"] if s["step"].startswith("list.online.p")
              for u in s["result"]]  # fmt: skip
    assert online == [users_run["users"]["me"], users_run["users"]["bob"]]


def test_the_online_count_reaches_the_emulator(
    users_run: dict[str, Any], served_tls: EmulatorProcess
) -> None:
    assert _result(users_run, "A.getOnlineUserCount") == 2
    assert _result(users_run, "B.getOnlineUserCount") == 2
    assert _result(users_run, "B.getOnlineUserCount.after") == 1  # bob alone
    counts = [r for r in users_run["requests"] if "online-members" in r["url"]]
    assert [r["url"] for r in counts] == [
        f"https://{served_tls.host}/ws?_=/api/v3.0/online-members"
    ] * 3


def test_pings_are_answered(users_run: dict[str, Any]) -> None:
    exchange = _result(users_run, "A.ping_pong")
    assert exchange["ping"] == {"action": "ping", "ack": "true"}
    assert exchange["pong"] == {"action": "pong"} and exchange["pong_seq"] > exchange["ping_seq"]
    for socket in users_run["sockets"]:  # every frame the emulator sent was JSON
        assert all(isinstance(r["frame"], dict) for r in socket["received"])


def test_logout_closes_the_socket(users_run: dict[str, Any]) -> None:
    closed = _result(users_run, "A.socket_closed")
    assert (closed["code"], closed["reason"]) == (1000, "User logged out")
    for instance in INSTANCES:
        assert _sockets(users_run, instance)[0]["close"]["code"] == 1000
