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


def test_the_store_folder_is_where_the_operating_system_keeps_app_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`platformdirs` decides: XDG on Linux, `Library/Application Support` on macOS, ..."""
    import platformdirs

    from cometchat_nb.store import default_home

    monkeypatch.delenv("COMETCHAT_NB_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if platformdirs.user_data_dir().startswith(str(tmp_path)):  # an XDG platform
        assert FileStore().directory == tmp_path / "xdg" / "cometchat-nb"
    assert default_home() == platformdirs.user_data_path("cometchat-nb", appauthor=False)


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


@pytest.mark.parametrize("kind", ["embedded emulator's store", "memory", "one folder"])
def test_sessions_sharing_a_store_tell_each_other(
    emulator: Emulator, tmp_path: Path, kind: str
) -> None:
    """A login or logout by one session reaches the listeners and widgets of the others."""
    from cometchat_nb import LoginListener
    from cometchat_nb.widgets import LoginForm

    def store() -> Any:
        return {"memory": shared, "one folder": FileStore(tmp_path)}.get(kind)

    shared = MemoryStore()
    heard: list[tuple[str, str | None]] = []
    with (
        Session(emulator=emulator, store=store()) as first,
        Session(emulator=emulator, store=store()) as second,
    ):
        first.add_login_listener(
            "first",
            LoginListener(
                login_success=lambda user: heard.append(("in", user.uid)),
                logout_success=lambda: heard.append(("out", None)),
            ),
        )
        form = LoginForm(first)
        second.login("cometchat-uid-2")
        assert heard == [("in", "cometchat-uid-2")]
        assert first.get_logged_in_user().uid == "cometchat-uid-2"  # type: ignore[union-attr]
        assert "cometchat-uid-2" in form.status.value
        assert "changed outside this form" in form.status.value
        event = first.listeners.recent[-1]
        assert event.detail == "cometchat-uid-2 (by another session on this store)"
        second.logout()
        assert heard[-1] == ("out", None) and form.status.value.startswith("Not logged in")
        first.login("cometchat-uid-1")  # a session does not hear itself twice
        assert heard[-1] == ("in", "cometchat-uid-1") and len(heard) == 3
        form.close()
    with (
        Session(emulator=emulator, store=store()) as third,
        Session(emulator=emulator, store=MemoryStore()) as apart,
    ):
        heard.clear()
        third.add_login_listener(
            "third", LoginListener(logout_success=lambda: heard.append(("out", None)))
        )
        apart.login("cometchat-uid-3")  # another store: not told
        third.logout()  # the store's login (uid-1) ends; closed sessions hear nothing
        assert heard == [("out", None)]


def test_an_emulator_reset_that_ends_a_login_is_told(emulator: Emulator) -> None:
    from cometchat_nb import LoginListener
    from cometchat_nb.widgets import LoginForm

    heard: list[str] = []
    with Session(emulator=emulator) as session:
        session.add_login_listener("l", LoginListener(logout_success=lambda: heard.append("out")))
        form = LoginForm(session)
        emulator.reset()  # nobody logged in: nothing to tell
        assert heard == []
        session.login("cometchat-uid-1")
        emulator.reset()
        assert heard == ["out"] and session.get_logged_in_user() is None
        assert session.listeners.recent[-1].detail == "(the emulator was reset)"
        assert form.status.value.startswith("Not logged in")
        form.close()


def test_a_served_emulators_reset_that_ends_a_login_is_told(
    server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COMETCHAT_NB_HOME", str(tmp_path))
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.split("://")[1])
    with Session() as session:
        session.login("cometchat-uid-1")
        session.emulator.reset()  # type: ignore[union-attr]
        assert session.listeners.recent[-1].name == "logout_success"
        assert session.listeners.recent[-1].detail == "(the emulator was reset)"
        assert session.get_logged_in_user() is None
