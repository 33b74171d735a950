"""From a decoded request (`Call`) to a handler: the route table, credentials, rate counting.

The table is built once, at import. `dispatch` applies the service's check order
(spec 4.0): route, app id, credential, then the handler's own validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..secret import Secret
from . import blocking, friends, handlers, jwt, refusals, roles
from .call import Call
from .handlers import Context
from .limiter import RateLimiter
from .listing import Listing

_HOST_APP = re.compile(r"^([^.]+)\.api(?:client)?-[a-z]+\.")

Handler = Callable[[Context, Call], dict[str, Any] | Listing]


@dataclass(frozen=True, slots=True)
class Route:
    """A handler, the credential it needs, and its rate class (spec 4, 9).

    `auth` is "full" (REST API key), "auth" (either key), "token", "token?"
    (a token if any), "full|token" (the key if sent, else a token) or "jwt" (a
    login's JWT in `Authorization`, as the SDK's online count sends it).
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
        ("users", "*", "blockedusers"): {
            "POST": Route(blocking.block, "full", "standard"),
            "GET": Route(blocking.list_blocked, "full", "standard"),
            "DELETE": Route(blocking.unblock, "full", "standard"),
        },
        ("blockedusers",): {
            "POST": Route(blocking.block, "token", "standard"),
            "GET": Route(blocking.list_blocked, "token", "standard"),
            "DELETE": Route(blocking.unblock, "token", "standard"),
        },
        ("users", "*", "friends"): {
            "POST": Route(friends.add_friends, "full", "standard"),
            "GET": Route(friends.list_friends, "full", "standard"),
            "DELETE": Route(friends.remove_friends, "full", "standard"),
        },
        ("roles",): {
            "POST": Route(roles.create_role, "full", "standard"),
            "GET": Route(roles.list_roles, "full", "standard"),
        },
        ("roles", "*"): {
            "GET": Route(roles.get_role, "full", "standard"),
            "PUT": Route(roles.update_role, "full", "standard"),
            "DELETE": Route(roles.delete_role, "full", "standard"),
        },
        ("user_sessions",): {"POST": Route(h.user_sessions, "token?", "standard")},
        ("settings",): {"GET": Route(h.get_settings, "token", "standard")},
        ("api", "*", "online-members"): {"POST": Route(h.online_members, "jwt", "standard")},
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
        raise refusals.api_not_found()
    _check_app(context, call)
    if not allowed:
        raise refusals.too_many_requests(int(limit_headers["Retry-After"]))
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
        raise refusals.empty_app_id()
    if app_id != context.app_id:
        raise refusals.invalid_app_id(app_id)


def _authenticate(context: Context, call: Call, rule: str) -> None:
    api_key = call.headers.get("apikey")
    if rule == "full|token":
        if api_key is None and call.headers.get("authtoken") is None:
            raise refusals.no_credential()
        rule = "full" if api_key is not None else "token"
    if rule in ("full", "auth"):
        if not api_key or not api_key.strip():
            raise refusals.empty_api_key()
        key = Secret(api_key)
        if key == context.rest_api_key:
            call.scope = "full"
        elif key == context.auth_key:
            call.scope = "auth"
            if rule == "full":
                raise refusals.no_access(api_key)
        else:
            raise refusals.api_key_not_found(api_key)
        return
    if rule == "jwt":
        sent = call.headers.get("authorization")
        record = jwt.token_record(context.state, context.signing_key, context.app_id, sent)
        if record is None:
            raise refusals.invalid_jwt()
        call.scope, call.token = "token", record
        return
    optional = rule == "token?"  # telemetry: accepted with or without a token (spec 4.15)
    token = call.headers.get("authtoken")
    if not token or not token.strip():
        if optional:
            return
        raise refusals.empty_token()
    record = context.state.tokens.get(token)
    user = context.state.users.get(record["uid"]) if record else None
    if record is None or user is None or user.get("deactivatedAt"):
        if optional:
            return
        raise refusals.token_not_found(token)
    call.scope, call.token = "token", record
