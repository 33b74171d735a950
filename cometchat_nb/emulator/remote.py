"""`RemoteEmulator`: a handle on an emulator served by another process, known by its URL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..secret import Secret
from . import console
from .defaults import APP_ID, REGION, REST_API_KEY


class EmulatorControlError(RuntimeError):
    """A control call to a served emulator failed: `code` and `status` are the service's."""

    def __init__(self, message: str, code: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class RemoteEmulator:
    """An emulator reached over HTTP that this process does not hold (`cometchat-nb emulator`).

    What `session.emulator` is when `COMETCHAT_EMULATOR_HOST` points a session at
    one: its base `url` and the `app_id` and `region` used with it. Its control
    surface is the in-process `Emulator`'s, called over HTTP on the routes under
    `/_emulator/` with `rest_api_key` (the emulator's default unless given):
    `reset()`, `export_state()`, `import_state(snapshot)`, `request_log()`. They raise
    `EmulatorControlError` for an error answer and `httpx.HTTPError` when unreachable.
    """

    url: str
    app_id: str = APP_ID
    region: str = REGION
    rest_api_key: Secret = field(
        default_factory=lambda: Secret(REST_API_KEY), repr=False, compare=False
    )
    timeout: float = field(default=30.0, repr=False, compare=False)
    _on_reset: list[Callable[[], None]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    @classmethod
    def at(
        cls,
        host: str,
        app_id: str = APP_ID,
        region: str = REGION,
        *,
        rest_api_key: str | Secret = REST_API_KEY,
    ) -> RemoteEmulator:
        """The emulator at `host:port` (as in `COMETCHAT_EMULATOR_HOST`); `http://` by default.

        Raises `ValueError` for an empty or malformed address.
        """
        address = host.strip()
        parts = urlsplit(address if "://" in address else f"http://{address}")
        try:
            parts.port  # noqa: B018 (raises ValueError for a bad port)
        except ValueError:
            parts = parts._replace(netloc="")
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.query
            or any(c.isspace() for c in address)
        ):
            raise ValueError(
                f"not an emulator address: {host!r} (expected host:port, e.g. 127.0.0.1:8790)"
            )
        return cls(
            f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}",
            app_id,
            region.lower(),
            Secret(rest_api_key),
        )

    @property
    def console_url(self) -> str:
        """The address of the emulator's console page in the browser (`/_emulator/ui`)."""
        return console.url(self.url)

    def console(self, width: str = "100%", height: int = 720) -> Any:
        """The emulator's console page in an IFrame, for a notebook to show.

        The page asks for the REST API key once per browser tab.
        """
        return console.frame(self.url, width, height)

    # -- the control surface (the same as `Emulator`'s) ------------------------

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after every `reset()` or `import_state()` made through this handle."""
        self._on_reset.append(callback)

    def reset(self) -> None:
        """Forget every user, token and request; re-seed (`POST /_emulator/reset`)."""
        self._call("POST", "reset")
        self._after_reset()

    def export_state(self) -> dict[str, Any]:
        """A JSON-able snapshot of users, tokens and settings (`GET /_emulator/state`)."""
        data: dict[str, Any] = self._call("GET", "state")
        return data

    def import_state(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the emulator's state with a snapshot's (`PUT /_emulator/state`).

        A malformed snapshot is refused with `ERR_BAD_REQUEST`, changing nothing.
        """
        self._call("PUT", "state", json=dict(snapshot))
        self._after_reset()

    def request_log(self) -> list[dict[str, Any]]:
        """The requests answered, redacted: time, method, path, status (`GET .../requests`)."""
        data: list[dict[str, Any]] = self._call("GET", "requests")
        return data

    def _after_reset(self) -> None:
        for callback in list(self._on_reset):
            callback()

    def _call(self, method: str, route: str, json: Any = None) -> Any:
        headers = {"apiKey": self.rest_api_key.reveal(), "appId": self.app_id}
        response = httpx.request(
            method, f"{self.url}/_emulator/{route}", headers=headers, json=json,
            timeout=self.timeout,
        )  # fmt: skip
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or ("data" not in body and "error" not in body):
            raise EmulatorControlError(
                f"{self.url} did not answer as an emulator (HTTP {response.status_code})",
                status=response.status_code,
            )
        if "error" in body:
            error = body["error"] if isinstance(body["error"], dict) else {}
            raise EmulatorControlError(
                f"{method} /_emulator/{route}: {error.get('message', 'failed')}",
                code=str(error.get("code", "")),
                status=response.status_code,
            )
        return body["data"]
