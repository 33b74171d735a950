"""`Call`: one request to the emulator, decoded from its parts (method, target, headers, body).

What the route table and the handlers read; it knows nothing of routes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..wire import API_VERSIONS
from . import refusals
from .refusals import ServiceError

#: An answer in raw form: status, header pairs, JSON body.
Reply = tuple[int, list[tuple[bytes, bytes]], bytes]

#: The largest request body read; a longer one is answered 413.
MAX_BODY = 1024 * 1024
#: The longest request target (path and query) answered; a longer one is answered 414.
MAX_TARGET = 64 * 1024
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
#: The path of the WebSocket under the login settings' single-port recipe (spec 4.1), where
#: the SDK also sends its online count, as `POST /ws?_=/api/{v}/online-members`.
SOCKET_PATH = "/ws"
_SOCKET_TARGET = SOCKET_PATH.encode() + b"?_=/"
_JSON_TYPE = (b"Content-Type", b"application/json")
_VERSION = re.compile(r"^v\d+(\.\d+)?$")
_TRUE = ("true", "1")


def reply(status: int, body: Any, headers: dict[str, str]) -> Reply:
    """An answer with a JSON body, encoded as httpx encodes JSON (so in-process and served
    answers match byte for byte); a lone surrogate stored before it was refused is escaped."""
    try:
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        encoded = content.encode()
    except UnicodeEncodeError:
        encoded = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    raw += [(b"Content-Length", str(len(encoded)).encode()), _JSON_TYPE]
    return status, raw, encoded


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    """A JSON number as a float; one too large for a float is not a valid value."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _encodable(value: Any) -> bool:
    """Whether every string in a JSON value can be encoded (no lone surrogate)."""
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


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
    raw_query: str = ""  # the query as sent, before percent-decoding

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
        problem = None
        if len(target) > MAX_TARGET:  # answered 414; what is kept of it stays small
            problem, target = refusals.target_too_long(MAX_TARGET), target[:MAX_TARGET]
        if target.startswith(_SOCKET_TARGET):  # the request's target is the `_` parameter
            target = target[len(_SOCKET_TARGET) - 1 :]
        path, _, query = target.partition(b"?")
        segments = [unquote(s) for s in path.decode("ascii", "replace").split("/") if s]
        if segments and _VERSION.match(segments[0]):
            version = segments.pop(0)
            if version not in API_VERSIONS and problem is None:
                problem = refusals.invalid_version(version)
        if len(body) > MAX_BODY:
            problem = refusals.body_too_large()
        by_name: dict[str, str] = {}
        for name, value in headers:
            key, text = name.decode("latin-1").lower(), _header_text(value)
            by_name[key] = f"{by_name[key]}, {text}" if key in by_name else text
        host = public_host or by_name.get("host") or host
        if host.startswith("0.0.0.0"):  # a wildcard bind address is no place to come back to
            host = "127.0.0.1" + host[len("0.0.0.0") :]
        raw_query = query.decode("ascii", "replace")
        pairs = parse_qsl(raw_query, keep_blank_values=True)
        return cls(method, segments, pairs, by_name, body, host, problem, raw_query=raw_query)

    def body(self) -> dict[str, Any]:
        """The JSON object sent (`{}` for none); anything else is `ERR_BAD_REQUEST`."""
        if not self.raw_body.strip():
            return {}
        try:
            body = json.loads(self.raw_body, parse_constant=_no_constant, parse_float=_finite)
        except (ValueError, RecursionError):
            raise refusals.bad_request({"body": ["The request body must be valid JSON."]}) from None
        if not isinstance(body, dict):
            raise refusals.bad_request({"body": ["The request body must be a JSON object."]})
        if b"\\u" in self.raw_body and not _encodable(body):
            raise refusals.unencodable_text()
        return body

    @property
    def path(self) -> str:
        """The path without its version prefix, e.g. `/users/alice` (what faults match)."""
        return "/" + "/".join(self.segments)

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

    def raw_list(self, name: str) -> list[str]:
        """`param_list`, split on the commas sent before percent-decoding (so an encoded
        `%2C` stays inside its item, as the SDK encodes each tag)."""
        kept = re.sub("%2[Cc]", "%252C", self.raw_query)  # decoded once below, to "%2C"
        pairs = parse_qsl(kept, keep_blank_values=True)
        values = [v for k, v in pairs if k in (name, f"{name}[]")]
        return [unquote(item) for value in values for item in value.split(",") if item]

    def flag(self, name: str) -> bool:
        value = self.param(name)
        return value is not None and value.lower() in _TRUE
