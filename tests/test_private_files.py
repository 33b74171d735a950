"""Private by default: the emulator's database (with its WAL and SHM files), exported
snapshots and stored logins are owner-only (0600) in owner-only folders (0700), whatever
the umask."""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator_process import EmulatorProcess

from cometchat_nb import Emulator, Session, User
from cometchat_nb.emulator import RemoteEmulator
from cometchat_nb.store import FileStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask 022", "umask 000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_the_database_and_its_wal_and_shm_are_owner_only(tmp_path: Path, umask: int) -> None:
    folder = tmp_path / "new" / "data"  # missing folders are made, owner-only
    emulator = Emulator(data=folder / "state.db")
    with Session(emulator=emulator) as session:
        session.create_user(User("dave", "Dave"))
        session.login("dave")
    files = {p.name: mode(p) for p in folder.iterdir()}
    emulator.close()
    assert files == {"state.db": 0o600, "state.db-wal": 0o600, "state.db-shm": 0o600}
    assert mode(folder) == mode(folder.parent) == 0o700


def test_an_existing_database_keeps_its_mode(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "state.db"
    Emulator(data=path).close()
    path.chmod(0o640)  # the owner's choice
    Emulator(data=path).close()
    assert mode(path) == 0o640


def test_a_stored_login_is_owner_only(tmp_path: Path, umask: int) -> None:
    store = FileStore(tmp_path / "home")
    store.save("app", {"uid": "dave"})
    assert mode(store.path("app")) == 0o600 and mode(tmp_path / "home") == 0o700
    assert [p.name for p in (tmp_path / "home").iterdir()] == ["session-app.json"]


def test_the_cli_data_and_export_are_owner_only(tmp_path: Path, umask: int) -> None:
    data, exported = tmp_path / "cli" / "state.db", tmp_path / "out" / "state.json"
    with EmulatorProcess("--data", str(data), "--export-on-exit", str(exported)) as served:
        with Session(emulator=RemoteEmulator.at(served.url)) as session:
            session.login("cometchat-uid-1")
        files = {p.name: mode(p) for p in data.parent.iterdir()}  # while it serves
        assert served.stop(signal.SIGTERM) == 0
    assert files == {"state.db": 0o600, "state.db-wal": 0o600, "state.db-shm": 0o600}
    assert mode(data.parent) == 0o700
    assert mode(exported) == 0o600 and mode(exported.parent) == 0o700
    assert [p.name for p in exported.parent.iterdir()] == ["state.json"]  # no temporary left
