"""`Emulator`: CometChat's users and auth API as a pure function of state and request.

`handle(httpx.Request) -> httpx.Response` serves the client in-process through
`httpx.MockTransport`, and other processes through the ASGI adapter in `server`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from math import ceil
from os import PathLike
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import httpx

from ..models import User
from ..secret import Secret, service_masked
from ..wire import UID_CHARS
from .defaults import APP_ID, AUTH_KEY, REGION, REST_API_KEY
from .ratelimit import RateLimiter
from .state import State
from .validation import check_user_body, user_record_fields

if TYPE_CHECKING:
    from .server import Server

logger = logging.getLogger("cometchat_nb.emulator")

#: The start of the deterministic clock.
EPOCH = 1_717_000_000
MAX_BODY = 1024 * 1024

TEST_USERS = (
    ("cometchat-uid-1", "Andrew Joseph"),
    ("cometchat-uid-2", "George Alan"),
    ("cometchat-uid-3", "Nancy Grace"),
    ("cometchat-uid-4", "Susan Marie"),
    ("cometchat-uid-5", "John Paul"),
)
AVATAR = "https://assets.cometchat.io/sampleapp/v2/users/{uid}.webp"

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
_FALSE = ("false", "0")


class ServiceError(Exception):
    """An error envelope to answer with."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        dev_message: str | None = None,
        details: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.dev_message = dev_message or message
        self.details = details

    def envelope(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "devMessage": self.dev_message,
            "source": "chat-api",
            "code": self.code,
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(details: dict[str, list[str]]) -> ServiceError:
    message = "Failed to validate the data sent with the request."
    return ServiceError(400, "ERR_BAD_REQUEST", message, details=details)


def uid_not_found(uid: str) -> ServiceError:
    return ServiceError(
        404,
        "ERR_UID_NOT_FOUND",
        f"The UID {uid} does not exist, please make sure you have created a user with UID {uid}.",
        f"The UID {uid} does not exist, so please make sure you have created a user with UID "
        f"{uid}.",
    )


def token_not_found(token: str) -> ServiceError:
    message = (
        f"The auth token {token} does not exist. Please make sure you are logged in and have a "
        "valid auth token or try login again."
    )
    return ServiceError(401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", message)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    """A JSON number as a float; one too large for a float is not a valid value."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


@dataclass
class Call:
    """One request, decoded: what the route handlers read."""

    method: str
    segments: list[str]
    query: list[tuple[str, str]]
    headers: httpx.Headers
    raw_body: bytes
    host: str
    problem: ServiceError | None = None  # found while decoding, answered after the rate count
    scope: str = ""  # "full", "auth" (the auth key) or "token"
    token: dict[str, Any] | None = None  # the authToken's record on T calls

    def body(self) -> dict[str, Any]:
        """The JSON object sent (`{}` for none); anything else is `ERR_BAD_REQUEST`."""
        if not self.raw_body.strip():
            return {}
        try:
            body = json.loads(self.raw_body, parse_constant=_no_constant, parse_float=_finite)
        except (ValueError, RecursionError):
            raise bad_request({"body": ["The request body must be valid JSON."]}) from None
        if not isinstance(body, dict):
            raise bad_request({"body": ["The request body must be a JSON object."]})
        return body

    def param(self, name: str) -> str | None:
        for key, value in self.query:
            if key in (name, f"{name}[]"):
                return value
        return None

    def param_list(self, name: str) -> list[str]:
        values = [v for k, v in self.query if k in (name, f"{name}[]")]
        return [item for value in values for item in value.split(",") if item]

    def flag(self, name: str) -> bool:
        value = self.param(name)
        return value is not None and value.lower() in _TRUE


class Emulator:
    """An in-process emulator of one CometChat app's users and authentication.

    Seeded with `cometchat-uid-1` ... `cometchat-uid-5`. `requests` lists the last
    `keep_requests` requests handled (bodies over 1 MiB not kept).
    `deterministic=True` fixes the clock
    (one second per request from 2024-05-29) and the random tokens, so outputs
    are byte-stable. `latency` (seconds) delays every response, outside the lock.
    """

    def __init__(
        self,
        app_id: str = APP_ID,
        region: str = REGION,
        auth_key: str | Secret = AUTH_KEY,
        rest_api_key: str | Secret = REST_API_KEY,
        *,
        seed: bool = True,
        clock: Callable[[], float] | None = None,
        deterministic: bool = False,
        data: str | PathLike[str] | None = None,
        roles: tuple[str, ...] = (),
        user_quota: int | None = None,
        rate_limiter: RateLimiter | None = None,
        latency: float = 0.0,
        public_host: str | None = None,
        keep_requests: int = 10_000,
    ) -> None:
        for label, value in (("app_id", app_id), ("region", region)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{label} must be a non-empty string")
        self.app_id = app_id
        self.region = region.lower()
        self.auth_key = Secret(auth_key)
        self.rest_api_key = Secret(rest_api_key)
        if not self.auth_key or not self.rest_api_key:
            raise ValueError("the auth key and REST API key must be non-empty strings")
        self.deterministic = deterministic
        self.seed = seed
        self.roles = {"default", *roles}
        self.user_quota = user_quota
        self.rate_limiter = rate_limiter or RateLimiter()
        self.latency = latency
        self.public_host = public_host
        self.requests: list[httpx.Request] = []
        self.keep_requests = keep_requests
        self._handled = 0  # requests handled since the last reset: the deterministic clock
        self._clock = clock
        self._lock = threading.RLock()
        self._state = State(data)
        self._rng = random.Random(0) if deterministic else None
        self._jwt_key = hashlib.sha256(f"cometchat-nb:{app_id}".encode()).digest()
        self._on_reset: list[Callable[[], None]] = []
        if seed and not self._state.users:
            self._seed()

    # -- inspection and control ------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"Emulator(app_id={self.app_id!r}, region={self.region!r}, users={len(self.users)}, "
            f"requests={len(self.requests)})"
        )

    def _repr_html_(self) -> str:
        from ..display import emulator_html

        return emulator_html(self)

    @property
    def users(self) -> dict[str, User]:
        """A snapshot of every user (deactivated ones included), by uid."""
        with self._lock:
            return {uid: User.from_dict(r) for uid, r in self._state.users.items()}

    @property
    def persistent(self) -> bool:
        return self._state.persistent

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after every `reset()`, once the state is cleared.

        What lives beside the emulator (a client's stored sessions) is cleared with it.
        """
        self._on_reset.append(callback)

    def reset(self) -> None:
        """Forget every user, token and request; re-seed the test users; run `on_reset`s."""
        with self._lock:
            self._state.clear()
            self.requests.clear()
            self._handled = 0
            if self._rng is not None:
                self._rng.seed(0)
            if self.seed:
                self._seed()
        for callback in list(self._on_reset):
            callback()

    def close(self) -> None:
        """Close the SQLite file, if any."""
        with self._lock:
            self._state.close()

    def now(self) -> int:
        """The emulator's clock, in Unix seconds."""
        if self._clock is not None:
            return int(self._clock())
        if self.deterministic:
            return EPOCH + self._handled
        return int(time.time())

    def _seed(self) -> None:
        now = self.now()
        self._state.put_users(
            [
                {
                    "uid": uid,
                    "name": name,
                    "avatar": AVATAR.format(uid=uid),
                    "status": "offline",
                    "role": "default",
                    "createdAt": now,
                }
                for uid, name in TEST_USERS
            ]
        )

    def transport(self) -> httpx.MockTransport:
        """An httpx transport for a sync `httpx.Client`, answered by `handle`."""
        return httpx.MockTransport(self.handle)

    def async_transport(self) -> httpx.MockTransport:
        """An httpx transport for an `httpx.AsyncClient`, answered by `handle_async`."""
        return httpx.MockTransport(self.handle_async)

    def serve(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Server:
        """Serve this emulator over HTTP with uvicorn: `with emu.serve() as server: server.url`."""
        from .server import Server

        return Server(self, host=host, port=port, **options).start()

    # -- handling ------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request, as the service would."""
        if self.latency:
            time.sleep(self.latency)
        return self._answer(request)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        """`handle`, with the latency awaited so concurrent tasks interleave."""
        if self.latency:
            await asyncio.sleep(self.latency)
        return self._answer(request)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if request.method == "OPTIONS":
            return httpx.Response(204, headers=CORS_HEADERS)
        with self._lock:
            self._handled += 1
            self._record(request)
            headers = dict(CORS_HEADERS)
            try:
                status, body = self._route(request, headers)
            except ServiceError as exc:
                status, body = exc.status, exc.envelope()
            except Exception:  # a bug must still answer with an envelope
                logger.exception("emulator failed on %s %s", request.method, request.url.path)
                status, body = (
                    500,
                    ServiceError(
                        500, "ERR_EXCEPTION", "The emulator failed to handle the request."
                    ).envelope(),
                )
        return httpx.Response(status, headers=headers, json=body)

    def _record(self, request: httpx.Request) -> None:
        if len(request.content) > MAX_BODY:  # keep what was asked, not the oversized body
            request = httpx.Request(request.method, request.url, headers=request.headers)
        self.requests.append(request)
        if len(self.requests) > self.keep_requests:
            del self.requests[: len(self.requests) - self.keep_requests]

    def _route(self, request: httpx.Request, headers: dict[str, str]) -> tuple[int, Any]:
        call = self._decode(request)
        found = None if call.problem else self._find(call)
        # Every answer carries the rate headers, errors included (spec 9).
        rate_class = found[2] if found else "standard"
        allowed, limit_headers = self.rate_limiter.take(rate_class, self.now())
        headers.update(limit_headers)
        if call.problem:
            raise call.problem
        if found is None:
            raise ServiceError(
                404, "ERR_API_NOT_FOUND", "The API endpoint is invalid. Please verify the API call."
            )
        handler, auth, _ = found
        self._check_app(call)
        if not allowed:
            seconds = self.rate_limiter.retry_after
            raise ServiceError(
                429,
                "ERR_TOO_MANY_REQUESTS",
                f"Too many requests. Please retry after {seconds} seconds.",
            )
        self._authenticate(call, auth)
        result = handler(call)
        if isinstance(result, _ListResult):
            return 200, {"data": result.data, "meta": result.meta}
        return 200, {"data": result}

    def _decode(self, request: httpx.Request) -> Call:
        """The request as a `Call`; a bad version or an oversized body is noted in `problem`."""
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
        segments = [unquote(s) for s in raw_path.split("/") if s]
        problem = None
        if segments and _VERSION.match(segments[0]):
            version = segments.pop(0)
            if version not in ("v3", "v3.0"):
                problem = ServiceError(
                    404, "ERR_INVALID_API_VERSION", f"The API version {version} is invalid."
                )
        body = request.content
        if len(body) > MAX_BODY:
            problem = ServiceError(
                413, "ERR_BAD_REQUEST", "The request body is too large (over 1 MiB)."
            )
        query = parse_qsl(request.url.query.decode("ascii", "replace"), keep_blank_values=True)
        host = self.public_host or request.headers.get("host") or request.url.netloc.decode()
        if host.startswith("0.0.0.0"):  # a wildcard bind address is no place to come back to
            host = "127.0.0.1" + host[len("0.0.0.0") :]
        return Call(request.method, segments, query, request.headers, body, host, problem)

    def _find(self, call: Call) -> tuple[Callable[[Call], Any], str, str] | None:
        """(handler, credential rule, rate class) for the route, or None."""
        route = tuple("*" if i % 2 else s for i, s in enumerate(call.segments))
        table: dict[tuple[str, ...], dict[str, tuple[Callable[[Call], Any], str, str]]] = {
            ("users",): {
                "POST": (self._create_user, "auth", "core"),
                "GET": (self._list_users, "full|token", "standard"),
                "DELETE": (self._deactivate_users, "full", "core"),
                "PUT": (self._reactivate_users, "full", "standard"),
            },
            ("users", "*"): {
                "GET": (self._get_user, "full|token", "standard"),
                "PUT": (self._update_user, "auth", "standard"),
                "DELETE": (self._delete_user, "full", "core"),
            },
            ("users", "*", "auth_tokens"): {
                "POST": (self._create_token, "auth", "standard"),
                "GET": (self._list_tokens, "full", "standard"),
                "DELETE": (self._flush_tokens, "full", "standard"),
            },
            ("users", "*", "auth_tokens", "*"): {
                "GET": (self._get_token, "full", "standard"),
                "PUT": (self._update_token, "full", "standard"),
                "DELETE": (self._delete_token, "full", "standard"),
            },
            ("me",): {
                "GET": (self._get_me, "token", "standard"),
                "PUT": (self._put_me, "token", "core"),
                "DELETE": (self._logout, "token", "core"),
            },
            ("user_sessions",): {"POST": (self._user_sessions, "token?", "standard")},
            ("settings",): {"GET": (self._get_settings, "token", "standard")},
        }
        return table.get(route, {}).get(call.method)

    def _check_app(self, call: Call) -> None:
        app_id = call.headers.get("appid")
        if app_id is None and (match := _HOST_APP.match(call.host)):
            app_id = match.group(1)
        if app_id is None:
            app_id = self.app_id  # the emulator serves exactly one app
        if not app_id.strip():
            raise ServiceError(401, "AUTH_ERR_EMPTY_APPID", "The appId header is missing or empty.")
        if app_id != self.app_id:
            raise ServiceError(
                401,
                "AUTH_ERR_INVALID_APPID",
                f"The appId {app_id} is invalid or does not exist in this region.",
            )

    def _authenticate(self, call: Call, rule: str) -> None:
        api_key = call.headers.get("apikey")
        token = call.headers.get("authtoken")
        if rule == "full|token":
            rule = "full" if api_key is not None else "token"
        if rule in ("full", "auth"):
            if not api_key or not api_key.strip():
                raise ServiceError(
                    401, "AUTH_ERR_EMPTY_APIKEY", "The apiKey header is missing or empty."
                )
            key = Secret(api_key)
            if key == self.rest_api_key:
                call.scope = "full"
            elif key == self.auth_key:
                call.scope = "auth"
                if rule == "full":
                    shown = service_masked(api_key)
                    raise ServiceError(
                        403,
                        "AUTH_ERR_NO_ACCESS",
                        f"The key {shown} cannot be used to perform this operation. Please use "
                        "API key with a correct scope to perform the operation.",
                        f"The {shown} key does not have enough clearance. To perform the "
                        "operation, please use the API key with the correct scope.",
                    )
            else:
                shown = service_masked(api_key)
                raise ServiceError(
                    401,
                    "AUTH_ERR_APIKEY_NOT_FOUND",
                    f"The key {shown} does not exist. Please use correct apiKey.",
                    f"The {shown} key doesn't work. Please use correct apiKey.",
                )
            return
        optional = rule == "token?"  # telemetry: accepted with or without a token (spec 4.15)
        if not token or not token.strip():
            if optional:
                return
            raise ServiceError(
                401, "AUTH_ERR_EMPTY_AUTH_TOKEN", "The authToken header is missing or empty."
            )
        record = self._state.tokens.get(token)
        user = self._state.users.get(record["uid"]) if record else None
        if record is None or user is None or user.get("deactivatedAt"):
            if optional:
                return
            raise token_not_found(token)
        call.scope, call.token = "token", record

    # -- helpers -------------------------------------------------------------

    def _active_user(self, uid: str) -> dict[str, Any]:
        record = self._state.users.get(uid.lower()) if UID_CHARS.fullmatch(uid) else None
        if record is None or record.get("deactivatedAt"):
            raise uid_not_found(uid.lower())
        return record

    def _wire(self, record: dict[str, Any], call: Call, *, tags: bool = True) -> dict[str, Any]:
        """A user as the caller sees it: online is "online" to clients, "available" to REST."""
        user = {k: v for k, v in record.items() if tags or k != "tags"}
        if user.get("status") != "offline":
            user["status"] = "online" if call.scope == "token" else "available"
        return user

    def _mint(self, uid: str) -> dict[str, Any]:
        now = self.now()
        hex30 = (
            "".join(self._rng.choice("0123456789abcdef") for _ in range(30))
            if self._rng is not None
            else secrets.token_hex(15)
        )
        record = {"uid": uid, "authToken": f"{uid}_{now:010d}{hex30}", "createdAt": now}
        self._state.put_token(record)
        return record

    def _page(self, call: Call, items: list[Any]) -> tuple[list[Any], dict[str, Any]]:
        problems: dict[str, list[str]] = {}
        numbers: dict[str, int] = {}
        for name, default, low, high in (("perPage", 100, 1, 1000), ("page", 1, 1, 10**9)):
            raw = call.param(name)
            try:
                numbers[name] = default if raw is None else int(raw)
                if not low <= numbers[name] <= high:
                    raise ValueError
            except ValueError:
                words = "per page" if name == "perPage" else "page"
                problems[name] = [f"The {words} must be an integer between {low} and {high}."]
        if problems:
            raise bad_request(problems)
        per_page, page = numbers["perPage"], numbers["page"]
        chunk = items[(page - 1) * per_page : page * per_page]
        pagination = {
            "total": len(items),
            "count": len(chunk),
            "per_page": per_page,
            "current_page": page,
            "total_pages": ceil(len(items) / per_page),
        }
        return chunk, pagination

    def _session_data(self, record: dict[str, Any], call: Call, token: str) -> dict[str, Any]:
        data = self._wire(record, call)
        data["authToken"] = token
        data["jwt"] = self._jwt(record["uid"])
        data["wsChannel"] = {
            "identity": f"[{self.app_id}]{record['uid']}",
            "secret": hashlib.sha1(self._jwt_key + token.encode()).hexdigest(),
            "service": "cometchat-nb-emulator",
        }
        data["settings"] = self._settings(call)
        return data

    def _jwt(self, uid: str) -> str:
        def b64(raw: bytes) -> str:
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"appId": self.app_id, "uid": uid, "iat": self.now(), "iss": "cometchat-nb"}
        payload = b64(json.dumps(claims).encode())
        signature = hmac.new(self._jwt_key, f"{header}.{payload}".encode(), "sha256").digest()
        return f"{header}.{payload}.{b64(signature)}"

    def _settings(self, call: Call) -> dict[str, Any]:
        host = call.host
        name, _, port = host.rpartition(":") if ":" in host else (host, "", "443")
        return {
            "CLIENT_API_HOST": host,
            "ADMIN_API_HOST": host,
            "CHAT_API_VERSION": "v3.0",
            "WS_API_VERSION": "v3.0",
            "CHAT_HOST": name,
            "CHAT_USE_SSL": True,
            "CHAT_WSS_PORT": port,
            "CHAT_WS_PORT": port,
            "ANALYTICS_HOST": host,
            "ANALYTICS_VERSION": "v1",
            "ANALYTICS_USE_SSL": True,
            "ANALYTICS_PING_DISABLED": True,
            "APP_VERSION": 4,
            "MODE": "DEFAULT",
            "REGION": self.region,
            "EXTENSION_DOMAIN": name,
            "extensions": [],
            "settingsHash": hashlib.sha256(self.app_id.encode()).hexdigest()[:16],
            "settingsHashReceivedAt": self.now(),
        }

    def _check_role(self, body: dict[str, Any]) -> None:
        role = body.get("role")
        if role is not None and role not in self.roles:
            raise ServiceError(
                404,
                "ERR_ROLE_NOT_FOUND",
                f"The role {role} does not exist. Please use correct role or use create role API.",
            )

    # -- users ---------------------------------------------------------------

    def _create_user(self, call: Call) -> dict[str, Any]:
        body = call.body()
        if problems := check_user_body(body, create=True):
            raise bad_request(problems.details)
        self._check_role(body)
        uid = body["uid"].lower()
        if uid in self._state.users:
            raise ServiceError(
                400,
                "ERR_UID_ALREADY_EXISTS",
                f"The uid {uid} already exists. Please use another uid or try after permanently "
                "deleting the user.",
                f"The uid {uid} already exists. Please use another uid or try recreating after "
                "permanently deleting the user.",
            )
        if self.user_quota is not None and len(self._state.users) >= self.user_quota:
            raise ServiceError(
                402,
                "ERR_PLAN_QUOTA_RESTRICTION",
                "You've exhausted the quota. The allowed limit of the feature Create User for "
                f"your current plan emulator is {self.user_quota}. Please upgrade the plan to "
                "increase the limit.",
            )
        record = {"uid": uid, **user_record_fields(body), "status": "offline"}
        record.setdefault("role", "default")
        record["createdAt"] = self.now()
        self._state.put_user(record)
        data = self._wire(record, call)
        if body.get("withAuthToken") is True:
            data["authToken"] = self._mint(uid)["authToken"]
        return data

    def _list_users(self, call: Call) -> Any:
        records = list(self._state.users.values())
        if call.flag("onlyDeactivated"):
            records = [r for r in records if r.get("deactivatedAt")]
        elif not call.flag("withDeactivated"):
            records = [r for r in records if not r.get("deactivatedAt")]
        if key := (call.param("searchKey") or "").lower():
            fields = call.param_list("searchIn") or ["uid", "name"]
            records = [
                r for r in records if any(str(r.get(f, "")).lower().startswith(key) for f in fields)
            ]
        if status := call.param("status"):
            wanted_online = status == "available"
            records = [r for r in records if (r.get("status") != "offline") == wanted_online]
        if roles := call.param_list("roles") + call.param_list("role"):
            records = [r for r in records if r.get("role") in roles]
        if tags := call.param_list("tags"):
            records = [r for r in records if set(r.get("tags") or ()) & set(tags)]
        order = {uid: i for i, uid in enumerate(self._state.users)}
        records.sort(key=lambda r: (r["createdAt"], order[r["uid"]]), reverse=True)
        chunk, pagination = self._page(call, records)
        with_tags = call.flag("withTags")
        meta: dict[str, Any] = {"pagination": pagination}
        if records:
            newest = max(r.get("updatedAt", r["createdAt"]) for r in records)
            meta["cursor"] = {"updatedAt": newest, "affix": "prepend"}
        return _ListResult([self._wire(r, call, tags=with_tags) for r in chunk], meta)

    def _get_user(self, call: Call) -> dict[str, Any]:
        data = self._wire(self._active_user(call.segments[1]), call)
        if call.scope == "token" or call.headers.get("onbehalfof"):
            data.update(hasBlockedMe=False, blockedByMe=False)
        return data

    def _update_user(self, call: Call) -> dict[str, Any]:
        body = call.body()
        if problems := check_user_body(body, create=False):
            raise bad_request(problems.details)
        self._check_role(body)
        record = dict(self._active_user(call.segments[1]))
        for field in body.get("unset", []):
            record.pop(field, None)
        record.update(user_record_fields(body))
        record["updatedAt"] = self.now()
        self._state.put_user(record)
        return self._wire(record, call)

    def _delete_user(self, call: Call) -> dict[str, Any]:
        body = call.body()
        permanent = body.get("permanent", False)
        if isinstance(permanent, str) and permanent.lower() in (*_TRUE, *_FALSE):
            permanent = permanent.lower() in _TRUE
        if not isinstance(permanent, bool):
            raise bad_request({"permanent": ["The permanent field must be true or false."]})
        record = self._active_user(call.segments[1])
        uid = record["uid"]
        if permanent:
            self._state.delete_user(uid)
            return {
                "success": True,
                "message": f"User with UID {uid} has been deleted successfully.",
            }
        self._state.put_user({**record, "deactivatedAt": self.now(), "status": "offline"})
        return {"deactivatedUids": [uid]}

    def _uid_list(self, call: Call, key: str) -> list[str]:
        uids = call.body().get(key)
        if not isinstance(uids, list) or not uids or not all(isinstance(u, str) for u in uids):
            raise bad_request({key: [f"The {key} must be a non-empty array of strings."]})
        return uids

    def _deactivate_users(self, call: Call) -> dict[str, Any]:
        result: dict[str, list[str]] = {
            "deactivatedUids": [],
            "alreadyDeactivatedUids": [],
            "notFound": [],
        }
        now = self.now()
        for uid in self._uid_list(call, "uidsToDeactivate"):
            record = self._state.users.get(uid.lower())
            if record is None:
                result["notFound"].append(uid)
            elif record.get("deactivatedAt"):
                result["alreadyDeactivatedUids"].append(record["uid"])
            else:
                self._state.put_user({**record, "deactivatedAt": now, "status": "offline"})
                result["deactivatedUids"].append(record["uid"])
        return {k: v for k, v in result.items() if v}

    def _reactivate_users(self, call: Call) -> dict[str, Any]:
        result: dict[str, list[str]] = {
            "reactivatedUids": [],
            "nonDeactivatedUids": [],
            "notFound": [],
        }
        for uid in self._uid_list(call, "uidsToActivate"):
            record = self._state.users.get(uid.lower())
            if record is None:
                result["notFound"].append(uid)
            elif not record.get("deactivatedAt"):
                result["nonDeactivatedUids"].append(record["uid"])
            else:
                self._state.put_user({k: v for k, v in record.items() if k != "deactivatedAt"})
                result["reactivatedUids"].append(record["uid"])
        return {k: v for k, v in result.items() if v}

    # -- auth tokens ---------------------------------------------------------

    def _user_tokens(self, uid: str) -> list[dict[str, Any]]:
        return [t for t in reversed(self._state.tokens.values()) if t["uid"] == uid]

    def _create_token(self, call: Call) -> dict[str, Any]:
        body = call.body()
        if "force" in body and not isinstance(body["force"], bool):
            raise bad_request({"force": ["The force field must be true or false."]})
        return dict(self._mint(self._active_user(call.segments[1])["uid"]))

    def _list_tokens(self, call: Call) -> Any:
        uid = self._active_user(call.segments[1])["uid"]
        chunk, pagination = self._page(call, self._user_tokens(uid))
        return _ListResult([dict(t) for t in chunk], {"pagination": pagination})

    def _token(self, call: Call) -> dict[str, Any]:
        uid = self._active_user(call.segments[1])["uid"]
        record = self._state.tokens.get(call.segments[3])
        if record is None or record["uid"] != uid:
            raise ServiceError(404, "ERR_AUTH_TOKEN_NOT_FOUND", "Auth token does not exist.")
        return record

    def _get_token(self, call: Call) -> dict[str, Any]:
        return dict(self._token(call))

    def _update_token(self, call: Call) -> dict[str, Any]:
        body = call.body()
        problems = {
            f: [f"The {f} must be a {kind}."]
            for f, kind, types in (
                ("platform", "string", str),
                ("userAgent", "string", str),
                ("appInfo", "object", dict),
            )
            if f in body and not isinstance(body[f], types)
        }
        if problems:
            raise bad_request(problems)
        return dict(self._token(call))

    def _delete_token(self, call: Call) -> dict[str, Any]:
        self._state.delete_tokens([self._token(call)["authToken"]])
        return {"success": True, "message": "Auth token deleted successfully."}

    def _flush_tokens(self, call: Call) -> dict[str, Any]:
        uid = self._active_user(call.segments[1])["uid"]
        self._state.delete_tokens([t["authToken"] for t in self._user_tokens(uid)])
        return {"success": True, "message": f"Cleared Auth Tokens successfully for uid {uid}."}

    # -- the current user ----------------------------------------------------

    def _me(self, call: Call) -> dict[str, Any]:
        assert call.token is not None
        return self._state.users[call.token["uid"]]

    def _get_me(self, call: Call) -> dict[str, Any]:
        assert call.token is not None
        return self._session_data(self._me(call), call, call.token["authToken"])

    def _put_me(self, call: Call) -> dict[str, Any]:
        assert call.token is not None
        body = call.body()
        record = dict(self._me(call))
        profile = {k: v for k, v in body.items() if k not in ("uid", "role")}
        if any(
            k in profile for k in ("name", "avatar", "link", "metadata", "statusMessage", "tags")
        ):
            if problems := check_user_body(profile, create=False):
                raise bad_request(problems.details)
            record.update(user_record_fields(profile))
            record["updatedAt"] = self.now()
        else:  # a device body: a login
            record["status"] = "online"
            record["lastActiveAt"] = self.now()
        self._state.put_user(record)
        return self._session_data(record, call, call.token["authToken"])

    def _logout(self, call: Call) -> dict[str, Any]:
        assert call.token is not None
        record = self._me(call)
        self._state.delete_tokens([call.token["authToken"]])
        self._state.put_user({**record, "status": "offline"})
        return {"success": True, "message": "User logged out successfully."}

    def _user_sessions(self, call: Call) -> dict[str, Any]:
        session_id = call.body().get("sessionId")
        return {"sessionId": session_id if isinstance(session_id, str) else ""}

    def _get_settings(self, call: Call) -> dict[str, Any]:
        return self._settings(call)


class _ListResult:
    """A list answer: `data` plus `meta`."""

    def __init__(self, data: list[Any], meta: dict[str, Any]) -> None:
        self.data, self.meta = data, meta


_embedded: Emulator | None = None
_embedded_lock = threading.Lock()


def embedded() -> Emulator:
    """The process-wide emulator a bare `Session()` connects to, made on first use.

    `COMETCHAT_NB_DETERMINISTIC=1` makes its clock and tokens deterministic.
    """
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            deterministic = os.environ.get("COMETCHAT_NB_DETERMINISTIC", "") not in ("", "0")
            _embedded = Emulator(deterministic=deterministic)
        return _embedded
