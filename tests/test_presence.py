"""Presence: logins and WebSockets drive who is online (sdk-users spec 4, 5).

In-process through sessions; served through a real WebSocket client (the
`websockets` package) speaking the SDK's frames, beside sessions over HTTP.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets

from cometchat_nb import AsyncSession, CometChatException, Emulator, Session
from cometchat_nb.emulator import APP_ID, AUTH_KEY, REST_API_KEY
from cometchat_nb.emulator.server import Server

pytestmark = pytest.mark.timeout(120)
#: How long a test waits for a frame it expects (a bound, not a measurement).
WAIT = 10


def _status(emulator: Emulator, uid: str) -> str:
    return emulator.users[uid].status


def test_a_login_is_online_until_its_logout(emulator: Emulator) -> None:
    with Session(emulator=emulator) as session:
        session.login("cometchat-uid-1")
        assert session.get_online_user_count() == 1
        assert session.get_user("cometchat-uid-1").status == "online"
        session.logout()
    assert _status(emulator, "cometchat-uid-1") == "offline"
    with Session(emulator=emulator) as session:
        session.login("cometchat-uid-2")
        assert session.get_online_user_count() == 1  # uid-1 left


async def test_the_async_twin_counts_the_same(emulator: Emulator) -> None:
    async with AsyncSession(emulator=emulator) as session:
        await session.login("cometchat-uid-1")
        assert await session.get_online_user_count() == 1
        await session.logout()
        await session.login("cometchat-uid-2")
        assert await session.get_online_user_count() == 1
        await session.logout()
        with pytest.raises(CometChatException) as raised:
            await session.get_online_user_count()
    assert raised.value.code == "USER_NOT_LOGED_IN"


def test_the_count_needs_a_login(emulator: Emulator) -> None:
    with Session(emulator=emulator) as session:
        with pytest.raises(CometChatException) as raised:
            session.get_online_user_count()
    assert raised.value.code == "USER_NOT_LOGED_IN"
    assert emulator.requests == []  # refused before anything was sent


def test_the_jwt_is_never_shown(emulator: Emulator) -> None:
    with Session(emulator=emulator) as session:
        session.login("cometchat-uid-1")
        session.get_online_user_count()
        jwt = session.store.load(APP_ID)["session"]["jwt"]
        (count,) = [e for e in session.wire if e.path.endswith("/online-members")]
        shown = [count.curl(), repr(count), str(count), json.dumps(session.wire.har())]
    assert all(jwt not in text for text in shown)


# -- served: the login settings, the count route, the WebSocket ----------------------


@pytest.fixture
def served(emulator: Emulator) -> Iterator[Server]:
    with emulator.serve(port=0) as server:
        yield server


def _login(server: Server, uid: str, device: str) -> dict[str, Any]:
    """A login as the SDK makes it (mint a token, `PUT /me`): the `/me` data."""
    with httpx.Client(base_url=f"{server.url}/v3.0", headers={"appId": APP_ID}) as http:
        minted = http.post(f"/users/{uid}/auth_tokens", headers={"apiKey": AUTH_KEY})
        token = minted.json()["data"]["authToken"]
        me = http.put("/me", headers={"authToken": token, "resource": device}, json={})
    data: dict[str, Any] = me.json()["data"]
    return data


def _socket_url(me: dict[str, Any]) -> str:
    """The URL the SDK opens (spec 5.1), on plain ws:// as this server is not TLS."""
    settings = me["settings"]
    return f"ws://{settings['CHAT_HOST']}:{settings['CHAT_WSS_PORT']}"


def _auth(
    me: dict[str, Any], device: str, subscription: str | None = "ALL_USERS", roles: Any = None
) -> str:
    body: dict[str, Any] = {"auth": me["jwt"], "deviceId": device}
    if subscription is not None:
        body["presenceSubscription"] = subscription
    if roles is not None:
        body["roles"] = roles
    frame = {"appId": APP_ID, "deviceId": device, "type": "auth", "sender": me["uid"]}
    return json.dumps({**frame, "body": body})


@asynccontextmanager
async def _socket(me: dict[str, Any], device: str, **options: Any) -> AsyncIterator[Any]:
    """A socket authenticated as the SDK does it, its auth answer checked."""
    async with websockets.connect(_socket_url(me)) as socket:
        await socket.send(_auth(me, device, **options))
        answer = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
        assert answer == {"appId": APP_ID, "type": "auth", "body": {"code": "200", "status": "OK"}}
        yield socket


async def _next(socket: Any) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
    return frame


def _count(server: Server, me: dict[str, Any], via_socket_path: bool = True) -> httpx.Response:
    """The online count as the SDK sends it: to its chat host (http://, as this server is
    not TLS), with the JWT in `Authorization`; or to the route's own path."""
    url = f"http://{me['settings']['CHAT_HOST']}/api/v3.0/online-members"
    if not via_socket_path:
        url = f"{server.url}/api/v3.0/online-members"
    return httpx.post(url, headers={"appId": APP_ID, "Authorization": me["jwt"]})


def test_login_settings_name_this_server(served: Server) -> None:
    me = _login(served, "cometchat-uid-1", "device-1")
    host = served.url.split("://", 1)[1]
    assert me["settings"]["CHAT_HOST"] == f"{host}/ws?_="
    assert me["settings"]["CHAT_WSS_PORT"] == str(served.port)
    for via_socket_path in (True, False):
        answer = _count(served, me, via_socket_path)
        assert answer.json() == {"data": {"onlineUsersCount": 1}}


def test_a_public_host_without_a_port_is_the_chat_host() -> None:
    emulator = Emulator(public_host="chat.example.test")
    with emulator.serve(port=0) as server:
        settings = _login(server, "cometchat-uid-1", "device-1")["settings"]
    assert (settings["CHAT_HOST"], settings["CHAT_WSS_PORT"]) == ("chat.example.test", "443")


def test_a_revoked_or_forged_jwt_is_refused(served: Server) -> None:
    me = _login(served, "cometchat-uid-1", "device-1")
    forged = {**me, "jwt": me["jwt"][:-2] + ("AA" if not me["jwt"].endswith("AA") else "BB")}
    assert _count(served, forged).json()["error"]["code"] == "AUTH_ERR_INVALID_JWT"
    with httpx.Client(base_url=f"{served.url}/v3.0") as http:
        http.delete("/me", headers={"appId": APP_ID, "authToken": me["authToken"]})
    refused = _count(served, me)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "AUTH_ERR_INVALID_JWT"


async def test_a_socket_keeps_its_user_online_and_others_hear_of_it(
    served: Server, emulator: Emulator
) -> None:
    watcher = _login(served, "cometchat-uid-2", "device-watch")
    async with _socket(watcher, "device-watch") as watching:
        me = _login(served, "cometchat-uid-1", "device-1")  # online from the login
        online = await _next(watching)
        assert (online["type"], online["sender"], online["deviceId"]) == (
            "presence",
            "cometchat-uid-1",
            "device-1",
        )
        assert online["body"]["action"] == "online"
        assert online["body"]["user"]["status"] == "available"
        assert online["body"]["user"]["avatar"].startswith(f"{served.url}/_emulator/avatars/")
        async with _socket(me, "device-1") as socket:
            await socket.send(json.dumps({"action": "ping", "ack": "true"}))
            assert await _next(socket) == {"action": "pong"}
            listed = httpx.get(
                f"{served.url}/v3.0/users",
                params={"status": "available", "per_page": 100},
                headers={"appId": APP_ID, "authToken": watcher["authToken"]},
            ).json()["data"]
            assert {u["uid"] for u in listed} == {"cometchat-uid-1", "cometchat-uid-2"}
            assert _count(served, watcher).json()["data"]["onlineUsersCount"] == 2
        offline = await _next(watching)  # its only socket closed
        assert (offline["body"]["action"], offline["sender"]) == ("offline", "cometchat-uid-1")
        assert offline["body"]["user"]["status"] == "offline"
        assert _status(emulator, "cometchat-uid-1") == "offline"  # stored before it was sent


async def test_logout_with_an_open_socket_sends_one_offline(served: Server) -> None:
    watcher = _login(served, "cometchat-uid-2", "device-watch")
    async with _socket(watcher, "device-watch") as watching:
        me = _login(served, "cometchat-uid-1", "device-1")
        assert (await _next(watching))["body"]["action"] == "online"
        async with _socket(me, "device-1"):
            with httpx.Client(base_url=f"{served.url}/v3.0") as http:
                headers = {"appId": APP_ID, "authToken": me["authToken"], "resource": "device-1"}
                assert http.delete("/me", headers=headers).status_code == 200
            assert (await _next(watching))["body"]["action"] == "offline"
        # The socket closing after its logout says nothing more: the next frame is a ping's.
        await watching.send(json.dumps({"action": "ping", "ack": "true"}))
        assert await _next(watching) == {"action": "pong"}


async def test_odd_frames_and_bad_auth_keep_the_socket_open(served: Server) -> None:
    me = _login(served, "cometchat-uid-1", "device-1")
    async with websockets.connect(_socket_url(me)) as socket:
        for odd in ("not json", "[1, 2]", json.dumps({"type": "typing"}), b"\x00binary"):
            await socket.send(odd)
        await socket.send(_auth({**me, "jwt": "not.a.jwt"}, "device-1"))
        refused = await _next(socket)
        assert refused["body"]["code"] == "401" and refused["body"]["status"] == "ERROR"
        await socket.send(_auth(me, "device-1"))
        assert (await _next(socket))["body"] == {"code": "200", "status": "OK"}


async def test_subscriptions_choose_who_hears(served: Server) -> None:
    quiet = _login(served, "cometchat-uid-2", "device-quiet")
    by_role = _login(served, "cometchat-uid-3", "device-roles")
    defaults = _login(served, "cometchat-uid-4", "device-defaults")
    async with (
        _socket(quiet, "device-quiet", subscription=None) as unsubscribed,
        _socket(by_role, "device-roles", subscription="ROLES", roles=["mod"]) as other_roles,
        _socket(defaults, "device-defaults", subscription="ROLES", roles=["default"]) as hears,
    ):
        _login(served, "cometchat-uid-1", "device-1")  # role "default"
        assert (await _next(hears))["sender"] == "cometchat-uid-1"
        for socket in (unsubscribed, other_roles):
            await socket.send(json.dumps({"action": "ping", "ack": "true"}))
            assert await _next(socket) == {"action": "pong"}  # the first frame since auth


def _rest(server: Server, method: str, path: str, body: dict[str, Any]) -> Any:
    """A REST API call (API key) to the served emulator; its `data`."""
    headers = {"appId": APP_ID, "apiKey": REST_API_KEY}
    answer = httpx.request(method, f"{server.url}/v3.0{path}", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def test_a_friends_subscription_hears_only_friends(served: Server) -> None:
    _rest(served, "POST", "/users/cometchat-uid-3/friends", {"accepted": ["cometchat-uid-1"]})
    me = _login(served, "cometchat-uid-3", "device-3")
    async with _socket(me, "device-3", subscription="FRIENDS") as socket:
        _login(served, "cometchat-uid-2", "device-2")  # not a friend: nothing is sent
        _login(served, "cometchat-uid-1", "device-1")
        heard = await _next(socket)  # the first frame since auth (frames keep their order)
        assert (heard["sender"], heard["body"]["action"]) == ("cometchat-uid-1", "online")


async def _closed(socket: Any) -> tuple[int | None, str | None]:
    await asyncio.wait_for(socket.wait_closed(), WAIT)
    return socket.close_code, socket.close_reason


@pytest.mark.parametrize(
    ("method", "path", "body", "reason"),
    [
        ("DELETE", "/users", {"uidsToDeactivate": ["cometchat-uid-1"]}, "User deactivated"),
        ("DELETE", "/users/cometchat-uid-1", {}, "User deactivated"),
        ("DELETE", "/users/cometchat-uid-1", {"permanent": True}, "User deleted"),
    ],
)
async def test_a_user_deactivated_or_deleted_loses_its_sockets_and_goes_offline(
    served: Server, method: str, path: str, body: dict[str, Any], reason: str
) -> None:
    watcher = _login(served, "cometchat-uid-2", "device-watch")
    async with _socket(watcher, "device-watch") as watching:
        me = _login(served, "cometchat-uid-1", "device-1")
        assert (await _next(watching))["body"]["action"] == "online"
        async with _socket(me, "device-1") as socket:
            await asyncio.to_thread(_rest, served, method, path, body)
            assert await _closed(socket) == (1000, reason)
        offline = await _next(watching)  # one offline, at the change: the close adds none
        assert (offline["sender"], offline["body"]["action"]) == ("cometchat-uid-1", "offline")
        await watching.send(json.dumps({"action": "ping", "ack": "true"}))
        assert await _next(watching) == {"action": "pong"}
        assert _count(served, watcher).json()["data"]["onlineUsersCount"] == 1


async def test_a_reset_closes_every_socket(served: Server, emulator: Emulator) -> None:
    me = _login(served, "cometchat-uid-1", "device-1")
    async with _socket(me, "device-1") as socket:
        await asyncio.to_thread(emulator.reset)
        assert await _closed(socket) == (1000, "Emulator reset")


def test_a_socket_off_the_socket_paths_is_refused(served: Server) -> None:
    async def connect() -> None:
        async with websockets.connect(f"ws://127.0.0.1:{served.port}/elsewhere"):
            pass

    with pytest.raises(websockets.InvalidStatus):
        asyncio.run(connect())
