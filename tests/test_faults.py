"""Fault injection (`Emulator.faults`): every kind in-process and served, scripted and at a rate."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from cometchat_nb import Emulator
from cometchat_nb.emulator.defaults import APP_ID, AUTH_KEY, REST_API_KEY
from cometchat_nb.emulator.faults import EXTENSION, KINDS

HEADERS = {"appId": APP_ID, "apiKey": REST_API_KEY}


@pytest.fixture(params=["in-process", "served"])
def http(request: pytest.FixtureRequest, emulator: Emulator) -> Iterator[httpx.Client]:
    """A plain httpx client on the emulator, in-process or over real HTTP."""
    if request.param == "in-process":
        with httpx.Client(transport=emulator.transport(), base_url="http://emulator") as client:
            yield client
        return
    with emulator.serve(port=0) as server, httpx.Client(base_url=server.url, timeout=2) as client:
        yield client


def create(http: httpx.Client, uid: str, timeout: float | None = None) -> httpx.Response:
    extra = {} if timeout is None else {"timeout": timeout}
    headers = {"appId": APP_ID, "apiKey": AUTH_KEY}
    return http.post("/v3/users", json={"uid": uid, "name": uid}, headers=headers, **extra)  # type: ignore[arg-type]


def test_no_fault_unless_injected(http: httpx.Client, emulator: Emulator) -> None:
    assert create(http, "plain").status_code == 200
    assert emulator.faults.injected == {} and emulator.faults.log == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_status_answers_an_envelope_and_does_nothing(
    http: httpx.Client, emulator: Emulator, status: int
) -> None:
    emulator.faults.inject("status", method="POST", path="/users", times=1, status=status)
    answer = create(http, "five")
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == "ERR_EXCEPTION"
    assert "five" not in emulator.users
    assert create(http, "five").status_code == 200  # times=1: once only
    assert emulator.faults.injected == {"status": 1}


def test_rate_limit_sends_retry_after(http: httpx.Client, emulator: Emulator) -> None:
    emulator.faults.inject("rate_limit", path="/users", times=1, retry_after=7)
    answer = create(http, "limited")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    assert answer.json()["error"]["code"] == "ERR_TOO_MANY_REQUESTS"
    assert "limited" not in emulator.users


@pytest.mark.parametrize(("kind", "acted"), [("drop_before", False), ("drop_after", True)])
def test_drops_close_the_connection(
    http: httpx.Client, emulator: Emulator, kind: str, acted: bool
) -> None:
    emulator.faults.inject(kind, method="POST", times=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        create(http, "dropped")
    assert ("dropped" in emulator.users) is acted
    assert http.get("/v3/users/cometchat-uid-1", headers=HEADERS).status_code == 200  # still up


def test_truncate_cuts_the_answer_after_acting(http: httpx.Client, emulator: Emulator) -> None:
    emulator.faults.inject("truncate", method="POST", times=1, keep=0.5)
    answer = create(http, "cut")
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    whole = http.get("/v3/users/cut", headers=HEADERS)
    assert 0 < len(answer.content) < len(whole.content)
    assert "cut" in emulator.users


def test_not_json_answers_html_after_acting(http: httpx.Client, emulator: Emulator) -> None:
    emulator.faults.inject("not_json", path="/users", times=1)
    answer = create(http, "html")
    assert answer.headers["Content-Type"] == "text/html" and b"<html>" in answer.content
    assert "html" in emulator.users


def test_timeout_is_the_client_timeout(http: httpx.Client, emulator: Emulator) -> None:
    emulator.faults.inject("timeout", method="POST", times=1, hold=5)
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        create(http, "slow", timeout=0.3)
    assert time.monotonic() - started < 3
    assert "slow" in emulator.users  # the service acted; its answer never came in time


def test_latency_delays_with_jitter(http: httpx.Client, emulator: Emulator) -> None:
    emulator.faults.inject("latency", path="/users/*", times=2, seconds=0.2, jitter=0.05)
    for _ in range(2):
        started = time.monotonic()
        assert http.get("/v3/users/cometchat-uid-1", headers=HEADERS).status_code == 200
        assert 0.14 <= time.monotonic() - started < 2
    assert emulator.faults.injected == {"latency": 2}


def test_method_and_path_narrow_the_requests(http: httpx.Client, emulator: Emulator) -> None:
    emulator.faults.inject("status", method="GET", path="/users/*/auth_tokens", status=502)
    assert http.get("/v3/users/cometchat-uid-1", headers=HEADERS).status_code == 200
    assert create(http, "narrow").status_code == 200
    tokens = "/v3/users/cometchat-uid-1/auth_tokens"
    assert http.get(tokens, headers=HEADERS).status_code == 502
    assert http.get(tokens, headers=HEADERS).status_code == 502  # no times: every time
    assert http.post(tokens, headers=HEADERS).status_code == 200
    emulator.faults.inject("status", path="^/users/cometchat-uid-[12]$", status=500)
    assert http.get("/v3/users/cometchat-uid-2", headers=HEADERS).status_code == 500
    assert http.get("/v3/users/cometchat-uid-3", headers=HEADERS).status_code == 200


def test_every_fault_is_in_the_request_log(http: httpx.Client, emulator: Emulator) -> None:
    emulator.faults.inject("drop_before", times=1)
    emulator.faults.inject("status", times=1)
    with pytest.raises(httpx.HTTPError):
        create(http, "logged")
    create(http, "logged")
    create(http, "logged")
    marks = [r.extensions.get(EXTENSION) for r in emulator.requests]
    assert marks == ["drop_before", "status", None]
    log = emulator.faults.log
    assert [(f.number, f.kind, f.method, f.path) for f in log] == [
        (1, "drop_before", "POST", "/users"),
        (2, "status", "POST", "/users"),
    ]


def test_a_seeded_rate_repeats_and_clear_stops_it(emulator: Emulator) -> None:
    def run() -> list[int]:
        emulator.faults.clear()
        emulator.faults.inject(["status", "rate_limit"], rate=0.3, seed=42)
        with httpx.Client(transport=emulator.transport(), base_url="http://e") as client:
            return [client.get("/v3/users", headers=HEADERS).status_code for _ in range(200)]

    first, second = run(), run()
    assert first == second
    faulted = sum(s != 200 for s in first)
    assert 35 <= faulted <= 85
    counts = emulator.faults.injected
    assert sum(counts.values()) == faulted and set(counts) == {"status", "rate_limit"}
    emulator.faults.clear()
    assert emulator.faults.injected == {} and emulator.faults.rules == []
    with httpx.Client(transport=emulator.transport(), base_url="http://e") as client:
        assert all(client.get("/v3/users", headers=HEADERS).status_code == 200 for _ in range(50))


def test_a_rate_served_injects_every_kind(emulator: Emulator) -> None:
    emulator.faults.inject(list(KINDS), rate=0.5, seed=3, seconds=0.01, retry_after=0)
    outcomes: set[str] = set()
    with emulator.serve(port=0) as server, httpx.Client(base_url=server.url, timeout=0.5) as c:
        for _ in range(120):
            try:
                c.get("/v3/users/cometchat-uid-1", headers=HEADERS)
                outcomes.add("answered")
            except httpx.HTTPError as exc:
                outcomes.add(type(exc).__name__)
    assert set(emulator.faults.injected) == set(KINDS)
    assert "answered" in outcomes and "ReadTimeout" in outcomes
    assert "RemoteProtocolError" in outcomes or "ReadError" in outcomes


def test_async_in_process(emulator: Emulator) -> None:
    import asyncio

    async def main() -> None:
        emulator.faults.inject("drop_after", method="POST", times=1)
        emulator.faults.inject("timeout", method="POST", times=1)
        transport = emulator.async_transport()
        async with httpx.AsyncClient(transport=transport, base_url="http://e") as client:
            body = {"uid": "a1", "name": "A"}
            headers = {"apiKey": AUTH_KEY}
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post("/v3/users", json=body, headers=headers)
            with pytest.raises(httpx.ReadTimeout):
                await client.post("/v3/users", json=body, headers=headers)

    asyncio.run(main())
    assert emulator.faults.injected == {"drop_after": 1, "timeout": 1}


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda f: f.inject("explode"), ValueError),
        (lambda f: f.inject("status", status=418), ValueError),
        (lambda f: f.inject("status", seconds=1), ValueError),
        (lambda f: f.inject("latency", rate=2), ValueError),
        (lambda f: f.inject("latency", times=0), ValueError),
        (lambda f: f.inject("latency", times="2"), TypeError),
        (lambda f: f.inject("latency", path=3), TypeError),
        (lambda f: f.inject("truncate", keep=1.5), ValueError),
    ],
)
def test_bad_rules_are_refused(emulator: Emulator, call: object, error: type) -> None:
    with pytest.raises(error):
        call(emulator.faults)  # type: ignore[operator]
    assert emulator.faults.rules == []
