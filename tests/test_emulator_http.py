"""The served emulator over real HTTP (spec 1-4, 6, 7, 9, 11): bad input of every kind."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cometchat_nb.emulator import APP_ID, AUTH_KEY, REST_API_KEY, Emulator, RateLimiter
from cometchat_nb.emulator.call import CORS_HEADERS, MAX_BODY
from cometchat_nb.emulator.server import Server
from cometchat_nb.secret import service_masked

RATE_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Limit-For-App",
    "X-RateLimit-Remaining-For-App",
)


@pytest.fixture
def url(server: Server) -> str:
    return server.url


@pytest.fixture
def http(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=10) as client:
        yield client


def envelope(response: httpx.Response) -> dict[str, Any]:
    """The JSON body, checked to hold exactly one of `data` (not null) or a full `error`."""
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body, dict) and len({"data", "error"} & body.keys()) == 1, body
    if "data" in body:
        assert response.status_code == 200 and body["data"] is not None
    else:
        assert response.status_code != 200
        assert set(body["error"]) - {"details"} == {"code", "message", "devMessage", "source"}
        assert body["error"]["source"] == "chat-api"
    for name, value in CORS_HEADERS.items():
        assert response.headers[name] == value
    for name in RATE_HEADERS:
        assert response.headers[name].isdigit()
    return body


def error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body = envelope(response)
    assert response.status_code == status, body
    assert body["error"]["code"] == code, body
    return dict(body["error"])


REST = {"apiKey": REST_API_KEY}
AUTH = {"apiKey": AUTH_KEY}


def login(http: httpx.Client, uid: str = "cometchat-uid-1") -> str:
    token = envelope(http.post(f"/v3.0/users/{uid}/auth_tokens", headers=AUTH))["data"]
    envelope(http.put("/v3.0/me", headers={"authToken": token["authToken"]}, json={}))
    return str(token["authToken"])


# -- transport -------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/v3", "/v3.0"])
def test_every_endpoint_under_each_prefix(http: httpx.Client, prefix: str) -> None:
    uid = f"p{len(prefix)}"
    assert envelope(http.post(f"{prefix}/users", headers=AUTH, json={"uid": uid, "name": "P"}))
    assert envelope(http.get(f"{prefix}/users", headers=REST))["meta"]["pagination"]["total"] == 6
    assert envelope(http.get(f"{prefix}/users/{uid}", headers=REST))["data"]["uid"] == uid
    assert envelope(http.put(f"{prefix}/users/{uid}", headers=AUTH, json={"name": "Q"}))
    token = envelope(http.post(f"{prefix}/users/{uid}/auth_tokens", headers=AUTH))["data"]
    tokens = f"{prefix}/users/{uid}/auth_tokens"
    assert envelope(http.get(tokens, headers=REST))["data"] == [token]
    one = f"{tokens}/{token['authToken']}"
    assert envelope(http.get(one, headers=REST))["data"] == token
    assert envelope(http.put(one, headers=REST, json={"platform": "WEB"}))["data"] == token
    as_user = {"authToken": token["authToken"]}
    assert envelope(http.put(f"{prefix}/me", headers=as_user, json={}))["data"]["uid"] == uid
    assert envelope(http.get(f"{prefix}/me", headers=as_user))["data"]["authToken"]
    assert envelope(http.get(f"{prefix}/settings", headers=as_user))["data"]["APP_VERSION"] == 4
    assert envelope(http.post(f"{prefix}/user_sessions", headers=as_user, json={"sessionId": "s"}))
    assert (
        envelope(http.get(f"{prefix}/users/{uid}", headers=as_user))["data"]["status"] == "online"
    )
    assert envelope(http.delete(f"{prefix}/me", headers=as_user))["data"]["success"] is True
    assert envelope(http.delete(one, headers=REST)) is not None
    assert envelope(http.delete(tokens, headers=REST))["data"]["success"] is True
    deactivate = {"uidsToDeactivate": [uid]}
    assert envelope(http.request("DELETE", f"{prefix}/users", headers=REST, json=deactivate))
    reactivate = {"uidsToActivate": [uid]}
    assert envelope(http.put(f"{prefix}/users", headers=REST, json=reactivate))["data"] == {
        "reactivatedUids": [uid]
    }
    gone = http.request("DELETE", f"{prefix}/users/{uid}", headers=REST, json={"permanent": True})
    assert envelope(gone)["data"]["success"] is True


def test_options_answers_cors_without_credentials(http: httpx.Client) -> None:
    for path in ("/v3.0/users", "/v3.0/me", "/nowhere/at/all", "/"):
        response = http.options(path, headers={"Origin": "http://localhost:3000"})
        assert response.status_code == 204 and response.content == b""
        for name, value in CORS_HEADERS.items():
            assert response.headers[name] == value


def test_unknown_paths_methods_and_versions(http: httpx.Client) -> None:
    for method, path in (
        ("POST", "/"),  # GET / says what the emulator serves (tests/test_control_plane.py)
        ("GET", "/v3/groups"),
        ("PATCH", "/v3/users"),
        ("POST", "/v3/me"),
        ("GET", "/v3/users/a/b/c/d/e"),
        ("HEAD", "/v3/me"),
    ):
        response = http.request(method, path, headers=REST)
        assert response.status_code == 404
        if method != "HEAD":
            error(response, 404, "ERR_API_NOT_FOUND")
    found = error(http.get("/v9/users", headers=REST), 404, "ERR_INVALID_API_VERSION")
    assert found["message"] == "The API version v9 is invalid."


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("*", 404),
        ("http://elsewhere.example/v3/users", 404),
        ("/v3/users/a#b", 401),
        ("/v3/users/a?b#c", 401),
        ("/v3/users/%zz", 401),
    ],
)
def test_odd_request_targets_get_json(url: str, target: str, status: int) -> None:
    """Targets httpx cannot parse as a URL still reach the emulator: JSON, never a 500."""
    address = httpx.URL(url)
    with socket.create_connection((address.host, address.port), timeout=10) as raw:
        raw.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == str(status).encode()
    assert json.loads(body)["error"]["code"]


def test_header_names_are_case_insensitive_and_bodyless_json_is_fine(http: httpx.Client) -> None:
    headers = {"APPID": APP_ID, "APIKEY": REST_API_KEY, "Content-Type": "application/json"}
    assert envelope(http.get("/v3/users/cometchat-uid-1", headers=headers))
    token = login(http)
    bodyless = {"authtoken": token, "content-type": "application/json"}
    assert envelope(http.get("/v3.0/me", headers=bodyless))
    assert envelope(http.request("DELETE", "/v3.0/me", headers=bodyless, json={"x": 1}))


def test_unknown_query_parameters_are_refused_by_name(http: httpx.Client) -> None:
    refused = http.get("/v3/users?perPage=2&colour=blue&page=1&x[]=1", headers=REST)
    assert list(error(refused, 400, "ERR_BAD_REQUEST")["details"]) == ["colour", "x[]"]
    body = envelope(http.get("/v3/users?perPage=2&count=1&page=1", headers=REST))
    assert body["meta"]["pagination"] == {
        "total": 5,
        "count": 2,
        "per_page": 2,
        "current_page": 1,
        "total_pages": 3,
    }


def test_settings_name_the_servers_own_host(http: httpx.Client, url: str) -> None:
    token = login(http)
    settings = envelope(http.get("/v3.0/settings", headers={"authToken": token}))["data"]
    host = url.split("://")[1]
    assert settings["CLIENT_API_HOST"] == settings["ADMIN_API_HOST"] == host
    assert settings["CHAT_API_VERSION"] == "v3.0"
    wildcard = {"authToken": token, "Host": f"0.0.0.0:{url.rsplit(':', 1)[1]}"}
    settings = envelope(http.get("/v3.0/settings", headers=wildcard))["data"]
    assert settings["CLIENT_API_HOST"] == host  # never the wildcard address


def test_telemetry_with_or_without_a_token(http: httpx.Client) -> None:
    body = {"sessionId": "abc123", "data": {}, "generatedAt": 1}
    assert envelope(http.post("/v3.0/user_sessions", json=body))["data"] == {"sessionId": "abc123"}
    headers = {"authToken": login(http)}
    assert envelope(http.post("/v3.0/user_sessions", headers=headers, json=body))
    stale = {"authToken": "gone_1717000000" + "0" * 30}  # sent after a logout: still accepted
    assert envelope(http.post("/v3.0/user_sessions", headers=stale, json=body))["data"]


# -- credentials -------------------------------------------------------------------


def test_app_id_from_header_or_host(http: httpx.Client) -> None:
    assert envelope(http.get("/v3/users", headers={**REST, "appId": APP_ID}))
    assert envelope(http.get("/v3/users", headers=REST))  # one app: no app id needed
    invalid = error(
        http.get("/v3/users", headers={**REST, "appId": "nope"}), 401, "AUTH_ERR_INVALID_APPID"
    )
    assert invalid["message"] == "The appId nope is invalid or does not exist in this region."
    error(http.get("/v3/users", headers={**REST, "appId": ""}), 401, "AUTH_ERR_EMPTY_APPID")
    by_host = {**REST, "Host": f"{APP_ID}.api-eu.cometchat.io"}
    assert envelope(http.get("/v3/users", headers=by_host))
    other = {**REST, "Host": "other.apiclient-eu.cometchat.io"}
    error(http.get("/v3/users", headers=other), 401, "AUTH_ERR_INVALID_APPID")


def test_api_key_errors(http: httpx.Client) -> None:
    neither = error(http.get("/v3/users/cometchat-uid-1"), 401, "AUTH_ERR_EMPTY_AUTH_TOKEN")
    assert "apiKey" in neither["message"] and "authToken" in neither["message"]
    listing = error(http.get("/v3/users"), 401, "AUTH_ERR_EMPTY_AUTH_TOKEN")
    assert listing["message"].startswith("Neither the apiKey nor the authToken header")
    error(http.post("/v3/users", json={"uid": "x", "name": "X"}), 401, "AUTH_ERR_EMPTY_APIKEY")
    error(http.post("/v3/users", headers={"apiKey": ""}, json={}), 401, "AUTH_ERR_EMPTY_APIKEY")
    wrong = "0123456789abcdef0123456789abcdef01234567"
    found = error(
        http.get("/v3/users", headers={"apiKey": wrong}), 401, "AUTH_ERR_APIKEY_NOT_FOUND"
    )
    assert (
        found["message"]
        == f"The key {service_masked(wrong)} does not exist. Please use correct apiKey."
    )
    assert wrong not in json.dumps(found)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v3/users", None),
        ("GET", "/v3/users/cometchat-uid-1", None),
        ("DELETE", "/v3/users/cometchat-uid-1", {"permanent": True}),
        ("DELETE", "/v3/users", {"uidsToDeactivate": ["cometchat-uid-1"]}),
        ("PUT", "/v3/users", {"uidsToActivate": ["cometchat-uid-1"]}),
        ("GET", "/v3/users/cometchat-uid-1/auth_tokens", None),
        ("DELETE", "/v3/users/cometchat-uid-1/auth_tokens", None),
        ("GET", "/v3/users/cometchat-uid-1/auth_tokens/t", None),
        ("PUT", "/v3/users/cometchat-uid-1/auth_tokens/t", {}),
        ("DELETE", "/v3/users/cometchat-uid-1/auth_tokens/t", None),
    ],
)
def test_the_auth_key_cannot_do_rest_api_key_work(
    http: httpx.Client, emulator: Emulator, method: str, path: str, body: Any
) -> None:
    found = error(http.request(method, path, headers=AUTH, json=body), 403, "AUTH_ERR_NO_ACCESS")
    assert service_masked(AUTH_KEY) in found["message"] and AUTH_KEY not in found["message"]
    assert len(emulator.users) == 5 and not emulator.users["cometchat-uid-1"].deactivated_at


def test_the_auth_key_may_create_users_tokens_and_update_users(http: httpx.Client) -> None:
    assert envelope(http.post("/v3/users", headers=AUTH, json={"uid": "k", "name": "K"}))
    assert envelope(http.put("/v3/users/k", headers=AUTH, json={"name": "K2"}))
    assert envelope(http.post("/v3/users/k/auth_tokens", headers=AUTH, json={"force": True}))


def test_auth_token_errors(http: httpx.Client) -> None:
    error(http.put("/v3.0/me", json={}), 401, "AUTH_ERR_EMPTY_AUTH_TOKEN")
    error(http.get("/v3.0/me", headers={"authToken": ""}), 401, "AUTH_ERR_EMPTY_AUTH_TOKEN")
    for token in ("nope", "cometchat-uid-1_1717000000" + "0" * 30, "x" * 5000):
        found = error(
            http.put("/v3.0/me", headers={"authToken": token}, json={}),
            401,
            "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
        )
        assert token in found["message"]
    token = login(http)
    envelope(http.delete("/v3.0/me", headers={"authToken": token}))
    error(http.get("/v3.0/me", headers={"authToken": token}), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")


def test_a_deactivated_users_token_stops_working(http: httpx.Client) -> None:
    token = login(http, "cometchat-uid-2")
    envelope(http.request("DELETE", "/v3/users/cometchat-uid-2", headers=REST, json={}))
    error(http.get("/v3.0/me", headers={"authToken": token}), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
    error(
        http.post("/v3/users/cometchat-uid-2/auth_tokens", headers=AUTH), 404, "ERR_UID_NOT_FOUND"
    )


# -- bodies and validation ---------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe\x00",
        b'{"uid": NaN}',
        b'{"metadata": {"big": 1e999}}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_invalid_json_bodies(http: httpx.Client, content: bytes) -> None:
    found = error(http.post("/v3/users", headers=AUTH, content=content), 400, "ERR_BAD_REQUEST")
    assert list(found["details"]) == ["body"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uid", 42, "The uid must be a string."),
        ("name", ["A"], "The name must be a string."),
        ("avatar", 1, "The avatar must be a string."),
        ("link", {"u": 1}, "The link must be a string."),
        ("role", True, "The role must be a string."),
        ("statusMessage", 3.5, "The statusMessage must be a string."),
        ("metadata", 7, "The metadata must be an object."),
        ("tags", "a,b", "The tags must be an array."),
        ("withAuthToken", "yes", "The with auth token field must be true or false."),
    ],
)
def test_wrong_types_in_every_field(
    http: httpx.Client, field: str, value: Any, message: str
) -> None:
    body = {"uid": "typed", "name": "Typed", field: value}
    found = error(http.post("/v3/users", headers=AUTH, json=body), 400, "ERR_BAD_REQUEST")
    assert found["details"] == {field: [message]}
    assert found["message"] == "Failed to validate the data sent with the request."
    if field not in ("uid", "withAuthToken"):
        update = {field: value}
        found = error(
            http.put("/v3/users/cometchat-uid-1", headers=REST, json=update), 400, "ERR_BAD_REQUEST"
        )
        assert found["details"] == {field: [message]}


def test_every_failing_field_is_listed_at_once(http: httpx.Client) -> None:
    body = {"uid": "bad uid!", "name": "", "avatar": "not a url", "tags": ["ok", "", 5]}
    found = error(http.post("/v3/users", headers=AUTH, json=body), 400, "ERR_BAD_REQUEST")
    assert found["details"] == {
        "uid": ["The uid may only contain letters, numbers, dashes and underscores."],
        "name": ["The name field is required."],
        "avatar": ["The avatar must be a valid URL."],
        "tags.1": ["The tags.1 field is required."],
        "tags.2": ["The tags.2 must be a string."],
    }
    found = error(http.post("/v3/users", headers=AUTH, json={}), 400, "ERR_BAD_REQUEST")
    assert found["details"] == {
        "uid": ["The uid field is required."],
        "name": ["The name field is required."],
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uid", "u" * 101, "The uid must not be greater than 100 characters."),
        ("name", "n" * 101, "The name must not be greater than 100 characters."),
        (
            "avatar",
            "https://x.test/" + "a" * 3000,
            "The avatar must not be greater than 3000 characters.",
        ),
        ("tags", [f"t{i}" for i in range(26)], "The tags must not have more than 25 items."),
        ("metadata", {"k": "v" * 6000}, "The metadata must not be greater than 5 kilobytes."),
    ],
)
def test_over_long_fields(http: httpx.Client, field: str, value: Any, message: str) -> None:
    body = {"uid": "long", "name": "Long", field: value}
    found = error(http.post("/v3/users", headers=AUTH, json=body), 400, "ERR_BAD_REQUEST")
    assert found["details"][field] == [message]
    long_tag = {"uid": "long", "name": "Long", "tags": ["x" * 101]}
    found = error(http.post("/v3/users", headers=AUTH, json=long_tag), 400, "ERR_BAD_REQUEST")
    assert found["details"] == {"tags.0": ["The tags.0 must not be greater than 100 characters."]}


def test_name_must_have_a_value_on_update_and_unset_is_checked(http: httpx.Client) -> None:
    found = error(
        http.put("/v3/users/cometchat-uid-1", headers=REST, json={"name": ""}),
        400,
        "ERR_BAD_REQUEST",
    )
    assert found["details"] == {"name": ["The name field must have a value."]}
    found = error(
        http.put("/v3/users/cometchat-uid-1", headers=REST, json={"unset": ["avatar", "name"]}),
        400,
        "ERR_BAD_REQUEST",
    )
    assert found["details"] == {"unset.1": ["The selected unset.1 is invalid."]}
    user = envelope(
        http.put(
            "/v3/users/cometchat-uid-1", headers=REST, json={"unset": ["avatar"], "uid": "ignored"}
        )
    )["data"]
    assert "avatar" not in user and user["uid"] == "cometchat-uid-1"


def test_unknown_role(http: httpx.Client) -> None:
    body = {"uid": "r", "name": "R", "role": "admin"}
    found = error(http.post("/v3/users", headers=AUTH, json=body), 404, "ERR_ROLE_NOT_FOUND")
    assert "admin" in found["message"]


@pytest.mark.parametrize("value", ["0", "-1", "1001", "99999999999", "abc", "", "1.5"])
def test_bad_per_page_and_page(http: httpx.Client, value: str) -> None:
    for name in ("perPage", "page"):
        if name == "page" and value in ("1001", "99999999999"):
            continue  # any page from 1 up is fine (past the end is an empty page)
        found = error(http.get(f"/v3/users?{name}={value}", headers=REST), 400, "ERR_BAD_REQUEST")
        assert list(found["details"]) == [name]
    tokens = http.get(f"/v3/users/cometchat-uid-1/auth_tokens?perPage={value}", headers=REST)
    error(tokens, 400, "ERR_BAD_REQUEST")


def test_page_past_the_end_and_the_maximum_per_page(http: httpx.Client) -> None:
    body = envelope(http.get("/v3/users?perPage=2&page=9", headers=REST))
    assert body["data"] == [] and body["meta"]["pagination"]["current_page"] == 9
    body = envelope(http.get("/v3/users?perPage=1000", headers=REST))
    assert body["meta"]["pagination"]["per_page"] == 1000


@pytest.mark.parametrize("uid", ["a/b", "..", "a%b", "a b", "é", "."])
def test_uids_with_odd_characters(http: httpx.Client, uid: str) -> None:
    path = quote(uid, safe="")
    if uid in ("..", "."):
        path = uid.replace(".", "%2E")  # sent raw, so no client folds the dots away
    found = error(http.get(f"/v3/users/{path}", headers=REST), 404, "ERR_UID_NOT_FOUND")
    assert f"The UID {uid.lower()} does not exist" in found["message"]
    error(http.post(f"/v3/users/{path}/auth_tokens", headers=AUTH), 404, "ERR_UID_NOT_FOUND")
    found = error(
        http.post("/v3/users", headers=AUTH, json={"uid": uid, "name": "Odd"}),
        400,
        "ERR_BAD_REQUEST",
    )
    assert found["details"] == {
        "uid": ["The uid may only contain letters, numbers, dashes and underscores."]
    }


def test_uids_are_lowercased(http: httpx.Client) -> None:
    assert (
        envelope(http.post("/v3/users", headers=AUTH, json={"uid": "MiXed", "name": "M"}))["data"][
            "uid"
        ]
        == "mixed"
    )
    assert envelope(http.get("/v3/users/MIXED", headers=REST))["data"]["uid"] == "mixed"
    found = error(
        http.post("/v3/users", headers=AUTH, json={"uid": "mixed", "name": "M"}),
        400,
        "ERR_UID_ALREADY_EXISTS",
    )
    assert "The uid mixed already exists." in found["message"]


@pytest.mark.parametrize("size", [MAX_BODY + 1, 5 * MAX_BODY])
def test_a_body_over_one_mebibyte(http: httpx.Client, emulator: Emulator, size: int) -> None:
    body = b'{"uid": "big", "name": "' + b"x" * size + b'"}'
    found = error(http.post("/v3/users", headers=AUTH, content=body), 413, "ERR_BAD_REQUEST")
    assert "1 MiB" in found["message"]
    assert "big" not in emulator.users
    assert emulator.requests[-1].content == b""  # an oversized body is not kept
    assert envelope(http.get("/v3/users", headers=REST))  # and the server is fine


def test_a_body_of_exactly_one_mebibyte_is_read(http: httpx.Client) -> None:
    prefix = b'{"uid": "edge", "name": "Edge", "statusMessage": "'
    body = prefix + b"x" * (MAX_BODY - len(prefix) - 2) + b'"}'
    assert len(body) == MAX_BODY
    found = error(http.post("/v3/users", headers=AUTH, content=body), 400, "ERR_BAD_REQUEST")
    assert list(found["details"]) == ["statusMessage"]  # validated, not refused for size


# -- rate limits ---------------------------------------------------------------------


def test_rate_headers_count_down_per_class(http: httpx.Client) -> None:
    first = http.get("/v3/users", headers=REST)
    second = http.get("/v3/users", headers=REST)
    core = http.post("/v3/users", headers=AUTH, json={"uid": "c", "name": "C"})
    assert first.headers["X-RateLimit-Limit"] == "20000"
    assert int(second.headers["X-RateLimit-Remaining"]) < int(
        first.headers["X-RateLimit-Remaining"]
    )
    assert core.headers["X-RateLimit-Limit"] == "10000"
    assert first.headers["X-RateLimit-Limit-For-App"] == "100000"
    assert envelope(http.get("/nowhere"))  # rate headers on errors too (checked in envelope)


def test_enforced_limits_answer_429_with_retry_after() -> None:
    limiter = RateLimiter({"core": 10_000, "standard": 1}, enforce=True)
    emulator = Emulator(rate_limiter=limiter, clock=lambda: 1_717_000_000)  # 20 s to the minute
    with emulator.serve(port=0) as server, httpx.Client(base_url=server.url) as http:
        assert envelope(http.get("/v3/users", headers=REST))
        limited = http.get("/v3/users", headers=REST)
        found = error(limited, 429, "ERR_TOO_MANY_REQUESTS")
        assert found["message"] == "Too many requests. Please retry after 20 seconds."
        assert limited.headers["Retry-After"] == "20"
        reset = str((1_717_000_000 // 60 + 1) * 60)
        assert (
            limited.headers["X-Rate-Limit-Reset"] == limited.headers["X-RateLimit-Reset"] == reset
        )
        assert envelope(http.post("/v3/users", headers=AUTH, json={"uid": "c", "name": "C"}))


# -- concurrency -------------------------------------------------------------------------


async def _create_all(url: str, uids: list[str]) -> list[httpx.Response]:
    async def create(uid: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            return await client.post("/v3/users", headers=AUTH, json={"uid": uid, "name": "C"})

    return await asyncio.gather(*(create(uid) for uid in uids))


def test_two_hundred_clients_create_the_same_uid(url: str, emulator: Emulator) -> None:
    responses = asyncio.run(_create_all(url, ["same"] * 200))
    codes = sorted(r.json().get("error", {}).get("code", "ok") for r in responses)
    assert codes == ["ERR_UID_ALREADY_EXISTS"] * 199 + ["ok"]
    assert len(emulator.users) == 6


def test_concurrent_creates_are_all_committed(tmp_path: Path) -> None:
    data = tmp_path / "state.db"
    emulator = Emulator(data=data)
    with emulator.serve(port=0) as server:
        responses = asyncio.run(_create_all(server.url, [f"user-{i}" for i in range(200)]))
    assert all(r.status_code == 200 for r in responses)
    emulator.close()
    reopened = Emulator(data=data)
    assert len(reopened.users) == 205
    reopened.close()


# -- no request, however malformed, is a 500 -----------------------------------------------

WORDS = [
    "users",
    "me",
    "auth_tokens",
    "user_sessions",
    "settings",
    "v3",
    "v3.0",
    "v2",
    "cometchat-uid-1",
    "..",
    "%",
    "",
]
segment = st.one_of(st.sampled_from(WORDS), st.text(max_size=12))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
user_keys = [
    "uid",
    "name",
    "avatar",
    "link",
    "role",
    "statusMessage",
    "metadata",
    "tags",
    "unset",
    "withAuthToken",
    "permanent",
    "force",
    "uidsToDeactivate",
    "uidsToActivate",
    "sessionId",
    "platform",
    "appInfo",
    "userAgent",
]
body = st.one_of(
    st.binary(max_size=64),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(user_keys), json_value, max_size=6).map(
        lambda v: json.dumps(v).encode()
    ),
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=20)


@st.composite
def requests(draw: st.DrawFn) -> httpx.Request:
    method = draw(
        st.sampled_from(
            ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "BREW"]
        )
    )
    if draw(st.booleans()):  # a real route, so bodies reach the validation
        uid = draw(st.sampled_from(["cometchat-uid-1", "Cometchat-UID-2", "fuzz", "nope"]))
        segments = draw(
            st.sampled_from(
                [
                    ["v3", "users"],
                    ["v3", "users", uid],
                    ["v3.0", "me"],
                    ["users", uid, "auth_tokens"],
                    ["v3", "users", uid, "auth_tokens", "t"],
                    ["user_sessions"],
                    ["settings"],
                ]
            )
        )
    else:
        segments = draw(st.lists(segment, max_size=6))
    path = "/" + "/".join(quote(s, safe="%.") for s in segments)
    query = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    ["perPage", "page", "searchKey", "status", "tags", "roles", "withTags", "x"]
                ),
                st.text(max_size=8),
            ),
            max_size=4,
        )
    )
    headers: dict[str, str | bytes] = {}
    for name, good in (("appId", APP_ID), ("apiKey", REST_API_KEY), ("authToken", None)):
        choice = draw(st.sampled_from(["absent", "good", "junk"]))
        if choice == "good" and good is not None:
            headers[name] = good
        elif choice != "absent":
            headers[name] = draw(header_text).encode("latin-1")
    headers["Host"] = draw(st.sampled_from(["127.0.0.1:8790", "", "x.api-eu.c.io", "0.0.0.0:1"]))
    url = httpx.URL("http://127.0.0.1:8790", raw_path=path.encode(), params=query)
    return httpx.Request(method, url, headers=headers, content=draw(body))


#: One emulator for every example, so state builds up as a long-running server's does.
_FUZZ_EMULATOR = Emulator(user_quota=50)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests())
def test_fuzz_never_a_500(request: httpx.Request) -> None:
    emulator = _FUZZ_EMULATOR
    response = emulator.handle(request)
    assert response.status_code != 500, response.text
    if request.method == "OPTIONS":
        assert response.status_code == 204
        return
    body = response.json()
    assert len({"data", "error"} & body.keys()) == 1
    assert (response.status_code == 200) == ("data" in body)
