"""A 50,000-row CSV imported through the CLI with `--results`, interrupted half way by
SIGINT, and rerun: the app ends with exactly the 50,000 users, and each results file says
what its run did."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from emulator_process import ROOT, EmulatorProcess

from cometchat_nb import Session

ROWS = 50_000


def data_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as file:
        return max(0, sum(1 for _ in file) - 1)


@pytest.mark.timeout(900)  # 75,000 creates over HTTP: minutes on a busy machine
def test_an_interrupted_import_is_finished_by_rerunning_it(tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    pd.DataFrame(
        {"uid": [f"imp-{i}" for i in range(ROWS)], "name": [f"I {i}" for i in range(ROWS)],
         "tags": ["a,b"] * ROWS}
    ).to_csv(source, index=False)  # fmt: skip
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    served = EmulatorProcess("--no-seed")
    try:
        env = {
            **os.environ, "PYTHONPATH": str(ROOT),
            "COMETCHAT_EMULATOR_HOST": served.url.split("://")[1],
        }  # fmt: skip

        def cli(results: Path) -> subprocess.Popen[str]:
            command = ["users", "import", str(source), "--upsert", "--concurrency", "16"]
            return subprocess.Popen(
                [sys.executable, "-m", "cometchat_nb", *command, "--results", str(results)],
                env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )  # fmt: skip

        run = cli(first)
        while data_lines(first) < ROWS // 2 and run.poll() is None:
            threading.Event().wait(0.1)
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=120)
        assert run.returncode == 130, out + err
        assert "interrupted" in err and "rerun the same call" in err
        rerun = cli(second)
        out, err = rerun.communicate(timeout=600)
        assert rerun.returncode == 0, out + err
        os.environ["COMETCHAT_EMULATOR_HOST"] = env["COMETCHAT_EMULATOR_HOST"]
        try:
            with Session() as session:
                uids = [user.uid for user in session.admin.list_users(per_page=1000)]
        finally:
            del os.environ["COMETCHAT_EMULATOR_HOST"]
    finally:
        served.stop()
    assert sorted(uids) == sorted(f"imp-{i}" for i in range(ROWS))
    done, again = pd.read_csv(first), pd.read_csv(second)
    assert ROWS // 2 <= len(done) < ROWS and list(done["row"]) == list(range(len(done)))
    assert set(done["result"]) == {"created", "not_started"}
    made = set(done.loc[done["result"] == "created", "uid"])
    assert len(again) == ROWS and list(again["row"]) == list(range(ROWS))
    assert set(again.loc[again["result"] == "unchanged", "uid"]) == made
    assert set(again.loc[again["result"] == "created", "uid"]) == set(uids) - made
    assert f"{ROWS} rows (done): created {ROWS - len(made)}, unchanged {len(made)}" in out
