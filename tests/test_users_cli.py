"""`cometchat-nb users import / export` against a served emulator."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cometchat_nb.__main__ import main
from cometchat_nb.emulator import Emulator
from cometchat_nb.emulator.server import Server


@pytest.fixture
def served(server: Server, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.split("://")[1])
    return server.emulator


def test_import_plan_upsert_and_export_round_trip(
    served: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "users.csv"
    lines = ["uid,name,tags,metadata"] + [f'{i},N{i},"a,b","{{""n"": {i}}}"' for i in range(1, 41)]
    source.write_text("\n".join(lines) + "\n")

    assert main(["users", "import", str(source), "--upsert", "--dry-run"]) == 0
    assert "40 rows (would be): created 40" in capsys.readouterr().out
    assert "1" not in served.users

    results = tmp_path / "results.csv"
    assert main(["users", "import", str(source), "--upsert", "--results", str(results)]) == 0
    captured = capsys.readouterr()
    assert "40 rows (done): created 40" in captured.out and "rate limits: core" in captured.out
    assert "upserting users: 100%" in captured.err and "40/40" in captured.err
    assert served.users["7"].tags == ["a", "b"] and served.users["7"].metadata == {"n": 7}
    assert list(pd.read_csv(results)["result"].unique()) == ["created"]

    exported = tmp_path / "export.csv"
    assert main(["users", "export", str(exported)]) == 0
    assert "45 users written" in capsys.readouterr().out
    assert main(["users", "import", str(exported), "--upsert"]) == 0
    assert "45 rows (done): unchanged 45" in capsys.readouterr().out


def test_a_failed_row_gives_exit_status_1(
    served: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "users.csv"
    source.write_text("uid,name\ncometchat-uid-1,Taken\n")
    assert main(["users", "import", str(source)]) == 1
    assert "ERR_UID_ALREADY_EXISTS" in capsys.readouterr().out


def test_an_unknown_column_is_named(
    served: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "users.csv"
    source.write_text("uid,name,email\nx,X,x@example.com\n")
    assert main(["users", "import", str(source)]) == 2
    assert "'email'" in capsys.readouterr().err
