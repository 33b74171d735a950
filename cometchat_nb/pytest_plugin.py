"""cometchat-nb's pytest plugin: the emulator in your own tests, and a guard for real apps.

Registered through the `pytest11` entry point, so installing cometchat-nb is enough.

Fixtures:

* `cometchat_emulator`: a fresh in-process `Emulator` per test (the five test users);
* `cometchat_session`: a `Session` on it, with its own `MemoryStore`;
* `cometchat_server`: an emulator served over HTTP (a `Server`: `.url`, `.emulator`),
  one per test module, reset before each test; for the test's duration
  `COMETCHAT_EMULATOR_HOST` points at it (so code under test that builds its own
  `Session()` uses it) and `COMETCHAT_NB_HOME` at a fresh folder (its stored logins).

* `cometchat_remote`: a `RemoteEmulator` on `cometchat_server`, driving it over HTTP.

The emulator's control surface (`reset`, `export_state`, `import_state`,
`export_settings`, `import_settings`, `request_log`, `faults`) is the same on the
`Emulator` (`cometchat_emulator`, `cometchat_server.emulator`) and on the
`RemoteEmulator` (`cometchat_remote`), which reaches it as another process would.

The guard, by construction: while the plugin is active, `COMETCHAT_NB_FORBID_LIVE` is
set (see `cometchat_nb.guard`), so a test not marked `@pytest.mark.cometchat_live`
reaches only loopback and emulators: any session aimed at a real app (explicit keys,
`client_host`, variables, a real app id) raises `LiveAppForbidden` before a byte is sent.
The `COMETCHAT_*` app variables are also removed for such a test's duration, with a
`CometChatLiveWarning` if they were set. A marked test runs with the guard lifted, and only
when `COMETCHAT_APP_ID`, `COMETCHAT_REGION` and a key (`COMETCHAT_AUTH_KEY` or
`COMETCHAT_REST_API_KEY`) are set, and `COMETCHAT_NB_FORBID_LIVE` was not set by the
environment (a CI job that forbids live apps); otherwise it is skipped.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

from . import guard

if TYPE_CHECKING:
    from .emulator import Emulator, RemoteEmulator
    from .emulator.server import Server
    from .session import Session

#: The marker of tests allowed to reach a real CometChat app.
LIVE_MARK = guard.MARK
#: Whether the environment (not this plugin) turned the guard on: live tests then skip.
_FORBIDDEN_BY_ENVIRONMENT = pytest.StashKey[bool]()
#: The value this plugin gives `COMETCHAT_NB_FORBID_LIVE`.
_SET_BY_PLUGIN = "pytest"
#: What a live test needs set: the app, and at least one of `LIVE_KEYS`.
LIVE_VARIABLES = ("COMETCHAT_APP_ID", "COMETCHAT_REGION")
LIVE_KEYS = ("COMETCHAT_AUTH_KEY", "COMETCHAT_REST_API_KEY")
#: What points a session at a real app: removed from every test not marked live.
APP_VARIABLES = (
    *LIVE_VARIABLES,
    *LIVE_KEYS,
    "COMETCHAT_CLIENT_HOST",
    "COMETCHAT_ADMIN_HOST",
)


class CometChatLiveWarning(UserWarning):
    """A test not marked `cometchat_live` ran with a real app's variables set (ignored)."""


def pytest_configure(config: pytest.Config) -> None:
    # Set by this plugin ("pytest"), as in an xdist worker, it is not the environment's.
    by_environment = guard.active() and os.environ.get(guard.VARIABLE) != _SET_BY_PLUGIN
    config.stash[_FORBIDDEN_BY_ENVIRONMENT] = by_environment
    if not by_environment:
        os.environ[guard.VARIABLE] = _SET_BY_PLUGIN  # the tests' subprocesses inherit it
    config.addinivalue_line(
        "markers",
        f"{LIVE_MARK}: the test may reach the real CometChat app named by COMETCHAT_APP_ID, "
        "COMETCHAT_REGION and COMETCHAT_AUTH_KEY or COMETCHAT_REST_API_KEY (skipped without "
        "them); unmarked tests never see those variables and reach only loopback and emulators",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    if not config.stash.get(_FORBIDDEN_BY_ENVIRONMENT, True):
        os.environ.pop(guard.VARIABLE, None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Lift the guard for a marked test's setup, call and teardown (not when the
    environment set it)."""
    lift = item.get_closest_marker(LIVE_MARK) is not None and not item.config.stash.get(
        _FORBIDDEN_BY_ENVIRONMENT, False
    )
    if lift:
        os.environ.pop(guard.VARIABLE, None)
    try:
        return (yield)
    finally:
        if lift:
            os.environ[guard.VARIABLE] = _SET_BY_PLUGIN


@pytest.fixture(autouse=True)
def _cometchat_live_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unmarked tests never see a real app's variables; marked ones skip without them."""
    if request.node.get_closest_marker(LIVE_MARK) is not None:
        if request.config.stash.get(_FORBIDDEN_BY_ENVIRONMENT, False):
            pytest.skip(f"{LIVE_MARK}: {guard.VARIABLE} is set: real apps are off in this run")
        missing = [name for name in LIVE_VARIABLES if not os.environ.get(name)]
        if not any(os.environ.get(name) for name in LIVE_KEYS):
            missing.append(" or ".join(LIVE_KEYS))
        if missing:
            pytest.skip(f"{LIVE_MARK}: set {', '.join(missing)} to run against a real app")
        return
    found = [name for name in APP_VARIABLES if os.environ.get(name)]
    for name in found:
        monkeypatch.delenv(name)
    if found:
        warnings.warn(
            CometChatLiveWarning(
                f"ignoring {', '.join(found)} in a test not marked @pytest.mark.{LIVE_MARK}: "
                "it runs on the emulator"
            ),
            stacklevel=1,
        )


@pytest.fixture
def cometchat_emulator() -> Iterator[Emulator]:
    """A fresh in-process emulator: the five test users, nothing else."""
    from .emulator import Emulator

    emulator = Emulator()
    yield emulator
    emulator.close()


@pytest.fixture
def cometchat_session(cometchat_emulator: Emulator) -> Iterator[Session]:
    """A `Session` on `cometchat_emulator`, with its own `MemoryStore` (no file written)."""
    from .session import Session
    from .store import MemoryStore

    with Session(emulator=cometchat_emulator, store=MemoryStore()) as session:
        yield session


@pytest.fixture(scope="module")
def _cometchat_module_server() -> Iterator[Server]:
    from .emulator import Emulator

    emulator = Emulator()
    try:
        with emulator.serve(port=0) as server:
            yield server
    finally:
        emulator.close()


@pytest.fixture
def cometchat_server(
    _cometchat_module_server: Server,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Server:
    """The module's served emulator, reset, with `COMETCHAT_EMULATOR_HOST` pointing at it.

    Yields the `Server` (`.url`, `.port`, `.emulator`); `Session(emulator=cometchat_server)`
    or a plain `Session()` both reach it over HTTP.
    """
    from .emulator import Emulator

    server = _cometchat_module_server
    emulator: Emulator = server.emulator  # type: ignore[assignment]
    emulator.reset()  # users, tokens, requests and faults
    emulator.import_settings(Emulator().export_settings())  # latency, log size, rate limits
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.split("://", 1)[1])
    monkeypatch.setenv("COMETCHAT_NB_HOME", str(tmp_path_factory.mktemp("cometchat-nb-home")))
    return server


@pytest.fixture
def cometchat_remote(cometchat_server: Server) -> RemoteEmulator:
    """A `RemoteEmulator` on `cometchat_server`: its control plane over HTTP, faults
    included (`cometchat_remote.faults.inject(...)`), as a separate process would use it."""
    from .emulator import RemoteEmulator

    return RemoteEmulator.at(cometchat_server.url)
