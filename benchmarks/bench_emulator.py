"""The emulator under load, as ratios against baselines measured in the same run.

* served logins: `POST /users/{uid}/auth_tokens` + `PUT /me` against `Emulator.serve()`, vs
  as many requests to a bare uvicorn app answering constant JSON; both driven by 16
  keep-alive connections of one `httpx.AsyncClient` until done.
* served with latency: GETs to an emulator adding 100 ms to each answer vs a bare app
  sleeping 100 ms, over the same 16 connections: do the waits overlap?
* listing: the first, second, middle and last pages of `GET /users`, ten times, on an
  emulator holding 1M users (tiny: 10k) vs 1k.

Run: `python benchmarks/run.py -k served` (or `-k "GET /users"`). Each repetition serves
(and stops) its own server, outside the time it reports; the crowded emulators are made
once per process.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Case

from cometchat_nb import Emulator, User
from cometchat_nb.emulator import APP_ID, AUTH_KEY

CONNECTIONS = 16
LATENCY = 0.1
DEVICE = {"platform": "WEB", "deviceId": "bench", "appInfo": {"version": "v4.2.0"}}
CONSTANT = b'{"data":{"uid":"cometchat-uid-1","name":"Andrew Joseph","status":"online"}}'

Job = Callable[[httpx.AsyncClient, int], Awaitable[None]]


# -- served: logins, and waits that overlap ------------------------------------


class _BareApp:
    """The baseline: reads the request, waits `latency` seconds, answers constant JSON."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        if self.latency:
            await asyncio.sleep(self.latency)
        await _constant(send)


async def _constant(send: Any) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(CONSTANT))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": CONSTANT})


@contextmanager
def _bare_server(latency: float = 0.0) -> Iterator[str]:
    """The bare app, served by uvicorn as `Emulator.serve()` serves the emulator; its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    config = uvicorn.Config(
        _BareApp(latency), log_config=None, access_log=False, lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def _served_logins(logins: int) -> float:
    with Emulator(keep_requests=100).serve(port=0) as server:
        return asyncio.run(_drive(server.url, logins, _login))


def _bare_requests(logins: int) -> float:
    with _bare_server() as url:
        return asyncio.run(_drive(url, logins, _two_bare_requests))


async def _drive(url: str, jobs: int, job: Job) -> float:
    """Seconds for `jobs` runs of `job`, 16 at a time over 16 warm keep-alive connections."""
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        await asyncio.gather(*(job(client, i) for i in range(CONNECTIONS)))  # open them all
        numbers = iter(range(jobs))

        async def worker() -> None:
            for number in numbers:
                await job(client, number)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        return time.perf_counter() - start


async def _login(client: httpx.AsyncClient, number: int) -> None:
    uid = f"cometchat-uid-{number % 5 + 1}"
    minted = await client.post(
        f"/v3.0/users/{uid}/auth_tokens", json=DEVICE, headers={"appId": APP_ID, "apiKey": AUTH_KEY}
    )
    token = minted.json()["data"]["authToken"]
    me = await client.put("/v3.0/me", json=DEVICE, headers={"appId": APP_ID, "authToken": token})
    if me.json()["data"]["authToken"] != token:
        raise AssertionError("the login failed")


async def _two_bare_requests(client: httpx.AsyncClient, number: int) -> None:
    for method in ("POST", "PUT"):
        answer = await client.request(method, "/v3.0/me", json=DEVICE, headers={"appId": APP_ID})
        answer.json()


async def _get_user(client: httpx.AsyncClient, number: int) -> None:
    headers = {"appId": APP_ID, "apiKey": AUTH_KEY}
    answer = await client.get(f"/v3.0/users/cometchat-uid-{number % 5 + 1}", headers=headers)
    answer.json()


def _served_with_latency(requests: int) -> float:
    with Emulator(keep_requests=100, latency=LATENCY).serve(port=0) as server:
        return asyncio.run(_drive(server.url, requests, _get_user))


def _bare_with_latency(requests: int) -> float:
    with _bare_server(LATENCY) as url:
        return asyncio.run(_drive(url, requests, _get_user))


def served_latency(requests: int) -> Case:
    return Case(
        name=f"served, {LATENCY * 1e3:.0f} ms latency: {requests} requests / bare app sleeping",
        ours=lambda: _served_with_latency(requests),
        baseline=lambda: _bare_with_latency(requests),
        target=1.5,
        note="1.0 = requests overlap as on an async service (the old pool of ~6 made ~2.7)",
    )


def served_logins(logins: int) -> Case:
    return Case(
        name=f"served: {logins} logins / {2 * logins} bare uvicorn requests, 16 connections",
        ours=lambda: _served_logins(logins),
        baseline=lambda: _bare_requests(logins),
        target=2.0,
        note="2.0 = half the bare app's request rate; lower is better",
    )


# -- listing at scale -------------------------------------------------------------


@cache
def _crowded(users: int) -> Emulator:
    """An emulator of `users` users (and the five test users), ten of them deactivated."""
    emulator = Emulator(keep_requests=10)
    emulator.add_users(User(f"user-{i:07d}", name=f"User {i}") for i in range(users))
    emulator.handle(
        httpx.Request(
            "DELETE",
            "http://emulator.invalid/v3/users",
            headers=_rest_headers(emulator),
            json={"uidsToDeactivate": [f"user-{i:07d}" for i in range(0, users, users // 10)]},
        )
    )
    return emulator


def _rest_headers(emulator: Emulator) -> dict[str, str]:
    return {"appId": APP_ID, "apiKey": emulator.rest_api_key.reveal()}


def _pages(users: int) -> Iterator[httpx.Request]:
    """The first, second, middle and last pages of 100 (built before the clock starts)."""
    emulator = _crowded(users)
    last = (users + 5 - 10 + 99) // 100
    for page in (1, 2, last // 2, last):
        yield httpx.Request(
            "GET",
            f"http://emulator.invalid/v3/users?perPage=100&page={page}",
            headers=_rest_headers(emulator),
        )


def _list_seconds(users: int) -> float:
    emulator = _crowded(users)
    requests = list(_pages(users))
    start = time.perf_counter()
    for _ in range(10):  # ~10 ms a repetition: long enough that a scheduler hiccup is noise
        for request in requests:
            if emulator.handle(request).status_code != 200:
                raise AssertionError("the listing failed")
    return time.perf_counter() - start


def listing(users: int) -> Case:
    return Case(
        name=f"GET /users pages at {users:,} users / at 1,000 users",
        ours=lambda: _list_seconds(users),
        baseline=lambda: _list_seconds(1_000),
        target=2.0,
        note="1.0 = a page costs the same however many users",
    )


def cases(tiny: bool) -> list[Case]:
    """The emulator's benchmark cases; `tiny` runs each in well under a second."""
    if tiny:
        return [served_logins(40), served_latency(32), listing(10_000)]
    return [served_logins(1_000), served_latency(160), listing(1_000_000)]
