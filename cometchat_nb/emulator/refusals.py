"""The service's error answers: `ServiceError` and the envelope it becomes (spec 3.2, 7.1).

Every error a handler can raise is built here, so each code's status and texts
are written once.
"""

from __future__ import annotations

from typing import Any

from .. import wire
from ..secret import service_masked


class ServiceError(Exception):
    """An error the emulator answers with: HTTP status, code, texts and per-field details."""

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
        """The JSON body: `{"error": {message, devMessage, source, code[, details]}}`."""
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
    """400: the body or query failed validation; `details` lists every failing field."""
    message = "Failed to validate the data sent with the request."
    return ServiceError(400, wire.ERR_BAD_REQUEST, message, details=details)


def body_too_large() -> ServiceError:
    return ServiceError(413, wire.ERR_BAD_REQUEST, "The request body is too large (over 1 MiB).")


def api_not_found() -> ServiceError:
    message = "The API endpoint is invalid. Please verify the API call."
    return ServiceError(404, wire.ERR_API_NOT_FOUND, message)


def not_logged(number: str) -> ServiceError:
    """404 from the control plane: no such entry in the request log (any longer)."""
    message = f"The request {number} is not in the request log."
    return ServiceError(404, wire.ERR_API_NOT_FOUND, message)


def invalid_version(version: str) -> ServiceError:
    message = f"The API version {version} is invalid."
    return ServiceError(404, wire.ERR_INVALID_API_VERSION, message)


def too_many_requests(seconds: int) -> ServiceError:
    message = f"Too many requests. Please retry after {seconds} seconds."
    return ServiceError(429, wire.ERR_TOO_MANY_REQUESTS, message)


def internal_error() -> ServiceError:
    """500: a bug in the emulator, still answered with an envelope."""
    return ServiceError(500, "ERR_EXCEPTION", "The emulator failed to handle the request.")


def uid_not_found(uid: str) -> ServiceError:
    return ServiceError(
        404,
        wire.ERR_UID_NOT_FOUND,
        f"The UID {uid} does not exist, please make sure you have created a user with UID {uid}.",
        f"The UID {uid} does not exist, so please make sure you have created a user with UID "
        f"{uid}.",
    )


def uid_exists(uid: str) -> ServiceError:
    return ServiceError(
        400,
        wire.ERR_UID_ALREADY_EXISTS,
        f"The uid {uid} already exists. Please use another uid or try after permanently "
        "deleting the user.",
        f"The uid {uid} already exists. Please use another uid or try recreating after "
        "permanently deleting the user.",
    )


def role_not_found(role: str) -> ServiceError:
    return ServiceError(
        404,
        wire.ERR_ROLE_NOT_FOUND,
        f"The role {role} does not exist. Please use correct role or use create role API.",
    )


def role_exists(role: str) -> ServiceError:
    """400: `POST /roles` with a role id taken (code and text unverified)."""
    return ServiceError(400, wire.ERR_ROLE_ALREADY_EXISTS, f"The role {role} already exists.")


def quota_exhausted(quota: int) -> ServiceError:
    return ServiceError(
        402,
        wire.ERR_PLAN_QUOTA_RESTRICTION,
        "You've exhausted the quota. The allowed limit of the feature Create User for "
        f"your current plan emulator is {quota}. Please upgrade the plan to increase the limit.",
    )


def auth_token_not_found() -> ServiceError:
    """404 from the auth-token endpoints: no such token for this user (spec 4.10)."""
    return ServiceError(404, wire.ERR_AUTH_TOKEN_NOT_FOUND, "Auth token does not exist.")


def token_not_found(token: str) -> ServiceError:
    """401 on a token-authenticated call: the token is unknown, revoked or its user gone."""
    message = (
        f"The auth token {token} does not exist. Please make sure you are logged in and have a "
        "valid auth token or try login again."
    )
    return ServiceError(401, wire.AUTH_ERR_AUTH_TOKEN_NOT_FOUND, message)


def empty_token() -> ServiceError:
    message = "The authToken header is missing or empty."
    return ServiceError(401, wire.AUTH_ERR_EMPTY_AUTH_TOKEN, message)


def invalid_jwt() -> ServiceError:
    """401 on a JWT-authenticated call (the online count): no JWT of a live login."""
    message = "The JWT in the Authorization header is missing, invalid or revoked."
    return ServiceError(401, wire.AUTH_ERR_INVALID_JWT, message)


def no_credential() -> ServiceError:
    """401 from a route taking either credential when neither header came (spec 4.0: the code
    of a missing token; the message names both headers, so the caller sees what to send)."""
    message = (
        "Neither the apiKey nor the authToken header is present: send the REST API key as "
        "apiKey, or a user's auth token as authToken."
    )
    return ServiceError(401, wire.AUTH_ERR_EMPTY_AUTH_TOKEN, message)


def empty_api_key() -> ServiceError:
    return ServiceError(401, wire.AUTH_ERR_EMPTY_APIKEY, "The apiKey header is missing or empty.")


def api_key_not_found(api_key: str) -> ServiceError:
    shown = service_masked(api_key)
    return ServiceError(
        401,
        wire.AUTH_ERR_APIKEY_NOT_FOUND,
        f"The key {shown} does not exist. Please use correct apiKey.",
        f"The {shown} key doesn't work. Please use correct apiKey.",
    )


def no_access(api_key: str) -> ServiceError:
    """403: the auth key where the REST API key is needed."""
    shown = service_masked(api_key)
    return ServiceError(
        403,
        wire.AUTH_ERR_NO_ACCESS,
        f"The key {shown} cannot be used to perform this operation. Please use "
        "API key with a correct scope to perform the operation.",
        f"The {shown} key does not have enough clearance. To perform the "
        "operation, please use the API key with the correct scope.",
    )


def empty_app_id() -> ServiceError:
    return ServiceError(401, wire.AUTH_ERR_EMPTY_APPID, "The appId header is missing or empty.")


def invalid_app_id(app_id: str) -> ServiceError:
    return ServiceError(
        401,
        wire.AUTH_ERR_INVALID_APPID,
        f"The appId {app_id} is invalid or does not exist in this region.",
    )


_FAILURES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def injected_failure(status: int) -> ServiceError:
    """A 5xx answered by fault injection (`Emulator.faults`), never by the service itself."""
    text = _FAILURES.get(status, "Server error")
    return ServiceError(
        status,
        "ERR_EXCEPTION",
        f"{text}. Please try again later.",
        f"{text}: a fault injected by the emulator (Emulator.faults).",
    )


def target_too_long(limit: int) -> ServiceError:
    """414: a request target (path and query) longer than the emulator reads."""
    return ServiceError(
        414,
        wire.ERR_BAD_REQUEST,
        f"The request target is too long (over {limit // 1024} KiB).",
    )


def unreadable_request() -> ServiceError:
    """400: bytes that are not an HTTP request (answered by the server, not a route)."""
    return ServiceError(
        400,
        wire.ERR_BAD_REQUEST,
        "The request could not be read as HTTP/1.1 (malformed or too long).",
    )


def unencodable_text() -> ServiceError:
    """400: a string holding a lone surrogate (`"\\ud800"`), which cannot be stored or sent."""
    return bad_request(
        {"body": ["The request body holds a string that is not valid Unicode (a lone surrogate)."]}
    )
