"""`Emulator.serve()` and `COMETCHAT_EMULATOR_HOST`: sessions over real HTTP."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
import time
from pathlib import Path

import httpx
import pytest

from cometchat_nb import AsyncSession, Emulator, Session, User
from cometchat_nb.emulator import APP_ID, AUTH_KEY, RemoteEmulator
from cometchat_nb.emulator.server import Server


def host_of(server: Server) -> str:
    return server.url.split("://", 1)[1]


def test_serve_binds_a_free_port_and_stops(emulator: Emulator) -> None:
    with emulator.serve(port=0) as server:
        assert server.running and server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert "running" in repr(server)
        assert httpx.options(f"{server.url}/anything", timeout=5).status_code == 204
    assert not server.running and "stopped" in repr(server)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/v3/users", timeout=5)
    with socket.socket() as again:  # the port is free once more
        again.bind(("127.0.0.1", server.port))


def test_a_session_talks_to_the_served_emulator_over_http(
    emulator: Emulator, server: Server
) -> None:
    with Session(emulator=server) as session:
        assert session.emulator is emulator
        session.create_user(User("alice", "Alice"))
        user = session.login("alice")
        assert user.auth_token is not None
        assert session.get_user("alice").name == "Alice"
        assert session.update_current_user_details({"name": "Alice B"}).name == "Alice B"
        stored = session.store.load(APP_ID)["session"]["settings"]
        assert stored["CLIENT_API_HOST"] == stored["ADMIN_API_HOST"] == host_of(server)
        session.logout()
        assert session.get_logged_in_user() is None
    # Every request came through the socket: uvicorn passed the real Host header on.
    assert {r.headers["host"] for r in emulator.requests} == {host_of(server)}
    assert [r.url.path for r in emulator.requests] == [
        "/v3.0/users",
        "/v3.0/users/alice/auth_tokens",
        "/v3.0/me",
        "/v3.0/users/alice",
        "/v3.0/me",
        "/v3.0/me",
    ]


async def test_an_async_session_over_http(emulator: Emulator, server: Server) -> None:
    async with AsyncSession(emulator=server) as session:
        await session.create_user(User("bob", "Bob"))
        assert (await session.login("bob")).uid == "bob"
        assert (await session.get_user("cometchat-uid-2")).name == "George Alan"
        await session.logout()
    assert len(emulator.requests) == 5


def test_uvicorn_leaves_logging_alone(emulator: Emulator) -> None:
    before = (
        list(logging.root.handlers),
        logging.root.level,
        list(logging.getLogger("uvicorn").handlers),
    )
    with emulator.serve(port=0) as server:
        httpx.get(f"{server.url}/nowhere", timeout=5)
    after = (
        list(logging.root.handlers),
        logging.root.level,
        list(logging.getLogger("uvicorn").handlers),
    )
    assert after == before


def test_a_busy_port_fails_to_start(emulator: Emulator) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(OSError):
            emulator.serve(port=busy.getsockname()[1])


def test_start_is_idempotent_and_tls_needs_both_files(emulator: Emulator) -> None:
    with emulator.serve(port=0) as server:
        port = server.port
        assert server.start() is server and server.port == port
    with pytest.raises(ValueError, match="both tls_cert and tls_key"):
        Server(emulator, tls_cert="cert.pem")


def test_tls(emulator: Emulator, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    with emulator.serve(port=0, tls_cert=cert, tls_key=key) as server:
        assert server.url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(cert))
        with httpx.Client(base_url=server.url, verify=context, timeout=10) as client:
            token = client.post(
                "/v3.0/users/cometchat-uid-1/auth_tokens", headers={"apiKey": AUTH_KEY}
            ).json()["data"]["authToken"]
            me = client.put("/v3.0/me", headers={"authToken": token}, json={}).json()["data"]
        assert me["settings"]["CLIENT_API_HOST"] == host_of(server)
        with pytest.raises(httpx.ConnectError):  # a client that does not trust it is refused
            httpx.get(f"{server.url}/v3/users", timeout=5)


def test_public_host_is_named_in_settings() -> None:
    emulator = Emulator(public_host="chat.example.test:443")
    with emulator.serve(port=0) as server, Session(emulator=server) as session:
        session.login("cometchat-uid-1")
        settings = session.store.load(APP_ID)["session"]["settings"]
    assert settings["CLIENT_API_HOST"] == "chat.example.test:443"


# -- COMETCHAT_EMULATOR_HOST ---------------------------------------------------


def test_emulator_host_variable_sends_a_plain_session_there(
    server: Server, monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", host_of(server))
    with Session() as session:
        assert session.emulator == RemoteEmulator(server.url, APP_ID, "eu")
        assert session.app_id == APP_ID
        assert "EMULATOR" in repr(session)
        session.login("cometchat-uid-3")
        assert session.admin.get_user("cometchat-uid-3").is_online
    assert emulator.requests  # served by this emulator, not the embedded one


def test_emulator_host_with_variables_overriding_keys_and_app(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", f"http://{host_of(server)}/")
    monkeypatch.setenv("COMETCHAT_AUTH_KEY", "not-the-key")
    with Session() as session, pytest.raises(Exception) as failure:
        session.login("cometchat-uid-1")
    assert getattr(failure.value, "code", None) == "AUTH_ERR_APIKEY_NOT_FOUND"
    assert "not-the-key" not in str(failure.value)

    monkeypatch.delenv("COMETCHAT_AUTH_KEY")
    monkeypatch.setenv("COMETCHAT_APP_ID", "another-app")
    with Session() as session, pytest.raises(Exception) as failure:
        session.login("cometchat-uid-1")
    assert getattr(failure.value, "code", None) == "AUTH_ERR_INVALID_APPID"


def test_a_remote_emulator_handle(server: Server) -> None:
    remote = RemoteEmulator.at(host_of(server))
    assert remote.url == server.url and remote.app_id == APP_ID
    assert RemoteEmulator.at("https://emu.test:8443", region="EU").url == "https://emu.test:8443"
    assert RemoteEmulator.at("https://emu.test:8443", region="EU").region == "eu"
    with Session(emulator=remote) as session:
        assert session.get_user("cometchat-uid-4").name == "Susan Marie"
    for bad in ("", "  ", "ftp://x:1", "has space:1", "http://", "h:port", "h:1?q=1"):
        with pytest.raises(ValueError, match="not an emulator address"):
            RemoteEmulator.at(bad)


def test_an_app_id_that_is_not_the_emulators_is_refused(server: Server) -> None:
    with pytest.raises(ValueError, match="does not match"):
        Session(emulator=server, app_id="other")
    with pytest.raises(ValueError, match="does not match"):
        Session(emulator=RemoteEmulator.at(host_of(server)), region="us")


def test_a_served_emulators_logins_stay_apart_from_real_apps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With COMETCHAT_APP_ID set for a real app, an emulator login must not land in (or be
    restored from) the real app's session file, which would send the real keys elsewhere."""
    monkeypatch.setenv("COMETCHAT_APP_ID", "real-app")
    monkeypatch.setenv("COMETCHAT_AUTH_KEY", "real-auth-key-000000000000")
    with Emulator(app_id="real-app").serve(port=0) as server:
        monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.removeprefix("http://"))
        with Session(auth_key=server.emulator.auth_key) as on_emulator:
            on_emulator.login("cometchat-uid-1")
        monkeypatch.delenv("COMETCHAT_EMULATOR_HOST")
        with Session() as real:
            assert real.emulator is None
            assert real.get_logged_in_user() is None


async def test_the_adapter_reads_at_most_one_mebibyte_and_a_byte() -> None:
    """A client cannot make the served emulator buffer more than that."""
    from cometchat_nb.emulator.call import MAX_BODY
    from cometchat_nb.emulator.server import read_body

    chunks = [b"x" * 65536] * 100  # 6.25 MiB offered
    consumed = 0

    async def receive() -> dict[str, object]:
        nonlocal consumed
        chunk = chunks.pop(0)
        consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    body = await read_body(receive)
    assert body is not None and len(body) == MAX_BODY + 1
    assert consumed <= MAX_BODY + 65536


@pytest.mark.parametrize("stored", ["in memory", "in SQLite"])
def test_served_requests_overlap_during_their_latency(stored: str, tmp_path: Path) -> None:
    """32 creates at once, each delayed 2 s: all are in flight together, none waits for
    another (the served emulator used to hold at most ~6, in its thread pool); in SQLite,
    the commits run on a writer thread."""
    data = tmp_path / "emulator.db" if stored == "in SQLite" else None
    emulator = Emulator(latency=2.0, data=data)
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, emulator.in_flight)
            time.sleep(0.005)

    async def burst(url: str) -> list[int]:
        limits = httpx.Limits(max_connections=32)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
            headers = {"appId": APP_ID, "apiKey": emulator.rest_api_key.reveal()}
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/v3/users", json={"uid": f"burst-{i}", "name": "B"}, headers=headers
                    )
                    for i in range(32)
                )
            )
        return [a.status_code for a in answers]

    watcher = threading.Thread(target=watch)
    with emulator.serve(port=0) as server:
        watcher.start()
        try:
            statuses = asyncio.run(burst(server.url))
        finally:
            done.set()
            watcher.join()
    assert statuses == [200] * 32
    assert peak == 32
    assert emulator.in_flight == 0
    assert len(emulator.users) == 5 + 32
    emulator.close()
