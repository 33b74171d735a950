"""Session stores: atomic owner-only files, never a key, corrupt files are no session."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from cometchat_nb import Emulator, FileStore, MemoryStore, Session


def test_file_store_writes_owner_only_json_atomically(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "home")
    store.save("app-1", {"a": 1})
    path = store.path("app-1")
    assert json.loads(path.read_text()) == {"a": 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_a_failed_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileStore(tmp_path)
    store.save("app", {"old": True})

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.save("app", {"new": True})
    monkeypatch.undo()
    assert store.load("app") == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == [store.path("app").name]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\x00\x01"])
def test_a_corrupt_file_is_no_session_with_a_warning(tmp_path: Path, content: str) -> None:
    store = FileStore(tmp_path)
    store.path("app").write_text(content)
    with pytest.warns(RuntimeWarning, match="session file"):
        assert store.load("app") == {}


def test_a_session_over_a_corrupt_file_starts_logged_out(
    emulator: Emulator, tmp_path: Path
) -> None:
    store = FileStore(tmp_path)
    store.path(emulator.app_id).write_text("{corrupt")
    with Session(emulator=emulator, store=store) as s, pytest.warns(RuntimeWarning):
        assert s.get_logged_in_user() is None
        user = s.login("cometchat-uid-1")
    assert FileStore(tmp_path).load(emulator.app_id)["session"]["user"]["uid"] == user.uid


def test_the_store_never_holds_a_key(emulator: Emulator, tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    with Session(emulator=emulator, store=store) as s:
        s.login("cometchat-uid-1", auth_key=emulator.auth_key)
        text = store.path(emulator.app_id).read_text()
    assert emulator.auth_key.reveal() not in text
    assert emulator.rest_api_key.reveal() not in text
    assert '"authToken"' in text  # the login itself is what is persisted


def test_file_store_home_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMETCHAT_NB_HOME", str(tmp_path / "nb"))
    assert FileStore().directory == tmp_path / "nb"
    assert FileStore().path("a/b..c").parent == tmp_path / "nb"


def test_memory_store_copies(tmp_path: Path) -> None:
    store = MemoryStore()
    data = {"session": {"user": {"uid": "a"}}}
    store.save("app", data)
    data["session"]["user"]["uid"] = "changed"
    assert store.load("app")["session"]["user"]["uid"] == "a"
    store.clear()
    assert store.load("app") == {}


ODD_SESSIONS = [
    {"session": "not an object"},
    {"session": {"authToken": 42, "user": {"uid": "cometchat-uid-1"}}},
    {"session": {"authToken": "t", "user": ["cometchat-uid-1"]}},
    {"session": {"authToken": "t", "user": {"uid": "cometchat-uid-1", "createdAt": "2024-05-29"}}},
    {
        "session": {
            "authToken": "t",
            "user": {"uid": "cometchat-uid-1", "tags": 7, "createdAt": 1e400},
        }
    },
]


@pytest.mark.parametrize("data", ODD_SESSIONS)
def test_an_odd_stored_login_is_no_session_with_a_warning_and_never_blocks_a_login(
    data: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    emulator, store = Emulator(), MemoryStore()
    store.save(emulator.app_id, data)
    with Session(emulator=emulator, store=store) as session:
        assert session.get_logged_in_user() is None
        assert "ignoring a stored" in caplog.text
        assert session.login("cometchat-uid-1").uid == "cometchat-uid-1"
        assert session.get_logged_in_user() is not None


def test_folders_the_package_creates_are_owner_only(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)  # a folder that exists already: not the package's to change
    home = tmp_path / "home" / "deep"
    FileStore(home / "emulators" / "here").save("app", {"deviceId": "d"})
    for folder in (tmp_path / "home", home, home / "emulators", home / "emulators" / "here"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755
