"""Where a session connects: a real app, the embedded emulator, or a served emulator.

Also where logins on an emulator persist: apart from real apps' session files, in a
`MemoryStore` per in-process emulator (shared by its sessions, as tabs share a
browser's localStorage) or a folder per served emulator.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from dataclasses import dataclass
from functools import partial
from http.cookiejar import CookieJar
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import httpx

from .core.stored import logins_cleared
from .emulator.defaults import APP_ID, AUTH_KEY, REGION, REST_API_KEY
from .protocol import DEFAULT_REGION, Hosts
from .secret import Secret
from .store import FileStore, MemoryStore, SessionStore, default_home
from .validation import check_credential, check_text
from .wire import CLIENT_API_VERSION, EMULATOR_IN_PROCESS_URL, REST_API_VERSION

if TYPE_CHECKING:
    from .emulator import Emulator, RemoteEmulator
    from .emulator.server import Server

#: What `Session(emulator=...)` takes: an emulator, its server, or a served one's handle.
EmulatorTarget: TypeAlias = "Emulator | Server | RemoteEmulator"

_APP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
#: The session store of each in-process emulator, emptied by its `reset()`.
_EMULATOR_STORES: weakref.WeakKeyDictionary[Emulator, MemoryStore] = weakref.WeakKeyDictionary()
_EMULATOR_STORES_LOCK = threading.Lock()


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
    in_process: Emulator | None = None  # the emulator answering without a socket

    def client(self) -> httpx.Client:
        """The sync client a session sends with: to the in-process emulator, or the network."""
        transport = None if self.in_process is None else self.in_process.transport()
        return httpx.Client(transport=transport, cookies=Cookieless())

    def async_client(self) -> httpx.AsyncClient:
        """`client`, async."""
        transport = None if self.in_process is None else self.in_process.async_transport()
        return httpx.AsyncClient(transport=transport, cookies=Cookieless())


class Cookieless(CookieJar):
    """A jar that takes no cookie from answers. A session authenticates with a header on
    every request and sends no cookie (nor does the SDK, from a page of another origin),
    so passing each answer's `Set-Cookie` through urllib's cookie machinery was work for
    nothing (login + logout 1.28x bare httpx, 1.19x without it)."""

    def extract_cookies(self, response: object, request: object) -> None:
        """Keep nothing."""


def _secret(value: str | Secret | None, env: str) -> Secret | None:
    """The argument, else the variable `env`, as a checked `Secret`."""
    if value is None:
        return check_credential(env, os.environ.get(env) or None)
    return check_credential(env.removeprefix("COMETCHAT_").lower(), value)


def connect(
    app_id: str | None,
    region: str | None,
    auth_key: str | Secret | None,
    rest_api_key: str | Secret | None,
    *,
    client_host: str | None,
    admin_host: str | None,
    store: SessionStore | None,
    emulator: EmulatorTarget | None,
) -> Connection:
    """Resolve `Session(...)` arguments, then `COMETCHAT_*` variables, then the emulator.

    `COMETCHAT_EMULATOR_HOST=host:port` sends every session to the emulator served
    there, as `FIREBASE_AUTH_EMULATOR_HOST` does for Firebase.
    """
    # Imported here, not at the top: `import cometchat_nb` stays light until a session opens.
    from .emulator import Emulator, RemoteEmulator, embedded

    for name, value in (("app_id", app_id), ("region", region), ("client_host", client_host),
                        ("admin_host", admin_host)):  # fmt: skip
        check_text(name, value)
    if store is not None and not (callable(getattr(store, "load", None)) and callable(
        getattr(store, "save", None)
    )):  # fmt: skip
        raise TypeError(f"store must have load() and save(), like MemoryStore; not {store!r}")

    emulator_host = os.environ.get("COMETCHAT_EMULATOR_HOST") or None
    if emulator is None and emulator_host is not None:
        emulator = RemoteEmulator.at(
            emulator_host,
            app_id or os.environ.get("COMETCHAT_APP_ID") or APP_ID,
            region or os.environ.get("COMETCHAT_REGION") or REGION,
            rest_api_key=_secret(None, "COMETCHAT_REST_API_KEY") or REST_API_KEY,
        )
    if emulator is None and not (app_id or os.environ.get("COMETCHAT_APP_ID")):
        emulator = embedded()
        app_id = None
    if emulator is not None:
        if client_host or admin_host:
            raise ValueError(
                "client_host and admin_host do not go with an emulator (emulator= or "
                "COMETCHAT_EMULATOR_HOST): it has its own"
            )
        if isinstance(emulator, RemoteEmulator):
            return _to_remote(emulator, app_id, region, auth_key, rest_api_key, store)
        served_url: str | None = getattr(emulator, "url", None)
        local: object = getattr(emulator, "emulator", emulator)
        if not isinstance(local, Emulator):
            raise TypeError(
                "emulator= takes an Emulator, its server or a RemoteEmulator, "
                f"not {type(emulator).__name__}"
            )
        return _to_emulator(local, served_url, app_id, region, auth_key, rest_api_key, store)
    app_id = app_id or os.environ.get("COMETCHAT_APP_ID") or ""
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
    emulator: Emulator,
    served_url: str | None,
    app_id: str | None,
    region: str | None,
    auth_key: str | Secret | None,
    rest_api_key: str | Secret | None,
    store: SessionStore | None,
) -> Connection:
    """An emulator this process holds: in-process, or through its server at `served_url`."""
    _check_match(app_id, region, emulator.app_id, emulator.region)
    base = served_url.rstrip("/") if served_url else EMULATOR_IN_PROCESS_URL
    key = check_credential("auth_key", auth_key)
    rest_key = check_credential("rest_api_key", rest_api_key)
    return Connection(
        app_id=emulator.app_id,
        region=emulator.region,
        auth_key=emulator.auth_key if key is None else key,
        rest_api_key=emulator.rest_api_key if rest_key is None else rest_key,
        hosts=_emulator_hosts(base),
        overridden=True,
        store=store if store is not None else emulator_store(emulator),
        emulator=emulator,
        emulator_url=served_url,
        in_process=None if served_url else emulator,
    )


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
    if store is None:  # its reset() forgets the logins this process stored for it
        store = FileStore(emulator_home(remote.url))
        remote.on_reset(partial(_forget_logins, store, remote.app_id))
    return Connection(
        app_id=remote.app_id,
        region=remote.region,
        auth_key=_secret(auth_key, "COMETCHAT_AUTH_KEY") or Secret(AUTH_KEY),
        rest_api_key=_secret(rest_api_key, "COMETCHAT_REST_API_KEY") or remote.rest_api_key,
        hosts=_emulator_hosts(remote.url),
        overridden=True,
        store=store,
        emulator=remote,
        emulator_url=remote.url,
    )


def emulator_store(emulator: Emulator) -> MemoryStore:
    """The store every session on this in-process emulator shares; its `reset()` empties it."""
    with _EMULATOR_STORES_LOCK:
        store = _EMULATOR_STORES.get(emulator)
        if store is None:
            store = _EMULATOR_STORES[emulator] = MemoryStore()
            emulator.on_reset(partial(_forget_logins, store, emulator.app_id))
        return store


def _forget_logins(store: MemoryStore | FileStore, app_id: str) -> None:
    """An emulator's reset: forget the logins stored for it, and tell its sessions if one
    ended."""
    ended = "session" in store.load(app_id)
    if isinstance(store, MemoryStore):
        store.clear()
    else:
        store.path(app_id).unlink(missing_ok=True)
    if ended:
        logins_cleared(store, app_id)


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
    """An emulator serves every route under both API versions, like the service's two hosts."""
    client = f"{base}/{CLIENT_API_VERSION}"
    return Hosts(client=client, admin=client, rest=f"{base}/{REST_API_VERSION}")
