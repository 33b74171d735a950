"""Typed errors carrying CometChat's codes: one base class, a few families, one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .secret import Secret, redact


class CometChatException(Exception):
    """An error from the service or a local check, with CometChat's `code`.

    `details` maps a field to its messages (validation errors); `http_status` is
    `None` for local errors; `source` is `"chat-api"` for the service, `"local"`
    otherwise; `attempts` is how many times the request was sent (0 for a local
    error); `outcome_unknown` is True when the request may have been carried out
    although its answer was lost (a create is then read back, never resent blindly).
    """

    attempts: int = 0
    outcome_unknown: bool = False

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        http_status: int | None = None,
        dev_message: str | None = None,
        source: str = "local",
        name: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.http_status = http_status
        self.dev_message = dev_message
        self.source = source
        self.name = name or code

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def __repr__(self) -> str:
        status = f", http_status={self.http_status}" if self.http_status is not None else ""
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}{status})"

    def _repr_html_(self) -> str:
        from .display import error_html

        return error_html(self)

    def __reduce__(self) -> Any:
        kwargs = {
            "details": self.details,
            "http_status": self.http_status,
            "dev_message": self.dev_message,
            "source": self.source,
            "name": self.name,
        }
        return _rebuild, (type(self), self.code, self.message, kwargs), self.__dict__


def _rebuild(
    cls: type[CometChatException], code: str, message: str, kwargs: dict[str, Any]
) -> CometChatException:
    return cls(code, message, **kwargs)


class InvalidInputError(CometChatException):
    """Bad arguments or a request the service refused to validate."""


class NotFoundError(CometChatException):
    """An unknown uid, auth token, role or endpoint."""


class AlreadyExistsError(CometChatException):
    """The uid is taken (deactivated users included)."""


class AuthenticationError(CometChatException):
    """A missing or unknown app id, key or auth token, or nobody logged in."""


class PermissionDeniedError(CometChatException):
    """The key is valid but its scope does not allow the call (use the REST API key)."""


class QuotaExceededError(CometChatException):
    """The app's plan allows no more of this."""


class RateLimitError(CometChatException):
    """Too many requests; `retry_after` says how many seconds to wait."""

    retry_after: float = 15.0


class UnavailableError(CometChatException):
    """The service could not be reached or answered something unreadable."""


class InvalidStateError(CometChatException):
    """The call cannot run now: another login is in progress, the session is closed, or
    its login could not be saved."""


_FAMILIES: dict[type[CometChatException], tuple[str, ...]] = {
    InvalidInputError: (
        "ERR_BAD_REQUEST",
        "MISSING_PARAMETERS",
        "INVALID_AUTH_KEY",
        "UID_IS_COMPULSORY",
        "INVALID_UID",
        "USER_NAME_IS_COMPULSORY",
        "INVALID_USER_NAME",
        "INVALID_USER_AVATAR",
        "INVALID_USER_METADATA",
        "INVALID_USER_LINK",
        "INVALID_USER_STATUS_MESSAGE",
        "INVALID_USER_ROLE",
        "INVALID_USER_TAGS",
    ),
    NotFoundError: (
        "ERR_UID_NOT_FOUND",
        "ERR_AUTH_TOKEN_NOT_FOUND",
        "ERR_ROLE_NOT_FOUND",
        "ERR_API_NOT_FOUND",
        "ERR_INVALID_API_VERSION",
    ),
    AlreadyExistsError: ("ERR_UID_ALREADY_EXISTS", "ERR_ROLE_ALREADY_EXISTS"),
    AuthenticationError: (
        "AUTH_ERR_EMPTY_APIKEY",
        "AUTH_ERR_APIKEY_NOT_FOUND",
        "AUTH_ERR_EMPTY_AUTH_TOKEN",
        "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
        "AUTH_ERR_EMPTY_APPID",
        "AUTH_ERR_INVALID_APPID",
        "API_KEY_NOT_SET",
        "USER_NOT_LOGED_IN",
        "USER_NOT_LOGGED_IN",
    ),
    PermissionDeniedError: ("AUTH_ERR_NO_ACCESS",),
    QuotaExceededError: ("ERR_PLAN_QUOTA_RESTRICTION", "ERR_PLAN_RESTRICTION"),
    RateLimitError: ("ERR_TOO_MANY_REQUESTS",),
    UnavailableError: (
        "FAILED_TO_FETCH",
        "ERR_UID_DELETE_FAILED",
        "ERR_AUTH_TOKEN_DELETE_FAILED",
        "ERR_AUTH_TOKENS_DELETE_FAILED",
        "ERR_OPERATION_FAILED",
        "ERR_EXCEPTION",
        "ERR_MISSION_FAILED",
        "ERR_BAD_ERROR_RESPONSE",
    ),
    InvalidStateError: ("LOGIN_IN_PROGRESS", "SESSION_CLOSED", "SESSION_NOT_SAVED"),
}

#: Every known code and the class that carries it.
ERROR_CLASSES: dict[str, type[CometChatException]] = {
    code: cls for cls, codes in _FAMILIES.items() for code in codes
}

_BY_STATUS: dict[int, type[CometChatException]] = {
    400: InvalidInputError,
    401: AuthenticationError,
    402: QuotaExceededError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def error_class(code: str, http_status: int | None = None) -> type[CometChatException]:
    """The class for `code`; for an unknown code, the class its HTTP status suggests."""
    if code in ERROR_CLASSES:
        return ERROR_CLASSES[code]
    if http_status is not None and http_status >= 500:
        return UnavailableError
    return _BY_STATUS.get(http_status or 0, CometChatException)


def from_envelope(
    error: Mapping[str, Any], http_status: int, secrets: tuple[str | Secret, ...] = ()
) -> CometChatException:
    """The exception for a service `{"error": {...}}` body, with `secrets` masked."""
    code = str(error.get("code") or "FAILED_TO_FETCH")
    message = redact(str(error.get("message") or code), secrets)
    dev_message = error.get("devMessage")
    details = error.get("details")
    return error_class(code, http_status)(
        code,
        message,
        details=_redact_details(details, secrets) if isinstance(details, Mapping) else None,
        http_status=http_status,
        dev_message=redact(str(dev_message), secrets) if dev_message else None,
        source=str(error.get("source") or "chat-api"),
        name=str(error["name"]) if error.get("name") else None,
    )


def _redact_details(
    details: Mapping[str, Any], secrets: tuple[str | Secret, ...]
) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value, secrets)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, Mapping):
            return {str(k): clean(v) for k, v in value.items()}
        return value

    return {str(k): clean(v) for k, v in details.items()}


# Local errors, raised before anything is sent (spec 7.2).

FAILED_TO_FETCH_MESSAGE = (
    "There is an unknown issue with the API request. "
    "Please check your internet connection and verify the api call."
)


def local_error(code: str, message: str, *, name: str | None = None) -> CometChatException:
    """A local error of the official SDK's kind (no HTTP status, source "local")."""
    return error_class(code)(code, message, name=name)


def missing_parameters(message: str) -> CometChatException:
    return local_error(
        "MISSING_PARAMETERS", message, name="Invalid or no parameter passed to the method."
    )


def failed_to_fetch(
    reason: str, http_status: int | None = None, excerpt: str | None = None
) -> UnavailableError:
    details: dict[str, Any] = {"reason": reason}
    if excerpt is not None:
        details["body"] = excerpt
    return UnavailableError(
        "FAILED_TO_FETCH", FAILED_TO_FETCH_MESSAGE, details=details, http_status=http_status
    )
