"""From a request to a handler: decoding (`Call`), the route table, credentials, rate counting.

The table is built once, at import. `dispatch` applies the service's check order
(spec 4.0): route, app id, credential, then the handler's own validation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..secret import Secret
from ..wire import API_VERSIONS
from . import errors, handlers
from .errors import ServiceError
from .handlers import Context, Listing
from .ratelimit import RateLimiter

#: The largest request body read; a longer one is answered 413.
MAX_BODY = 1024 * 1024
#: Sent with every answer, and alone (204) to `OPTIONS` preflights (spec 2).
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "OPTIONS,HEAD,GET,POST,PUT,PATCH,DELETE",
    "Access-Control-Allow-Headers": (
        "Content-Type,Accept,Cache-Control,Authorization,X-Requested-With,appId,apiKey,"
        "authToken,onBehalfOf,resource,Accept-Encoding,group,region,sdk,guid,uid,"
        "clientEnvironment,extensionId,username,password,callToken,onBehalfOfUser"
    ),
}
_HOST_APP = re.compile(r"^([^.]+)\.api(?:client)?-[a-z]+\.")
_VERSION = re.compile(r"^v\d+(\.\d+)?$")
_TRUE = ("true", "1")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    """A JSON number as a float; one too large for a float is not a valid value."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _header_text(value: bytes) -> str:
    try:
        return value.decode()
    except UnicodeDecodeError:
        return value.decode("latin-1")


@dataclass(slots=True)
class Call:
    """One request, decoded: what the route handlers read.

    `headers` are keyed by lowercased name. `problem` is an error found while
    decoding, answered after the request is counted for rate limiting.
    """

    method: str
    segments: list[str]
    query: list[tuple[str, str]]
    headers: dict[str, str]
    raw_body: bytes
    host: str
    problem: ServiceError | None = None
    scope: str = ""  # "full" (REST API key), "auth" (the auth key) or "token"
    token: dict[str, Any] | None = None  # the authToken's record on T calls

    @classmethod
    def decode(
        cls,
        method: str,
        target: bytes,
        headers: Iterable[tuple[bytes, bytes]],
        body: bytes,
        *,
        host: str,
        public_host: str | None = None,
    ) -> Call:
        """A request from its parts: `target` is the raw path and query, as sent.

        The caller's host is `public_host` if set, else the `Host` header, else `host`.
        """
        path, _, query = target.partition(b"?")
        segments = [unquote(s) for s in path.decode("ascii", "replace").split("/") if s]
        problem = None
        if segments and _VERSION.match(segments[0]):
            version = segments.pop(0)
            if version not in API_VERSIONS:
                problem = errors.invalid_version(version)
        if len(body) > MAX_BODY:
            problem = errors.body_too_large()
        by_name: dict[str, str] = {}
        for name, value in headers:
            key, text = name.decode("latin-1").lower(), _header_text(value)
            by_name[key] = f"{by_name[key]}, {text}" if key in by_name else text
        host = public_host or by_name.get("host") or host
        if host.startswith("0.0.0.0"):  # a wildcard bind address is no place to come back to
            host = "127.0.0.1" + host[len("0.0.0.0") :]
        pairs = parse_qsl(query.decode("ascii", "replace"), keep_blank_values=True)
        return cls(method, segments, pairs, by_name, body, host, problem)

    def body(self) -> dict[str, Any]:
        """The JSON object sent (`{}` for none); anything else is `ERR_BAD_REQUEST`."""
        if not self.raw_body.strip():
            return {}
        try:
            body = json.loads(self.raw_body, parse_constant=_no_constant, parse_float=_finite)
        except (ValueError, RecursionError):
            raise errors.bad_request({"body": ["The request body must be valid JSON."]}) from None
        if not isinstance(body, dict):
            raise errors.bad_request({"body": ["The request body must be a JSON object."]})
        return body

    def param(self, name: str) -> str | None:
        """A query parameter's first value (`name` or `name[]`)."""
        for key, value in self.query:
            if key in (name, f"{name}[]"):
                return value
        return None

    def param_list(self, name: str) -> list[str]:
        """Every value of a list parameter: repeated, `name[]=` and comma-separated forms."""
        values = [v for k, v in self.query if k in (name, f"{name}[]")]
        return [item for value in values for item in value.split(",") if item]

    def flag(self, name: str) -> bool:
        value = self.param(name)
        return value is not None and value.lower() in _TRUE


Handler = Callable[[Context, Call], dict[str, Any] | Listing]


@dataclass(frozen=True, slots=True)
class Route:
    """A handler, the credential it needs, and its rate class (spec 4, 9).

    `auth` is "full" (REST API key), "auth" (either key), "token", "token?"
    (a token if any) or "full|token" (the key if sent, else a token).
    """

    handler: Handler
    auth: str
    rate_class: str


def _routes() -> dict[tuple[str, ...], dict[str, Route]]:
    h = handlers
    return {
        ("users",): {
            "POST": Route(h.create_user, "auth", "core"),
            "GET": Route(h.list_users, "full|token", "standard"),
            "DELETE": Route(h.deactivate_users, "full", "core"),
            "PUT": Route(h.reactivate_users, "full", "standard"),
        },
        ("users", "*"): {
            "GET": Route(h.get_user, "full|token", "standard"),
            "PUT": Route(h.update_user, "auth", "standard"),
            "DELETE": Route(h.delete_user, "full", "core"),
        },
        ("users", "*", "auth_tokens"): {
            "POST": Route(h.create_token, "auth", "standard"),
            "GET": Route(h.list_tokens, "full", "standard"),
            "DELETE": Route(h.flush_tokens, "full", "standard"),
        },
        ("users", "*", "auth_tokens", "*"): {
            "GET": Route(h.get_token, "full", "standard"),
            "PUT": Route(h.update_token, "full", "standard"),
            "DELETE": Route(h.delete_token, "full", "standard"),
        },
        ("me",): {
            "GET": Route(h.get_me, "token", "standard"),
            "PUT": Route(h.put_me, "token", "core"),
            "DELETE": Route(h.logout, "token", "core"),
        },
        ("user_sessions",): {"POST": Route(h.user_sessions, "token?", "standard")},
        ("settings",): {"GET": Route(h.get_settings, "token", "standard")},
    }


#: Every route, by path pattern (`*` for a path parameter) and method.
ROUTES: Mapping[tuple[str, ...], Mapping[str, Route]] = _routes()


def find(call: Call) -> Route | None:
    """The route a call asks for, or None."""
    pattern = tuple("*" if i % 2 else s for i, s in enumerate(call.segments))
    methods = ROUTES.get(pattern)
    return None if methods is None else methods.get(call.method)


def dispatch(
    context: Context, call: Call, limiter: RateLimiter, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    """Answer a call: (status, JSON body); the rate headers are added to `headers`.

    Raises `ServiceError` for every error answer.
    """
    route = None if call.problem else find(call)
    # Every answer carries the rate headers, errors included (spec 9).
    allowed, limit_headers = limiter.take(route.rate_class if route else "standard", context.now())
    headers.update(limit_headers)
    if call.problem:
        raise call.problem
    if route is None:
        raise errors.api_not_found()
    _check_app(context, call)
    if not allowed:
        raise errors.too_many_requests(limiter.retry_after)
    _authenticate(context, call, route.auth)
    result = route.handler(context, call)
    if isinstance(result, Listing):
        return 200, {"data": result.data, "meta": result.meta}
    return 200, {"data": result}


def _check_app(context: Context, call: Call) -> None:
    app_id = call.headers.get("appid")
    if app_id is None and (match := _HOST_APP.match(call.host)):
        app_id = match.group(1)
    if app_id is None:
        app_id = context.app_id  # the emulator serves exactly one app
    if not app_id.strip():
        raise errors.empty_app_id()
    if app_id != context.app_id:
        raise errors.invalid_app_id(app_id)


def _authenticate(context: Context, call: Call, rule: str) -> None:
    api_key = call.headers.get("apikey")
    if rule == "full|token":
        rule = "full" if api_key is not None else "token"
    if rule in ("full", "auth"):
        if not api_key or not api_key.strip():
            raise errors.empty_api_key()
        key = Secret(api_key)
        if key == context.rest_api_key:
            call.scope = "full"
        elif key == context.auth_key:
            call.scope = "auth"
            if rule == "full":
                raise errors.no_access(api_key)
        else:
            raise errors.api_key_not_found(api_key)
        return
    optional = rule == "token?"  # telemetry: accepted with or without a token (spec 4.15)
    token = call.headers.get("authtoken")
    if not token or not token.strip():
        if optional:
            return
        raise errors.empty_token()
    record = context.state.tokens.get(token)
    user = context.state.users.get(record["uid"]) if record else None
    if record is None or user is None or user.get("deactivatedAt"):
        if optional:
            return
        raise errors.token_not_found(token)
    call.scope, call.token = "token", record
