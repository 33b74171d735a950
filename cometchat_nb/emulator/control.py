"""The emulator's control plane: the routes under `/_emulator/`, its index, and `GET /`.

In-process these are `Emulator` calls; served, the same calls are these routes, which
need the emulator's REST API key in `apiKey` (unless marked "no key") and answer in the
service's JSON envelopes. What a `GET` answers, its `PUT` takes back (the envelope
`{"data": ...}` or what is inside it). `RemoteEmulator` calls them:

    GET    /_emulator/                 the index of these routes (no key)
    POST   /_emulator/reset            Emulator.reset()
    GET    /_emulator/state            Emulator.export_state() (avatars on the caller's host)
    PUT    /_emulator/state            Emulator.import_state(snapshot)
    GET    /_emulator/faults           Emulator.faults.export(): rules (with `fired`), counts, log
    PUT    /_emulator/faults           Emulator.faults.load(document): replace them
    POST   /_emulator/faults           Emulator.faults.inject(...), as a rule's `describe()`
    DELETE /_emulator/faults           Emulator.faults.clear()
    GET    /_emulator/settings         Emulator.export_settings()
    PUT    /_emulator/settings         Emulator.import_settings(settings)
    GET    /_emulator/requests         Emulator.request_log(), `meta` saying what was dropped;
                                       `?after=N` only the entries after number N
    GET    /_emulator/requests/{n}     Emulator.logged_request(n): one, with its answer, masked
    GET    /_emulator/avatars/{uid}.svg  a test user's avatar (no key: an `<img>` sends none)
    GET    /_emulator/ui               the console page (no key), and its files under ui/

`GET /` (under any version prefix too) answers what the emulator serves; `GET
/_emulator/ui` is the console page for a browser (see `console`; no key: the page asks
for it). Control requests are not rate counted, not faulted, not logged and do not
move the deterministic clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..secret import Secret
from ..wire import API_VERSIONS, UID_CHARS, emulator_avatar_svg
from . import console, refusals, routing
from .call import CORS_HEADERS, Call, Reply
from .faults import Faults, rule_from
from .refusals import ServiceError
from .requestlog import RequestList
from .snapshots import on_host

#: The first path segment of every control route.
PREFIX = "_emulator"


class Controlled(Protocol):
    """What the control routes drive: an `Emulator`."""

    app_id: str
    region: str
    rest_api_key: Secret
    auth_key: Secret
    faults: Faults

    def reset(self) -> None: ...

    def export_state(self) -> dict[str, Any]: ...

    def import_state(self, snapshot: Mapping[str, Any]) -> None: ...

    def export_settings(self) -> dict[str, Any]: ...

    def import_settings(self, settings: Mapping[str, Any]) -> None: ...

    def request_log(self) -> RequestList: ...

    def logged_request(self, number: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Raw:
    """An answer that is not JSON (an avatar, a page): its type and bytes."""

    content_type: str
    content: bytes
    cache: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Listed:
    """A JSON answer with `meta` beside its `data`, as the service's listings have."""

    data: Any
    meta: dict[str, Any]


@dataclass(frozen=True)
class ControlRoute:
    """One control route: what it does, whether it needs the REST API key, a summary."""

    action: Callable[[Controlled, Call], Any]
    keyed: bool
    summary: str


def _unwrapped(call: Call) -> dict[str, Any]:
    """A PUT's body: what a GET answered, in its envelope or not."""
    body = call.body()
    data = body.get("data") if set(body) in ({"data"}, {"data", "meta"}) else body
    if not isinstance(data, dict):
        raise refusals.bad_request({"body": ["expected what the GET of this route answered"]})
    return data


def _reset(target: Controlled, call: Call) -> Any:
    target.reset()
    return {"success": True, "message": "The emulator was reset."}


def _put_state(target: Controlled, call: Call) -> Any:
    snapshot = on_host(_unwrapped(call), call.host, served=False)
    target.import_state(snapshot)
    return {"success": True, "users": len(snapshot["users"]), "tokens": len(snapshot["tokens"])}


def _put_faults(target: Controlled, call: Call) -> Any:
    target.faults.load(_unwrapped(call))
    return target.faults.export()


def _delete_faults(target: Controlled, call: Call) -> Any:
    target.faults.clear()
    return {"success": True, "message": "Every fault rule was removed."}


def _put_settings(target: Controlled, call: Call) -> Any:
    target.import_settings(_unwrapped(call))
    return target.export_settings()


def _requests(target: Controlled, call: Call) -> Any:
    """The log; `?after=N`, only the entries after number N, with `meta.previous` (entry
    N itself, or null when it is gone: a reset, or dropped) and `meta.kept`."""
    log = target.request_log()
    meta: dict[str, Any] = {"dropped": log.dropped, "size": log.size}
    after = call.param("after")
    if after is None:
        return Listed(list(log), meta)
    if not after.isdigit():
        raise refusals.bad_request({"after": ["a request number, 0 or more"]})
    start = max(0, int(after) - log.dropped)  # the index of entry N + 1
    meta.update(kept=len(log), previous=log[start - 1] if 0 < start <= len(log) else None)
    return Listed(log[start:], meta)


def _logged(target: Controlled, call: Call) -> Any:
    number = call.segments[-1]
    try:
        return target.logged_request(int(number) if number.isdigit() else 0)
    except LookupError:
        raise refusals.not_logged(number) from None


def _index(target: Controlled, call: Call) -> Any:
    """What the emulator serves: the service's routes and the control plane's."""
    api = sorted(
        f"{method} /{'/'.join('{id}' if s == '*' else s for s in pattern)}"
        for pattern, methods in routing.ROUTES.items()
        for method in methods
    )
    control = [
        {"method": method, "path": path, "key": route.keyed, "summary": route.summary}
        for (method, path), route in ROUTES.items()
    ]
    return {
        "service": "cometchat-nb emulator of CometChat's users and auth API",
        "console": console.PATH,  # the page to open in a browser, on this address
        "app_id": target.app_id,
        "region": target.region,
        "prefixes": ["/", *(f"/{version}/" for version in sorted(API_VERSIONS))],
        "api": api,
        "control": control,
    }


#: Every control route, by (method, path); `{uid}` stands for a path segment. A page (the
#: console at `/_emulator/ui`) joins this table with an action returning `Raw`, and the
#: index lists it with the rest.
ROUTES: dict[tuple[str, str], ControlRoute] = {
    ("GET", "/"): ControlRoute(_index, False, "what the emulator serves (this answer)"),
    ("GET", "/_emulator"): ControlRoute(_index, False, "this index"),
    ("POST", "/_emulator/reset"): ControlRoute(_reset, True, "forget everything; re-seed"),
    ("GET", "/_emulator/state"): ControlRoute(
        lambda t, c: on_host(t.export_state(), c.host, served=True), True, "users, tokens, settings"
    ),
    ("PUT", "/_emulator/state"): ControlRoute(_put_state, True, "replace users and tokens"),
    ("GET", "/_emulator/faults"): ControlRoute(
        lambda t, c: t.faults.export(), True, "fault rules (how often each fired), counts, log"
    ),
    ("PUT", "/_emulator/faults"): ControlRoute(_put_faults, True, "replace the fault rules"),
    ("POST", "/_emulator/faults"): ControlRoute(
        lambda t, c: t.faults.add(rule_from(c.body())).describe(), True, "inject one fault rule"
    ),
    ("DELETE", "/_emulator/faults"): ControlRoute(_delete_faults, True, "remove every rule"),
    ("GET", "/_emulator/settings"): ControlRoute(
        lambda t, c: t.export_settings(), True, "latency, request log size, rate limits"
    ),
    ("PUT", "/_emulator/settings"): ControlRoute(_put_settings, True, "change settings"),
    ("GET", "/_emulator/requests"): ControlRoute(
        _requests, True, "the requests answered, redacted; meta.dropped"
    ),
    ("GET", "/_emulator/requests/{number}"): ControlRoute(
        _logged, True, "one request answered, with its answer, every key and token masked"
    ),
    ("GET", "/_emulator/avatars/{uid}.svg"): ControlRoute(
        lambda t, c: _avatar(c.segments[-1]), False, "a test user's avatar"
    ),
    ("GET", "/_emulator/ui"): ControlRoute(
        lambda t, c: _console(""), False, "the console page, for a browser (asks for the key)"
    ),
    ("GET", "/_emulator/ui/{file}"): ControlRoute(
        lambda t, c: _console(c.segments[-1]), False, "the console's stylesheet and script"
    ),
}


def is_control(call: Call) -> bool:
    """Whether a call is for the control plane (`/_emulator/...`, or `GET /`)."""
    if not call.segments:
        return call.method == "GET"
    return call.segments[0] == PREFIX


#: The routes with a parameter after `/_emulator/{name}/`, and how `ROUTES` names it.
_PARAMETERS = {"avatars": "{uid}.svg", "ui": "{file}", "requests": "{number}"}


def _find(call: Call) -> ControlRoute:
    path = "/" + "/".join(call.segments)
    if len(call.segments) == 3 and call.segments[1] in _PARAMETERS:
        path = f"/_emulator/{call.segments[1]}/{_PARAMETERS[call.segments[1]]}"
    route = ROUTES.get((call.method, path))
    if route is None:
        raise refusals.api_not_found()
    return route


def answer(target: Controlled, call: Call) -> Reply:
    """Answer a control call (see the module docstring); errors in the service's envelope."""
    headers = dict(CORS_HEADERS)
    try:
        if call.problem:
            raise call.problem
        route = _find(call)
        if route.keyed:
            _authenticate(target, call)
        try:
            result = route.action(target, call)
        except (ValueError, TypeError) as exc:  # a document that does not fit: nothing changed
            raise refusals.bad_request({call.path: [str(exc)]}) from None
        status = 200
        if isinstance(result, Raw):
            headers["Content-Type"] = result.content_type
            if result.cache:
                headers["Cache-Control"] = "public, max-age=86400"
            headers.update(result.headers)
            return status, _raw(headers, result.content), result.content
        body = (
            {"data": result.data, "meta": result.meta}
            if isinstance(result, Listed)
            else {"data": result}
        )
    except ServiceError as exc:
        status, body = exc.status, exc.envelope()
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers["Content-Type"] = "application/json"
    return status, _raw(headers, content), content


def _authenticate(target: Controlled, call: Call) -> None:
    api_key = call.headers.get("apikey")
    if not api_key or not api_key.strip():
        raise refusals.empty_api_key()
    key = Secret(api_key)
    if key == target.auth_key:
        raise refusals.no_access(api_key)
    if key != target.rest_api_key:
        raise refusals.api_key_not_found(api_key)


def _avatar(name: str) -> Raw:
    uid = name.removesuffix(".svg")
    if not name.endswith(".svg") or not UID_CHARS.fullmatch(uid):
        raise refusals.api_not_found()  # answered by answer(), as every control error
    return Raw("image/svg+xml", emulator_avatar_svg(uid).encode(), cache=True)


def _console(name: str) -> Raw:
    found = console.asset(name)
    if found is None:
        raise refusals.api_not_found()  # answered by answer(), as every control error
    content, content_type = found
    return Raw(content_type, content, headers=console.HEADERS)


def _raw(headers: dict[str, str], content: bytes) -> list[tuple[bytes, bytes]]:
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    return [*raw, (b"Content-Length", str(len(content)).encode())]
