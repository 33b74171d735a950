"""How a session connects: to a real app, the embedded emulator, or a served emulator."""

from __future__ import annotations

import os
import re
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from .emulator.defaults import APP_ID, AUTH_KEY, REGION, REST_API_KEY
from .protocol import DEFAULT_REGION, Hosts
from .secret import Secret
from .store import FileStore, MemoryStore, SessionStore, default_home

if TYPE_CHECKING:
    from .emulator import Emulator, RemoteEmulator

_APP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
#: Where an in-process emulator "lives": a name that never resolves, so nothing leaks out.
IN_PROCESS_HOST = "http://emulator.invalid"


@dataclass(frozen=True)
class Connection:
    """Everything a session needs to reach an app; keys are `Secret`s."""

    app_id: str
    region: str
    auth_key: Secret | None
    rest_api_key: Secret | None
    hosts: Hosts
    overridden: bool  # explicit hosts win over the settings a login returns
    store: SessionStore
    emulator: Emulator | RemoteEmulator | None = None
    emulator_url: str | None = None  # set when the emulator is reached over HTTP
    in_process: bool = False

    def transport(self) -> httpx.BaseTransport | None:
        emulator = self.emulator if self.in_process else None
        return emulator.transport() if isinstance(emulator, _emulator_class()) else None

    def async_transport(self) -> httpx.AsyncBaseTransport | None:
        emulator = self.emulator if self.in_process else None
        return emulator.async_transport() if isinstance(emulator, _emulator_class()) else None


def _emulator_class() -> type[Emulator]:
    from .emulator import Emulator

    return Emulator


def _secret(value: str | Secret | None, env: str) -> Secret | None:
    if value is None:
        value = os.environ.get(env) or None
    return None if value is None else Secret(value)


def connect(
    app_id: str | None,
    region: str | None,
    auth_key: str | Secret | None,
    rest_api_key: str | Secret | None,
    *,
    client_host: str | None,
    admin_host: str | None,
    store: SessionStore | None,
    emulator: Any,
) -> Connection:
    """Resolve `Session(...)` arguments, then `COMETCHAT_*` variables, then the emulator.

    `COMETCHAT_EMULATOR_HOST=host:port` sends every session to the emulator served
    there, as `FIREBASE_AUTH_EMULATOR_HOST` does for Firebase.
    """
    emulator_host = os.environ.get("COMETCHAT_EMULATOR_HOST") or None
    if emulator is None and emulator_host is not None:
        from .emulator import RemoteEmulator

        emulator = RemoteEmulator.at(
            emulator_host,
            app_id or os.environ.get("COMETCHAT_APP_ID") or APP_ID,
            region or os.environ.get("COMETCHAT_REGION") or REGION,
        )
    if emulator is not None:
        if client_host or admin_host:
            raise ValueError(
                "client_host and admin_host do not go with an emulator (emulator= or "
                "COMETCHAT_EMULATOR_HOST): it has its own"
            )
        return _to_emulator(emulator, app_id, region, auth_key, rest_api_key, store)
    app_id = app_id or os.environ.get("COMETCHAT_APP_ID") or None
    if app_id is None:
        from .emulator import embedded

        return _to_emulator(embedded(), None, region, auth_key, rest_api_key, store)
    if not _APP_ID.fullmatch(app_id):
        raise ValueError(f"app_id {app_id!r} is not an app id: letters, digits, '-' and '_'")
    region = (region or os.environ.get("COMETCHAT_REGION") or DEFAULT_REGION).lower()
    if not _APP_ID.fullmatch(region):
        raise ValueError(f"region {region!r} is not a region such as 'us', 'eu' or 'in'")
    client_host = client_host or os.environ.get("COMETCHAT_CLIENT_HOST") or None
    admin_host = admin_host or os.environ.get("COMETCHAT_ADMIN_HOST") or None
    return Connection(
        app_id=app_id,
        region=region,
        auth_key=_secret(auth_key, "COMETCHAT_AUTH_KEY"),
        rest_api_key=_secret(rest_api_key, "COMETCHAT_REST_API_KEY"),
        hosts=Hosts.for_app(app_id, region, client_host=client_host, admin_host=admin_host),
        overridden=bool(client_host or admin_host),
        store=store if store is not None else FileStore(),
    )


def _to_emulator(
    target: Any,
    app_id: str | None,
    region: str | None,
    auth_key: str | Secret | None,
    rest_api_key: str | Secret | None,
    store: SessionStore | None,
) -> Connection:
    from .emulator import Emulator, RemoteEmulator

    if isinstance(target, RemoteEmulator):
        return _to_remote(target, app_id, region, auth_key, rest_api_key, store)
    served_url: str | None = getattr(target, "url", None)
    emulator = getattr(target, "emulator", target)
    if not isinstance(emulator, Emulator):
        raise TypeError(
            "emulator= takes an Emulator, its server or a RemoteEmulator, "
            f"not {type(target).__name__}"
        )
    _check_match(app_id, region, emulator.app_id, emulator.region)
    base = served_url.rstrip("/") if served_url else IN_PROCESS_HOST
    return Connection(
        app_id=emulator.app_id,
        region=emulator.region,
        auth_key=Secret(auth_key) if auth_key is not None else emulator.auth_key,
        rest_api_key=Secret(rest_api_key) if rest_api_key is not None else emulator.rest_api_key,
        hosts=_emulator_hosts(base),
        overridden=True,
        store=store if store is not None else _emulator_store(emulator),
        emulator=emulator,
        emulator_url=served_url,
        in_process=served_url is None,
    )


# Sessions on one in-process emulator share a store, as tabs share a browser's
# localStorage; it is cleared when the emulator is reset.
_emulator_stores: weakref.WeakKeyDictionary[Emulator, MemoryStore] = weakref.WeakKeyDictionary()
_emulator_stores_lock = threading.Lock()


def _emulator_store(emulator: Emulator) -> MemoryStore:
    with _emulator_stores_lock:
        store = _emulator_stores.get(emulator)
        if store is None:
            store = _emulator_stores[emulator] = MemoryStore()
            emulator.on_reset(store.clear)
        return store


def _to_remote(
    remote: RemoteEmulator,
    app_id: str | None,
    region: str | None,
    auth_key: str | Secret | None,
    rest_api_key: str | Secret | None,
    store: SessionStore | None,
) -> Connection:
    """A served emulator known only by its URL: keys from arguments, variables, or the defaults."""
    _check_match(app_id, region, remote.app_id, remote.region)
    return Connection(
        app_id=remote.app_id,
        region=remote.region,
        auth_key=_secret(auth_key, "COMETCHAT_AUTH_KEY") or Secret(AUTH_KEY),
        rest_api_key=_secret(rest_api_key, "COMETCHAT_REST_API_KEY") or Secret(REST_API_KEY),
        hosts=_emulator_hosts(remote.url),
        overridden=True,
        store=store if store is not None else FileStore(emulator_home(remote.url)),
        emulator=remote,
        emulator_url=remote.url,
    )


def emulator_home(url: str) -> Path:
    """Where logins on a served emulator persist: apart from real apps' session files,
    so a real app's session never holds (or restores) an emulator's."""
    return default_home() / "emulators" / re.sub(r"[^A-Za-z0-9_.-]", "_", url.split("://")[-1])


def _check_match(
    app_id: str | None, region: str | None, actual_app: str, actual_region: str
) -> None:
    """An app id or region given alongside an emulator must be the emulator's."""
    if app_id is not None and app_id != actual_app:
        raise ValueError(f"app_id={app_id!r} does not match the emulator's {actual_app!r}")
    if region is not None and region.lower() != actual_region:
        raise ValueError(f"region={region!r} does not match the emulator's {actual_region!r}")


def _emulator_hosts(base: str) -> Hosts:
    """An emulator serves every route under `/v3.0` and `/v3`, like the service's two hosts."""
    return Hosts(client=f"{base}/v3.0", admin=f"{base}/v3.0", rest=f"{base}/v3")
