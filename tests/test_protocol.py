"""The sans-IO protocol: URLs, headers, encoding and how responses are read."""

from __future__ import annotations

import httpx
import pytest

from cometchat_nb import (
    AlreadyExistsError,
    CometChatException,
    RateLimitError,
    Secret,
    UnavailableError,
)
from cometchat_nb.errors import ERROR_CLASSES, error_class
from cometchat_nb.protocol import Hosts, build, read


def test_default_hosts_follow_the_sdk_and_rest_templates() -> None:
    hosts = Hosts.for_app("app1", "EU")
    assert hosts.client == "https://app1.apiclient-eu.cometchat.io/v3.0"
    assert hosts.admin == "https://app1.api-eu.cometchat.io/v3.0"
    assert hosts.rest == "https://app1.api-eu.cometchat.io/v3"


def test_overrides_are_used_verbatim_with_an_optional_scheme() -> None:
    hosts = Hosts.for_app("a", "us", client_host="127.0.0.1:8765/v3.0", admin_host="http://h:1/")
    assert hosts.client == "https://127.0.0.1:8765/v3.0"
    assert (hosts.admin, hosts.rest) == ("http://h:1", "http://h:1")


def test_stored_settings_move_the_hosts_unless_overridden() -> None:
    hosts = Hosts.for_app("a", "us")
    settings = {
        "CLIENT_API_HOST": "a.apiclient-us2.cometchat.io",
        "ADMIN_API_HOST": "a.api-us2.cometchat.io",
        "CHAT_API_VERSION": "v3.0",
    }
    moved = hosts.with_settings(settings, overridden=False)
    assert (moved.client, moved.admin) == (
        "https://a.apiclient-us2.cometchat.io/v3.0",
        "https://a.api-us2.cometchat.io/v3.0",
    )
    assert hosts.with_settings(settings, overridden=True) == hosts


@pytest.mark.parametrize(
    "changes",
    [
        {"CLIENT_API_HOST": "127.0.0.1:8790"},
        {"ADMIN_API_HOST": "evil.example"},
        {"CLIENT_API_HOST": "cometchat.io.evil.example"},
        {"CHAT_API_VERSION": "../x"},
    ],
)
def test_stored_settings_never_lead_away_from_cometchat(changes: dict[str, str]) -> None:
    hosts = Hosts.for_app("a", "us")
    settings = {
        "CLIENT_API_HOST": "a.apiclient-us.cometchat.io",
        "ADMIN_API_HOST": "a.api-us.cometchat.io",
        "CHAT_API_VERSION": "v3.0",
        **changes,
    }
    assert hosts.with_settings(settings, overridden=False) == hosts


@pytest.mark.parametrize("uid", ["a/b", "../x", "%2F", "zoë", "a b", "?#"])
def test_every_path_segment_is_percent_encoded(uid: str) -> None:
    request = build("GET", "https://h/v3", "users", uid, app_id="app")
    assert request.url.raw_path.count(b"/") == 3
    assert httpx.URL(str(request.url)).path == f"/v3/users/{uid}"


def test_query_values_are_encoded() -> None:
    request = build(
        "GET",
        "https://h/v3",
        "users",
        app_id="app",
        params={"searchKey": "a&b=c", "tags": ["x", "y"], "withTags": True, "status": None},
    )
    assert request.url.params["searchKey"] == "a&b=c"
    assert request.url.params["tags"] == "x,y" and request.url.params["withTags"] == "true"
    assert "status" not in request.url.params


def test_headers_carry_one_credential_and_a_timeout() -> None:
    request = build(
        "PUT",
        "https://h",
        "me",
        app_id="app",
        auth_token=Secret("t" * 20),
        body={"a": 1},
        timeout=5,
    )
    assert request.headers["appId"] == "app" and request.headers["authToken"] == "t" * 20
    assert "apiKey" not in request.headers
    assert request.extensions["timeout"] == httpx.Timeout(5).as_dict()
    assert request.content == b'{"a": 1}'


def response(status: int, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=content, headers=headers)


def test_read_returns_the_body_with_data() -> None:
    assert read(response(200, b'{"data": {"uid": "a"}}')) == {"data": {"uid": "a"}}


@pytest.mark.parametrize(
    "content", [b"<html>502</html>", b"", b'{"data": null}', b'{"other": 1}', b"[1, 2]"]
)
def test_unreadable_responses_are_failed_to_fetch(content: bytes) -> None:
    with pytest.raises(UnavailableError) as raised:
        read(response(502, content))
    assert raised.value.code == "FAILED_TO_FETCH" and raised.value.http_status == 502


def test_error_envelopes_become_typed_exceptions() -> None:
    body = (
        b'{"error": {"code": "ERR_UID_ALREADY_EXISTS", "message": "taken", '
        b'"devMessage": "dev", "source": "chat-api", "details": {"uid": ["x"]}}}'
    )
    with pytest.raises(AlreadyExistsError) as raised:
        read(response(400, body))
    error = raised.value
    assert (error.code, error.message, error.dev_message, error.http_status) == (
        "ERR_UID_ALREADY_EXISTS",
        "taken",
        "dev",
        400,
    )
    assert error.details == {"uid": ["x"]} and error.source == "chat-api"


def test_a_429_carries_retry_after() -> None:
    body = b'{"error": {"code": "ERR_TOO_MANY_REQUESTS", "message": "slow down"}}'
    with pytest.raises(RateLimitError) as raised:
        read(response(429, body, {"Retry-After": "4"}))
    assert raised.value.retry_after == 4.0


def test_an_echoed_credential_is_masked() -> None:
    token = "kevin_1717000000" + "ab" * 15
    request = build("PUT", "https://h", "me", app_id="app", auth_token=Secret(token))
    body = (
        '{"error": {"code": "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "message": "The auth token '
        + token
        + ' does not exist."}}'
    ).encode()
    reply = httpx.Response(401, content=body, request=request)
    with pytest.raises(CometChatException) as raised:
        read(reply)
    assert token not in raised.value.message and token[-4:] in raised.value.message


def test_unknown_codes_fall_back_on_the_status() -> None:
    assert error_class("ERR_SOMETHING_NEW", 404).__name__ == "NotFoundError"
    assert error_class("ERR_SOMETHING_NEW", 503) is UnavailableError
    assert error_class("ERR_SOMETHING_NEW") is CometChatException
    assert all(issubclass(cls, CometChatException) for cls in ERROR_CLASSES.values())


def test_exceptions_pickle_with_their_fields() -> None:
    import pickle

    error = AlreadyExistsError(
        "ERR_UID_ALREADY_EXISTS", "taken", http_status=400, details={"uid": ["x"]}
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is AlreadyExistsError and copy.details == error.details
    assert copy.http_status == 400
