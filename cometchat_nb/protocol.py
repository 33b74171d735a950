"""Sans-IO protocol: builds `httpx.Request`s and reads `httpx.Response`s (spec 1-3).

Nothing here sends anything; `Session` and `AsyncSession` differ only in how
they send what this module builds.
"""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from .errors import CometChatException, RateLimitError, failed_to_fetch, from_envelope
from .secret import Secret, masked_object, redact, request_secrets
from .version import VERSION
from .wire import CLIENT_API_VERSION, REST_API_VERSION

T = TypeVar("T")
DEFAULT_TIMEOUT = 30.0
DEFAULT_REGION = "eu"
SDK_HEADER = f"cometchat-nb@{VERSION}"
USER_AGENT = f"cometchat-nb/{VERSION} Python/{platform.python_version()}"


_COMETCHAT_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.cometchat\.io(:\d+)?")
_VERSION = re.compile(r"v\d+(\.\d+)?")


def host_url(host: str) -> str:
    """A base URL from the SDK's `host[:port][/prefix]` form, `http://` allowed (spec 1.2)."""
    host = host.strip().rstrip("/")
    return host if "://" in host else f"https://{host}"


@dataclass(frozen=True)
class Hosts:
    """Base URLs: `client` (auth-token calls), `admin` (the SDK's auth-key calls), `rest`."""

    client: str
    admin: str
    rest: str

    @classmethod
    def for_app(
        cls,
        app_id: str,
        region: str,
        *,
        client_host: str | None = None,
        admin_host: str | None = None,
    ) -> Hosts:
        """The default templates of spec 1.1, or the explicit overrides (used verbatim)."""
        region = region.lower()
        admin_default = f"https://{app_id}.api-{region}.cometchat.io"
        return cls(
            client=host_url(client_host)
            if client_host
            else f"https://{app_id}.apiclient-{region}.cometchat.io/{CLIENT_API_VERSION}",
            admin=host_url(admin_host) if admin_host else f"{admin_default}/{CLIENT_API_VERSION}",
            rest=host_url(admin_host) if admin_host else f"{admin_default}/{REST_API_VERSION}",
        )

    def with_settings(self, settings: Mapping[str, Any] | None, overridden: bool) -> Hosts:
        """The hosts a login's `settings` name, unless explicit overrides win (spec 1.2).

        Only CometChat's own hosts are followed: a stored session must never send the
        app's keys anywhere else.
        """
        if overridden or not isinstance(settings, Mapping) or not settings:
            return self
        client, admin = settings.get("CLIENT_API_HOST"), settings.get("ADMIN_API_HOST")
        version = settings.get("CHAT_API_VERSION") or CLIENT_API_VERSION
        if not all(isinstance(h, str) and _COMETCHAT_HOST.fullmatch(h) for h in (client, admin)):
            return self
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            return self
        return Hosts(
            client=f"https://{client}/{version}",
            admin=f"https://{admin}/{version}",
            rest=self.rest,
        )

    def chat(self, settings: Any, overridden: bool) -> tuple[str, str]:
        """The base URL and version of the chat API (the online count, spec 4): the chat
        host a login's `settings` name (CometChat's own only, as `with_settings`), else the
        client host's origin (an emulator)."""
        settings = settings if isinstance(settings, dict) and not overridden else {}
        version = settings.get("WS_API_VERSION")
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            version = CLIENT_API_VERSION
        hosts = (
            settings.get(k) for k in ("CHAT_HOST_OVERRIDE", "CHAT_HOST_APP_SPECIFIC", "CHAT_HOST")
        )
        chat = next((h for h in hosts if h), None)
        if isinstance(chat, str) and _COMETCHAT_HOST.fullmatch(chat):
            base = f"https://{chat}"
        else:
            client = httpx.URL(self.client)
            base = f"{client.scheme}://{client.netloc.decode()}"
        return base, version


class MaskedRequest(httpx.Request):
    """An `httpx.Request` whose repr masks the secrets of its path (a token in
    `/auth_tokens/{token}`), as every repr of a secret is masked: tracebacks that record
    their frames' locals show requests."""

    shown = ""

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {self.shown!r})>"


def build(
    method: str,
    base: str,
    *segments: str | Secret,
    app_id: str,
    api_key: Secret | None = None,
    auth_token: Secret | None = None,
    body: Any = None,
    params: dict[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> httpx.Request:
    """A request to `base/segments...`, each segment percent-encoded, with spec 2 headers.

    Secrets (the credentials, a token in the path) are revealed only inside the call that
    makes the request, so no frame's locals hold them in the clear.
    """
    headers = {
        "appId": app_id,
        "Accept": "application/json",
        "Content-Type": "application/json",
        "sdk": SDK_HEADER,
    }
    query = "&".join(
        f"{quote(k, safe='')}={_query_value(v)}" for k, v in (params or {}).items() if v is not None
    )
    url = (
        f"{base}/"
        + "/".join(quote(_revealed(segment), safe="") for segment in segments)
        + (f"?{query}" if query else "")
    )
    secret_path = any(isinstance(segment, Secret) for segment in segments)
    request = MaskedRequest(
        method,
        httpx.URL(url) if secret_path else parsed_url(url),  # no secret kept in the cache
        headers={**headers, **_credentials(api_key, auth_token)},
        content=None if body is None else json.dumps(body).encode(),
        extensions={"timeout": httpx.Timeout(timeout).as_dict()},
    )
    request.shown = f"{base}/" + "/".join(str(segment) for segment in segments)
    return request


@lru_cache(maxsize=1024)
def parsed_url(url: str) -> httpx.URL:
    """`url` parsed, once: httpx URLs are immutable, and parsing one is most of what making
    a request costs (a session sends to the same few URLs again and again)."""
    return httpx.URL(url)


def _revealed(segment: str | Secret) -> str:
    return segment.reveal() if isinstance(segment, Secret) else segment


def _credentials(api_key: Secret | None, auth_token: Secret | None) -> dict[str, str]:
    """The credential headers, for the one call that writes them."""
    revealed = {"apiKey": api_key, "authToken": auth_token}
    return {name: secret.reveal() for name, secret in revealed.items() if secret is not None}


def _query_value(value: Any) -> str:
    """A query value percent-encoded; a list's items each encoded, joined by literal commas
    (form style, as the SDK sends `tags`: a comma inside an item stays `%2C`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set):
        return ",".join(quote(str(v), safe="") for v in value)
    return quote(str(value), safe="")


def device_body(device_id: str) -> dict[str, Any]:
    """The device body the SDK sends when minting a login token and on `PUT /me`."""
    return {
        "platform": "WEB",
        "deviceId": device_id,
        "appInfo": {
            "version": f"cometchat-nb {VERSION}",
            "apiVersion": CLIENT_API_VERSION,
            "userAgent": USER_AGENT,
        },
    }


#: The methods that do no harm when done twice.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Where a response keeps its body once parsed (`envelope`), so it is parsed once.
_BODY = "cometchat_nb.body"
_UNREADABLE = object()


def envelope(response: httpx.Response) -> dict[str, Any] | None:
    """The response's JSON envelope (`data` not null, or an `error` object), else None."""
    cached = response.extensions.get(_BODY)
    if cached is None:
        try:
            body = json.loads(response.content, object_hook=masked_object)
        except (ValueError, RecursionError):
            body = None
        ok = isinstance(body, dict) and (
            body.get("data") is not None or isinstance(body.get("error"), dict)
        )
        cached = response.extensions[_BODY] = body if ok else _UNREADABLE
    return cached if isinstance(cached, dict) else None


def _acts_once(response: httpx.Response) -> bool:
    """Whether `response` answers a request that is not idempotent (a create)."""
    try:
        return response.request.method.upper() not in IDEMPOTENT
    except RuntimeError:  # a response built by hand, with no request
        return False


def acted_maybe(response: httpx.Response) -> bool:
    """Whether a failed answer leaves unknown if a non-idempotent request was carried out
    (a 5xx, or an answer that cannot be read): a create is then resolved by reading back."""
    return _acts_once(response) and (response.status_code >= 500 or envelope(response) is None)


def unreadable(
    response: httpx.Response, reason: str, excerpt: str | None = None
) -> CometChatException:
    """`FAILED_TO_FETCH` for an answer of an unexpected shape, with its attempts and
    whether the request may have been carried out (`outcome_unknown`)."""
    error = failed_to_fetch(reason, response.status_code, excerpt)
    error.attempts = attempts_of(response)
    error.outcome_unknown = _acts_once(response)
    return error


def read(response: httpx.Response) -> dict[str, Any]:
    """The body of a successful response (with its `data`), or the typed error (spec 3.3:
    `data` first, as the SDK reads it)."""
    body = envelope(response)
    if body is not None and body.get("data") is not None:
        return body
    del body  # the raising frame keeps no answer in its locals: it may echo a secret
    raise failure(response)


def failure(response: httpx.Response) -> CometChatException:
    """The typed error of a response that is not a success, the request's secrets masked."""
    try:
        secrets = request_secrets(response.request)
    except RuntimeError:  # a response built by hand, with no request
        secrets = ()
    body = envelope(response)
    if body is not None:
        exc = from_envelope(body["error"], response.status_code, secrets)
        if isinstance(exc, RateLimitError):
            exc.retry_after = retry_after(response)
        exc.attempts = attempts_of(response)
        exc.outcome_unknown = acted_maybe(response)
        return exc
    excerpt = redact(response.content[:200].decode("utf-8", "replace"), secrets)
    return unreadable(response, "unreadable response", excerpt)


#: Where a session notes on a response how many tries its request took.
ATTEMPTS = "cometchat_nb.attempts"


def attempts_of(response: httpx.Response) -> int:
    """How many tries the request of `response` took (1 unless a session noted more)."""
    attempts = response.extensions.get(ATTEMPTS, 1)
    return attempts if isinstance(attempts, int) else 1


def parsed(parse: Callable[[Any], T], data: Any, response: httpx.Response) -> T:
    """`parse(data)` (e.g. `User.from_dict`); an odd shape is `FAILED_TO_FETCH`, never raw."""
    try:
        return parse(data)
    except Exception as exc:
        raise unreadable(response, f"unexpected shape ({type(exc).__name__})") from None


def data_of(response: httpx.Response) -> Any:
    """The `data` of a successful response (raises the typed error otherwise)."""
    return read(response)["data"]


def object_data(response: httpx.Response, *required: str) -> dict[str, Any]:
    """`data` as an object holding non-empty string `required` keys, else `FAILED_TO_FETCH`."""
    data = data_of(response)
    if not isinstance(data, dict) or any(
        not isinstance(data.get(k), str) or not data[k] for k in required
    ):
        raise unreadable(response, "unexpected response shape")
    return data


def transport_error(
    exc: httpx.HTTPError, attempts: int = 1, outcome_unknown: bool = False
) -> CometChatException:
    """`FAILED_TO_FETCH` for a network error or timeout, without the httpx text."""
    reason = "timeout" if isinstance(exc, httpx.TimeoutException) else type(exc).__name__
    error = failed_to_fetch(reason)
    error.attempts, error.outcome_unknown = attempts, outcome_unknown
    return error


def retry_after(response: httpx.Response, default: float = 15.0) -> float:
    """Seconds to wait after a 429: `Retry-After`, else the service's documented 15."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default
