"""`Secret`: a credential whose repr and str never show its value."""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Iterable
from typing import Any

MASK = "••••"


def mask(value: str) -> str:
    """Mask a secret: its last four characters when it is long enough to spare them."""
    return MASK + value[-4:] if len(value) >= 16 else MASK


class Secret:
    """A string credential (auth key, REST API key, auth token) that prints masked.

    `repr`, `str` and f-strings show `••••9f2c`; `.reveal()` returns the value for
    the one place that must send it.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a string, not {type(value).__name__}")
        self._value = value

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


class RedactingFilter(logging.Filter):
    """Masks auth tokens and JWTs in log records (httpx logs every URL it requests, and
    token endpoints carry the token in their path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact_http_logs() -> None:
    """Attach one `RedactingFilter` to httpx's logger (idempotent)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
