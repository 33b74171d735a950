"""The pytest plugin as a user meets it: a throwaway project, only the installed package.

The project holds docs/testing.md's worked example (docs/examples/testing/) and a test
file of its own; pytest runs on it in a subprocess, outside this repository, so this
repository's conftest.py is never loaded and the plugin comes from its entry point.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "testing"

EXTRA_TESTS = """
import sys
import warnings

import pytest

from cometchat_nb import Session, User

ports = []


def test_the_repositorys_conftest_is_not_loaded():
    assert "conftest" not in sys.modules


def test_a_fresh_emulator_per_test_1(cometchat_emulator, cometchat_session):
    assert cometchat_session.emulator is cometchat_emulator
    cometchat_session.create_user(User("same", name="Same"))
    assert len(cometchat_emulator.users) == 6


def test_a_fresh_emulator_per_test_2(cometchat_session):
    cometchat_session.create_user(User("same", name="Same"))  # no ERR_UID_ALREADY_EXISTS
    assert repr(cometchat_session.store) == "MemoryStore(apps=0)"


def test_the_server_is_shared_and_reset_1(cometchat_server):
    ports.append(cometchat_server.port)
    with Session() as session:  # COMETCHAT_EMULATOR_HOST points at it
        session.create_user(User("left-over", name="Left"))
        session.login("left-over")
    assert "left-over" in cometchat_server.emulator.users


def test_the_server_is_shared_and_reset_2(cometchat_server):
    ports.append(cometchat_server.port)
    assert ports[0] == ports[1]
    assert "left-over" not in cometchat_server.emulator.users
    with Session() as session:
        assert session.get_logged_in_user() is None
        assert session.emulator.url == cometchat_server.url
        session.emulator.reset()  # a RemoteEmulator: the same control surface over HTTP
    assert cometchat_server.emulator.request_log() == []


def test_faults_are_reachable_from_every_fixture(cometchat_session, cometchat_server):
    for emulator in (cometchat_session.emulator, cometchat_server.emulator):
        assert hasattr(type(emulator), "reset")
        if hasattr(emulator, "faults"):
            assert callable(emulator.faults.inject)


def test_unmarked_tests_never_see_the_app(monkeypatch):
    import os

    assert "COMETCHAT_APP_ID" not in os.environ
    with Session() as session:
        assert session.emulator is not None


@pytest.mark.cometchat_live
def test_live_without_the_variables_is_skipped():
    raise AssertionError("never runs without a real app's variables")
"""


def test_a_throwaway_project_uses_the_fixtures(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("signup.py", "test_signup.py"):
        shutil.copy(EXAMPLE / name, project / name)
    (project / "test_extra.py").write_text(EXTRA_TESTS)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COMETCHAT_", "PYTEST", "PYTHONPATH"))
    }
    env["PYTHONPATH"] = str(ROOT)  # this checkout's package (not its tests or conftest)
    env["COMETCHAT_APP_ID"] = "a-real-app"  # ignored, with a warning, by unmarked tests
    env["COMETCHAT_REST_API_KEY"] = "a-real-key-that-must-not-be-used"
    env["COMETCHAT_NB_HOME"] = str(tmp_path / "home")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", "-W",
         "ignore::DeprecationWarning", "."],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    summary = output.strip().splitlines()[-1]
    passed = int(re.search(r"(\d+) passed", summary).group(1))  # type: ignore[union-attr]
    skipped = int(re.search(r"(\d+) skipped", summary).group(1))  # type: ignore[union-attr]
    # The live tests skip (2).
    assert (passed, skipped) == (13, 2), summary
    assert "SKIPPED" in output and "cometchat_live: set COMETCHAT_REGION" in output
    assert "CometChatLiveWarning: ignoring COMETCHAT_APP_ID, COMETCHAT_REST_API_KEY" in output
    assert "a-real-key-that-must-not-be-used" not in output


def test_the_plugin_is_registered_by_the_entry_point() -> None:
    from importlib.metadata import entry_points

    found = [e for e in entry_points(group="pytest11") if e.name == "cometchat_nb"]
    assert [e.value for e in found] == ["cometchat_nb.pytest_plugin"]


def test_docs_show_the_example_as_it_is(tmp_path: Path) -> None:
    """docs/testing.md quotes the example's files as they are."""
    text = (ROOT / "docs" / "testing.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    for name in ("signup.py", "test_signup.py"):
        assert (EXAMPLE / name).read_text() in blocks, f"docs/testing.md: update {name}"


def test_the_marker_is_registered(request: pytest.FixtureRequest) -> None:
    markers = request.config.getini("markers")
    assert any(line.startswith("cometchat_live:") for line in markers)
