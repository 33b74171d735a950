"""The control plane as a service: faults scripted over HTTP as in-process, GET/PUT symmetry,
the index, the request log's size and what it dropped."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cometchat_nb import Emulator
from cometchat_nb.emulator import AUTH_KEY, REST_API_KEY, EmulatorControlError, RemoteEmulator
from cometchat_nb.emulator.server import Server

KEY = {"apiKey": REST_API_KEY}


@pytest.fixture
def remote(server: Server) -> RemoteEmulator:
    return RemoteEmulator.at(server.url)


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=2) as c:
        yield c


def create(client: httpx.Client, uid: str, timeout: float = 2) -> httpx.Response:
    body = {"uid": uid, "name": uid}
    return client.post("/v3/users", json=body, headers={"apiKey": AUTH_KEY}, timeout=timeout)


# -- faults over HTTP reproduce the in-process fault tests, kind by kind -----------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_status_over_http(
    remote: RemoteEmulator, client: httpx.Client, emulator: Emulator, status: int
) -> None:
    rule = remote.faults.inject("status", method="POST", path="/users", times=1, status=status)
    assert rule.describe()["fired"] == 0
    answer = create(client, "five")
    assert answer.status_code == status and answer.json()["error"]["code"] == "ERR_EXCEPTION"
    assert "five" not in emulator.users
    assert create(client, "five").status_code == 200
    assert remote.faults.injected == {"status": 1} == emulator.faults.injected
    assert [r.fired for r in remote.faults.rules] == [1]


def test_rate_limit_over_http(remote: RemoteEmulator, client: httpx.Client) -> None:
    remote.faults.inject("rate_limit", path="/users", times=1, retry_after=7)
    answer = create(client, "limited")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"


@pytest.mark.parametrize(("kind", "acted"), [("drop_before", False), ("drop_after", True)])
def test_drops_over_http(
    remote: RemoteEmulator, client: httpx.Client, emulator: Emulator, kind: str, acted: bool
) -> None:
    remote.faults.inject(kind, method="POST", times=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        create(client, "dropped")
    assert ("dropped" in emulator.users) is acted


def test_truncate_and_not_json_over_http(remote: RemoteEmulator, client: httpx.Client) -> None:
    remote.faults.inject("truncate", method="POST", times=1, keep=0.5)
    remote.faults.inject("not_json", method="POST", times=1)
    with pytest.raises(ValueError):
        create(client, "cut").json()
    assert b"<html>" in create(client, "html").content
    assert remote.faults.injected == {"truncate": 1, "not_json": 1}


def test_timeout_and_latency_over_http(
    remote: RemoteEmulator, client: httpx.Client, emulator: Emulator
) -> None:
    remote.faults.inject("timeout", method="POST", times=1, hold=5)
    with pytest.raises(httpx.TimeoutException):
        create(client, "slow", timeout=0.3)
    assert "slow" in emulator.users
    remote.faults.inject("latency", path="/users/*", times=1, seconds=0.05)
    assert client.get("/v3/users/slow", headers=KEY).status_code == 200  # late, but answered
    assert remote.faults.injected == {"timeout": 1, "latency": 1}


def test_a_seeded_rate_over_http_repeats_the_in_process_run(remote: RemoteEmulator) -> None:
    def run(emulator: Emulator | RemoteEmulator, client: httpx.Client) -> list[int]:
        emulator.faults.clear()
        emulator.faults.inject(["status", "rate_limit"], rate=0.3, seed=42)
        return [client.get("/v3/users", headers=KEY).status_code for _ in range(60)]

    local = Emulator()
    with httpx.Client(transport=local.transport(), base_url="http://e") as c:
        in_process = run(local, c)
    with httpx.Client(base_url=remote.url) as c:
        served = run(remote, c)
    assert served == in_process and any(s != 200 for s in served)
    assert remote.faults.injected == local.faults.injected


def test_faults_are_in_the_request_log_and_reset_clears_them(
    remote: RemoteEmulator, client: httpx.Client
) -> None:
    remote.faults.inject("status", times=1)
    create(client, "logged")
    create(client, "logged")
    log = remote.request_log()
    assert [e.get("fault") for e in log] == ["status", None]
    assert [(f.number, f.kind, f.path) for f in remote.faults.log] == [(1, "status", "/users")]
    remote.faults.inject("status")
    remote.reset()
    assert remote.faults.export() == {"rules": [], "injected": {}, "log": []}
    assert create(client, "after").status_code == 200


def test_a_bad_rule_is_refused_by_both_and_changes_nothing(
    remote: RemoteEmulator, client: httpx.Client
) -> None:
    with pytest.raises(ValueError):
        remote.faults.inject("explode")  # checked before sending
    answer = client.post("/_emulator/faults", json={"kind": "status", "status": 418}, headers=KEY)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "ERR_BAD_REQUEST"
    with pytest.raises(EmulatorControlError, match="times must be at least 1"):
        remote.faults.load({"rules": [{"kind": "latency", "times": 0}]})
    assert remote.faults.rules == []


# -- GET and PUT are symmetric: in-process and served -------------------------------------


def test_faults_round_trip_in_process_and_served(
    remote: RemoteEmulator, client: httpx.Client, emulator: Emulator
) -> None:
    emulator.faults.inject("status", method="POST", path="/users", times=2, status=502)
    emulator.faults.inject(["latency", "truncate"], path="/me", rate=0.5, seed=3, seconds=0.01)
    assert create(client, "one").status_code == 502
    got = remote.faults.export()
    assert got == emulator.faults.export()
    remote.faults.clear()
    remote.faults.load(got)
    assert remote.faults.export() == got
    emulator.faults.clear()
    emulator.faults.load(got)
    assert emulator.faults.export() == got
    whole = client.get("/_emulator/faults", headers=KEY).json()
    assert client.put("/_emulator/faults", json=whole, headers=KEY).status_code == 200
    assert remote.faults.export() == got
    assert create(client, "two").status_code == 502  # the rule fired once; one more to go
    assert create(client, "two").status_code == 200


def test_state_put_takes_what_get_gave(
    remote: RemoteEmulator, client: httpx.Client, server: Server
) -> None:
    create(client, "kept")
    got = client.get("/_emulator/state", headers=KEY).json()
    avatars = [u["avatar"] for u in got["data"]["users"] if "avatar" in u]
    assert avatars and all(a.startswith(f"{server.url}/_emulator/avatars/") for a in avatars)
    remote.reset()
    answer = client.put("/_emulator/state", json=got, headers=KEY)  # the envelope, as given
    assert answer.status_code == 200, answer.text
    assert client.get("/_emulator/state", headers=KEY).json() == got
    listed = client.get("/v3/users", headers=KEY).json()["data"]
    assert all(u["avatar"].startswith(server.url) for u in listed if "avatar" in u)


def test_settings_round_trip(remote: RemoteEmulator, emulator: Emulator) -> None:
    settings = remote.export_settings()
    assert settings == emulator.export_settings()
    changed = {**settings, "latency": 0.01, "request_log_size": 7}
    changed["rate_limits"] = {**settings["rate_limits"], "enforce": True, "core": 99}
    remote.import_settings(changed)
    assert remote.export_settings() == changed == emulator.export_settings()
    emulator.import_settings(settings)
    assert remote.export_settings() == settings
    with pytest.raises(EmulatorControlError) as raised:
        remote.import_settings({"latency": -1})
    assert raised.value.code == "ERR_BAD_REQUEST" and remote.export_settings() == settings


# -- the log's size, what it dropped, and what the emulator serves ------------------------


def test_the_request_log_says_what_it_dropped(remote: RemoteEmulator, client: httpx.Client) -> None:
    remote.import_settings({"request_log_size": 3})
    for _ in range(5):
        client.get("/v3/users", headers=KEY)
    log = remote.request_log()
    assert len(log) == 3 and log.dropped == 2 and log.size == 3
    meta = client.get("/_emulator/requests", headers=KEY).json()["meta"]
    assert meta == {"dropped": 2, "size": 3}


def test_request_log_size_in_process() -> None:
    emulator = Emulator(keep_requests=0)
    with httpx.Client(transport=emulator.transport(), base_url="http://e") as client:
        client.get("/v3/users", headers=KEY)
    log = emulator.request_log()
    assert log == [] and log.dropped == 1
    with pytest.raises(ValueError):
        Emulator(keep_requests=-1)


def test_the_index_and_the_root_list_what_is_served(client: httpx.Client) -> None:
    index = client.get("/_emulator/")  # no key: it lists routes, not secrets
    assert index.status_code == 200
    routes = {(r["method"], r["path"]) for r in index.json()["data"]["control"]}
    for method in ("GET", "PUT", "POST", "DELETE"):
        assert (method, "/_emulator/faults") in routes
    assert {("GET", "/_emulator/state"), ("PUT", "/_emulator/settings")} <= routes
    root = client.get("/")
    assert root.status_code == 200
    assert "POST /users" in root.json()["data"]["api"]
    assert REST_API_KEY not in root.text and AUTH_KEY not in root.text
