"""The emulator never answers 500 (except injected faults), over real HTTP.

Strings that cannot be encoded are refused and never stored; every request target gets a
JSON answer; a body cut short by a disconnect is never acted on; a rejected request
changes nothing. Last, a property test of random requests (hypothesis; a longer run with
`COMETCHAT_NB_LONG_FUZZ=1`).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h11
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cometchat_nb import Emulator
from cometchat_nb.emulator.defaults import APP_ID, AUTH_KEY, REST_API_KEY
from cometchat_nb.emulator.server import Server

Answer = tuple[int, dict[str, str], bytes]


def exchange(
    port: int, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> Answer:
    """One request on its own connection, sent as raw bytes; the answer as h11 reads it."""
    request = b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" % (
        method.encode(),
        target,
    )
    request += b"".join(k + b": " + v + b"\r\n" for k, v in headers)
    request += b"Content-Length: %d\r\n\r\n" % len(body) + body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(request)
        client = h11.Connection(h11.CLIENT)
        client.send(h11.Request(method=method, target=b"/", headers=[(b"Host", b"x")]))
        status, found, content = 0, {}, b""
        while True:
            event = client.next_event()
            if event is h11.NEED_DATA:
                client.receive_data(raw.recv(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                found = {k.decode().lower(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.Data):
                content += event.data
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return status, found, content


def enveloped(answer: Answer) -> dict[str, Any]:
    status, headers, content = answer
    assert status != 500, content[:300]
    assert headers.get("content-type") == "application/json", (status, content[:300])
    body = json.loads(content)
    assert len({"data", "error"} & body.keys()) == 1
    assert (status == 200) == ("data" in body)
    return body  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Emulator, Server]]:
    emulator = Emulator(user_quota=200)
    with emulator.serve(port=0) as server:
        yield emulator, server
    emulator.close()


KEYED = [(b"appId", APP_ID.encode()), (b"apiKey", REST_API_KEY.encode())]
JSON = [*KEYED, (b"Content-Type", b"application/json")]


def snapshot(emulator: Emulator) -> tuple[dict[str, Any], dict[str, str]]:
    return {u: user.to_dict() for u, user in emulator.users.items()}, emulator.tokens


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("POST", b"/v3/users", b'{"uid": "sur-1", "name": "\\ud800"}'),
        ("POST", b"/v3/users", b'{"uid": "sur-2", "name": "S", "metadata": {"\\udfff": 1}}'),
        ("POST", b"/v3/users", b'{"uid": "sur-3", "name": "S", "tags": ["a\\udc00b"]}'),
        ("PUT", b"/v3/users/cometchat-uid-1", b'{"name": "x\\ud800"}'),
        ("PUT", b"/v3/users/cometchat-uid-1", b'{"metadata": {"a": ["\\ud83d"]}}'),
    ],
)
def test_lone_surrogates_are_refused_and_never_stored(
    served: tuple[Emulator, Server], method: str, target: bytes, body: bytes
) -> None:
    emulator, server = served
    before = snapshot(emulator)
    answer = enveloped(exchange(server.port, method, target, JSON, body))
    assert answer["error"]["code"] == "ERR_BAD_REQUEST"
    assert snapshot(emulator) == before
    listing = enveloped(exchange(server.port, "GET", b"/v3/users?perPage=1000", KEYED, b""))
    assert "data" in listing


def test_a_surrogate_pair_is_fine(served: tuple[Emulator, Server]) -> None:
    emulator, server = served
    body = b'{"uid": "pair", "name": "smile \\ud83d\\ude00"}'
    assert enveloped(exchange(server.port, "POST", b"/v3/users", JSON, body))["data"]
    assert emulator.users["pair"].name == "smile \U0001f600"


def test_a_surrogate_stored_by_an_older_version_still_lists(tmp_path: Path) -> None:
    data = tmp_path / "old.db"
    Emulator(data=data).close()
    with sqlite3.connect(data) as db:  # what an older emulator stored
        record = {"uid": "old", "name": "\ud800", "status": "offline", "role": "default",
                  "createdAt": 1}  # fmt: skip
        db.execute("INSERT INTO users VALUES (?, ?)", ("old", json.dumps(record)))
    emulator = Emulator(data=data)
    with httpx.Client(transport=emulator.transport(), base_url="http://e") as client:
        answer = client.get("/v3/users", headers={"apiKey": REST_API_KEY})
    assert answer.status_code == 200 and answer.json()["data"]
    emulator.close()


@pytest.mark.parametrize(
    ("target", "status"),
    [
        (b"/v3/users/" + b"a" * 70_000, 414),
        (b"/v3/users?searchKey=" + b"b" * 70_000, 414),
        (b"/" + b"%ff" * 25_000, 414),
        (b"/v3/users/" + b"c" * 60_000, 404),
    ],
)
def test_long_targets_get_json(served: tuple[Emulator, Server], target: bytes, status: int) -> None:
    emulator, server = served
    answer = exchange(server.port, "GET", target, KEYED, b"")
    assert answer[0] == status
    enveloped(answer)
    assert emulator.requests[-1].method == "GET"  # the log can still be read


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /v3/users/" + b"d" * 300_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"GET /v3/users HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    ],
)
def test_what_is_not_http_gets_json(served: tuple[Emulator, Server], raw: bytes) -> None:
    _, server = served
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"]["code"] == "ERR_BAD_REQUEST"


def test_a_body_cut_by_a_disconnect_is_never_acted_on(served: tuple[Emulator, Server]) -> None:
    emulator, server = served
    body = b'{"uid": "half-sent", "name": "Half"}'
    head = b"POST /v3/users HTTP/1.1\r\nHost: x\r\nappId: %s\r\napiKey: %s\r\n" % (
        APP_ID.encode(),
        AUTH_KEY.encode(),
    )
    head += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (len(body) + 50)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + body)  # a whole JSON object, but 50 bytes short of its length
        time.sleep(0.2)
    time.sleep(0.3)
    assert "half-sent" not in emulator.users
    whole = exchange(server.port, "POST", b"/v3/users", [(b"apiKey", AUTH_KEY.encode())], body)
    assert enveloped(whole)["data"]["uid"] == "half-sent"


# -- the property test ---------------------------------------------------------------------

LONG = os.environ.get("COMETCHAT_NB_LONG_FUZZ", "") not in ("", "0")

words = st.sampled_from(
    ["users", "me", "auth_tokens", "user_sessions", "settings", "v3", "v3.0", "v9",
     "cometchat-uid-1", "fuzz", "..", "%", "%ff", "%00", ""]
)  # fmt: skip
scalar = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["\ud800", "a\udfffb", "\ud83d\ude00"])
)
json_value = st.recursive(
    scalar,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
fields = st.sampled_from(
    ["uid", "name", "avatar", "link", "role", "statusMessage", "metadata", "tags", "unset",
     "withAuthToken", "permanent", "force", "uidsToDeactivate", "uidsToActivate"]
)  # fmt: skip
bodies = st.one_of(
    st.binary(max_size=64),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(fields, json_value, max_size=6).map(lambda v: json.dumps(v).encode()),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),  # deep nesting
    st.integers(310, 6000).map(lambda n: b'{"uid": "big", "name": ' + b"9" * n + b"}"),
    st.just(b'{"uid": "huge", "name": "H", "metadata": {"x": 1e999}}'),
)


@st.composite
def fuzz_requests(draw: st.DrawFn) -> tuple[str, bytes, list[tuple[bytes, bytes]], bytes]:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "TRACE", "BREW"]))
    uid = draw(st.sampled_from(["cometchat-uid-1", "COMETCHAT-UID-2", "fuzz", "nope"]))
    if draw(st.booleans()):
        segments = draw(
            st.sampled_from(
                [["v3", "users"], ["v3", "users", uid], ["v3.0", "me"], ["users", uid,
                 "auth_tokens"], ["v3", "users", uid, "auth_tokens", "t"], ["settings"]]
            )
        )  # fmt: skip
    else:
        segments = draw(st.lists(words, max_size=6))
    target = ("/" + "/".join(segments)).encode()
    if draw(st.integers(0, 9)) == 0:  # now and then, a long target
        target += b"?searchKey=" + b"x" * draw(st.integers(1000, 80_000))
    headers = []
    for name, good in ((b"appId", APP_ID), (b"apiKey", REST_API_KEY), (b"authToken", None)):
        choice = draw(st.sampled_from(["absent", "good", "junk"]))
        if choice == "good" and good is not None:
            headers.append((name, good.encode()))
        elif choice != "absent":
            text = draw(st.text(st.characters(min_codepoint=33, max_codepoint=255), max_size=20))
            headers.append((name, text.encode("latin-1") or b"-"))
    if draw(st.booleans()):
        headers.append((b"Content-Type", b"application/json"))
    return method, target, headers, draw(bodies)


@settings(
    max_examples=1500 if LONG else 120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(request=fuzz_requests())
def test_random_requests_get_json_and_a_rejection_changes_nothing(
    served: tuple[Emulator, Server], request: tuple[str, bytes, list[tuple[bytes, bytes]], bytes]
) -> None:
    emulator, server = served
    method, target, headers, body = request
    before = snapshot(emulator)
    status, found, content = exchange(server.port, method, target, headers, body)
    enveloped((status, found, content))
    if status != 200:
        assert snapshot(emulator) == before
