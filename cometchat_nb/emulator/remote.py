"""`RemoteEmulator`: a handle on an emulator served by another process, known by its URL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..guard import check as check_live
from ..secret import Secret
from . import console
from .defaults import APP_ID, REGION, REST_API_KEY
from .faults import FaultApi, Injected, Rule, injected_from, rule_from
from .requestlog import RequestList


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
    `reset()`, `export_state()`, `import_state(snapshot)`, `export_settings()`,
    `import_settings(settings)`, `request_log()` and `faults` (`inject`, `clear`,
    `rules`, `injected`, `log`, `export`, `load`). They raise `EmulatorControlError`
    for an error answer and `httpx.HTTPError` when unreachable.
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

    def console(self, width: str = "100%", height: int = 720) -> Any:
        """The emulator's console page in an IFrame (see `Server.console`)."""
        return console.frame(self.url, width, height)

    # -- the control surface (the same as `Emulator`'s) ------------------------

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after every `reset()` or `import_state()` made through this handle."""
        self._on_reset.append(callback)

    @property
    def faults(self) -> RemoteFaults:
        """The served emulator's fault injection, as `Emulator.faults` (`/_emulator/faults`)."""
        return RemoteFaults(self)

    def reset(self) -> None:
        """Forget every user, token, request and fault rule; re-seed (`POST /_emulator/reset`)."""
        self.control("POST", "reset")
        self._after_reset()

    def export_state(self) -> dict[str, Any]:
        """A JSON-able snapshot of users, tokens and settings (`GET /_emulator/state`)."""
        data: dict[str, Any] = self.control("GET", "state")
        return data

    def import_state(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the emulator's state with a snapshot's (`PUT /_emulator/state`).

        A malformed snapshot is refused with `ERR_BAD_REQUEST`, changing nothing.
        """
        self.control("PUT", "state", json=dict(snapshot))
        self._after_reset()

    def export_settings(self) -> dict[str, Any]:
        """Latency, request log size, public host, rate limits (`GET /_emulator/settings`)."""
        data: dict[str, Any] = self.control("GET", "settings")
        return data

    def import_settings(self, settings: Mapping[str, Any]) -> None:
        """Change any of those settings (`PUT /_emulator/settings`)."""
        self.control("PUT", "settings", json=dict(settings))

    def request_log(self) -> RequestList:
        """The requests answered, redacted (`GET .../requests`); `.dropped` says how many
        older ones the emulator let go."""
        body = self.control("GET", "requests", whole=True)
        meta = body.get("meta") or {}
        return RequestList(body["data"], meta.get("dropped", 0), meta.get("size", 0))

    def logged_request(self, number: int) -> dict[str, Any]:
        """Entry `number` of the log with its request and answer, masked
        (`GET .../requests/{number}`); `EmulatorControlError` when it is not kept."""
        data: dict[str, Any] = self.control("GET", f"requests/{int(number)}")
        return data

    def _after_reset(self) -> None:
        for callback in list(self._on_reset):
            callback()

    def control(self, method: str, route: str, json: Any = None, *, whole: bool = False) -> Any:
        """Call `/_emulator/{route}`; its `data` (or, `whole`, the whole answer)."""
        headers = {"apiKey": self.rest_api_key.reveal(), "appId": self.app_id}
        request = httpx.Request(method, f"{self.url}/_emulator/{route}", headers=headers, json=json)
        check_live(request, emulator=True)  # never CometChat's own hosts, under the guard
        with httpx.Client(timeout=self.timeout) as client:
            response = client.send(request)
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
            details = error.get("details")
            found = details.values() if isinstance(details, dict) else ()
            why = "; ".join(str(m) for v in found for m in (v if isinstance(v, list) else [v]))
            raise EmulatorControlError(
                f"{method} /_emulator/{route}: {error.get('message', 'failed')}"
                + (f" ({why})" if why else ""),
                code=str(error.get("code", "")),
                status=response.status_code,
            )
        return body if whole else body["data"]


@dataclass(frozen=True)
class RemoteFaults(FaultApi):
    """`Emulator.faults` for a served emulator, over `/_emulator/faults`: what is injected
    here fires there, counted and logged there."""

    emulator: RemoteEmulator

    def __repr__(self) -> str:  # no request: `export()` says what is there
        return f"RemoteFaults(url={self.emulator.url!r})"

    def add(self, rule: Rule) -> Rule:
        """Add a checked rule there (`POST /_emulator/faults`); the rule as it stands there."""
        return rule_from(self.emulator.control("POST", "faults", json=rule.describe()))

    def clear(self) -> None:
        """Remove every rule; forget the counts and the log (`DELETE /_emulator/faults`)."""
        self.emulator.control("DELETE", "faults")

    def export(self) -> dict[str, Any]:
        """Rules (with how often each fired), counts and log (`GET /_emulator/faults`)."""
        document: dict[str, Any] = self.emulator.control("GET", "faults")
        return document

    def load(self, document: Mapping[str, Any]) -> None:
        """Replace rules, counts and log with an `export()`'s (`PUT /_emulator/faults`)."""
        self.emulator.control("PUT", "faults", json=dict(document))

    @property
    def rules(self) -> list[Rule]:
        return [rule_from(item) for item in self.export()["rules"]]

    @property
    def injected(self) -> dict[str, int]:
        """How many faults were injected, by kind."""
        return dict(self.export()["injected"])

    @property
    def log(self) -> list[Injected]:
        """The latest faults injected, oldest first."""
        return [injected_from(item) for item in self.export()["log"]]
