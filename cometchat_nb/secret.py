"""`Secret`: a credential whose repr and str never show its value."""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

MASK = "••••"
#: Headers that carry a credential, by lowercased name: masked whole wherever shown.
SECRET_HEADERS = frozenset({"apikey", "authtoken", "authorization"})
#: Body fields that hold a credential, masked wherever they appear.
SECRET_FIELDS = frozenset({"apiKey", "authToken", "jwt", "secret", "fat", "restApiKey"})


def mask(value: str) -> str:
    """Mask a secret: its last four characters when it is long enough to spare them."""
    return MASK + value[-4:] if len(value) >= 16 else MASK


class Secret:
    """A string credential (auth key, REST API key, auth token) that prints masked.

    `repr`, `str` and f-strings show `••••9f2c`; `.reveal()` returns the value for
    the one place that must send it.
    """

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a string, not {type(value).__name__}")
        self._value = value
        with _LIVE_LOCK:  # masked in log records while it lives (`RedactingFilter`)
            _LIVE[id(self)] = self

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def reveal(self) -> str:
        """The secret's value."""
        return self._value

    @property
    def masked(self) -> str:
        return mask(self._value)

    def __repr__(self) -> str:
        return f"Secret('{self.masked}')"

    def __str__(self) -> str:
        return self.masked

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return hmac.compare_digest(self._value.encode(), other.reveal().encode())
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


_WORD = r"A-Za-z0-9_-"
# An auth token ({uid}_{10 digits}{30 hex}) or a JWT, standing alone; bounded, so linear.
_TOKEN_LIKE = re.compile(
    rf"(?<![{_WORD}])(?:[{_WORD}]{{1,100}}?_\d{{10}}[0-9a-f]{{30}}|eyJ[\w-]{{1,4096}}"
    rf"\.[\w-]{{1,8192}}\.[\w-]{{0,1024}})(?![{_WORD}])"
)
#: What every match of `_TOKEN_LIKE` holds: found first, it spares the slow search most text.
_TOKEN_HINT = re.compile(r"_\d{10}[0-9a-f]{30}|eyJ")


def service_masked(value: str) -> str:
    """How the service masks a key in its messages: first 5, stars, last 5."""
    return (
        "*" * len(value) if len(value) <= 10 else value[:5] + "*" * (len(value) - 10) + value[-5:]
    )


def redact(text: str, secrets: Iterable[str | Secret | None] = ()) -> str:
    """`text` with every given secret (also as the service masks it), token and JWT masked.

    A secret is replaced only where it stands alone, not inside a longer word.
    """
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if not value:
            continue
        for shown in {value, service_masked(value)}:
            if shown in text:
                pattern = rf"(?<![{_WORD}]){re.escape(shown)}(?![{_WORD}])"
                text = re.sub(pattern, mask(value), text)
    if _TOKEN_HINT.search(text) is None:
        return text
    return _TOKEN_LIKE.sub(lambda m: mask(m.group()), text)


class MaskedDict(dict[str, Any]):
    """A JSON object whose repr masks the values of `SECRET_FIELDS`, so a traceback that
    records its frames' locals never shows the token, jwt or socket secret an answer or
    a stored login holds."""

    def __repr__(self) -> str:
        def shown(key: str, value: Any) -> Any:
            return mask(value) if key in SECRET_FIELDS and isinstance(value, str) else value

        return "{" + ", ".join(f"{k!r}: {shown(k, v)!r}" for k, v in self.items()) + "}"

    __str__ = __repr__


def masked_object(pairs: dict[str, Any]) -> dict[str, Any]:
    """A `json.loads` object hook: `pairs` as a `MaskedDict` when it holds a credential."""
    return pairs if SECRET_FIELDS.isdisjoint(pairs) else MaskedDict(pairs)


#: Every `Secret` alive, by identity: what a log record must not show (a key typed by a
#: user, too). Not a set: two secrets of one value are equal, and a set would keep only
#: the first, forgetting the value when that one goes while the other lives.
_LIVE: weakref.WeakValueDictionary[int, Secret] = weakref.WeakValueDictionary()
#: Secrets are made and logs written on worker threads too. Reentrant: the collector may run
#: a finaliser that logs (redacted, so reading `_LIVE`) while this thread holds the lock.
_LIVE_LOCK = threading.RLock()
#: The loggers whose records are redacted.
LOGGERS = ("httpx", "cometchat_nb", "cometchat_nb.emulator")


def live_secrets_in(text: str) -> list[Secret]:
    """The live secrets `text` shows, whole or as the service masks them."""
    with _LIVE_LOCK:
        alive = {secret.reveal(): secret for secret in _LIVE.values()}
    return [
        secret
        for value, secret in alive.items()
        if value and (value in text or service_masked(value) in text)
    ]


Secrets = Iterable[str | Secret | None]


def request_secrets(request: httpx.Request) -> tuple[Secret, ...]:
    """The credentials a request carried in its headers, to be masked in whatever comes back."""
    return tuple(Secret(v) for k in SECRET_HEADERS if (v := request.headers.get(k)))


def redact_headers(headers: Iterable[tuple[str, str]], secrets: Secrets = ()) -> dict[str, str]:
    """Headers as shown: credential headers masked, every other value `redact`ed."""
    secrets = list(secrets)
    return {
        name: mask(value) if name.lower() in SECRET_HEADERS else redact(value, secrets)
        for name, value in headers
    }


def redact_body(content: bytes, secrets: Secrets = ()) -> Any:
    """A body as shown: JSON with credential fields masked and every string `redact`ed;
    what is not JSON, as text (its first 2,000 bytes) redacted; None when empty."""
    if not content:
        return None
    secrets = list(secrets)
    try:
        value = json.loads(content)
    except (ValueError, RecursionError):
        return redact(content[:2000].decode("utf-8", "replace"), secrets)
    return _scrub(value, secrets, 0)


def _scrub(value: Any, secrets: list[str | Secret | None], depth: int) -> Any:
    if depth > 50:
        return "…"
    if isinstance(value, dict):
        return {
            str(k): mask(str(v)) if k in SECRET_FIELDS and isinstance(v, str) else
            _scrub(v, secrets, depth + 1)
            for k, v in value.items()
        }  # fmt: skip
    if isinstance(value, list):
        return [_scrub(item, secrets, depth + 1) for item in value]
    return redact(value, secrets) if isinstance(value, str) else value


class RedactingFilter(logging.Filter):
    """Masks every live `Secret`, auth token and JWT in log records, their tracebacks too
    (httpx logs every URL it requests, and token endpoints carry the token in their path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, live_secrets_in(message))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = redact(text, live_secrets_in(text)), None
        return True


def redact_logs() -> None:
    """Attach one `RedactingFilter` to each of `LOGGERS` (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
