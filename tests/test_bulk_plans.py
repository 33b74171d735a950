"""The plan is the run: for random frames on random apps, `dry_run=True` gives the per-row
outcomes and the counts of the run that follows, for every bulk verb and for the CLI.

The frames hold what the local rules refuse (bad and missing uids, repeats, missing and
too long names, too many tags, an avatar that is no URL) beside good rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cometchat_nb import Emulator, Session
from cometchat_nb.__main__ import main
from cometchat_nb.emulator.server import Server

POOL = ["u0", "u1", "u2", "u3", "U1", "bad uid", None, 7]

rows = st.lists(
    st.fixed_dictionaries(
        {
            "uid": st.sampled_from(POOL),
            "name": st.sampled_from([None, "Ann", "Bob", "", "N" * 101]),
            "tags": st.sampled_from([None, "a,b", "b", "", ",".join("t" * 26)]),
            "avatar": st.sampled_from([None, "https://a.test/x.png", "not a url"]),
        }
    ),
    max_size=8,
)
#: The app before the call: which of u0-u3 exist, and which of those are deactivated.
apps = st.tuples(
    st.sets(st.sampled_from(["u0", "u1", "u2", "u3"])), st.sets(st.sampled_from(["u0", "u1"]))
)
calls = st.sampled_from(
    [
        ("create_users", {}), ("create_users", {"exist_ok": True}), ("update_users", {}),
        ("upsert_users", {}), ("upsert_users", {"reactivate": True}),
        ("delete_users", {"confirm": True}), ("delete_users", {"confirm": True, "permanent": True}),
    ]
)  # fmt: skip


def outcomes(frame: pd.DataFrame) -> list[tuple[str, Any]]:
    codes = [None if pd.isna(code) else code for code in frame["error_code"]]
    return list(zip(frame["result"].astype(str), codes, strict=True))


def prepare(session: Session, app: tuple[set[str], set[str]]) -> None:
    existing, deactivated = app
    records = [{"uid": uid, "name": "Old", "tags": ["a"]} for uid in sorted(existing)]
    session.admin.create_users(records, progress=False)
    gone = sorted(deactivated & existing)
    session.admin.delete_users(gone, confirm=True, progress=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=apps, frame=rows, call=calls)
def test_a_plan_equals_its_run(
    app: tuple[set[str], set[str]], frame: list[dict[str, Any]], call: tuple[str, dict[str, Any]]
) -> None:
    name, options = call
    with Session(emulator=Emulator()) as session:
        prepare(session, app)
        bulk = getattr(session.admin, name)
        plan = bulk(frame, dry_run=True, **options)
        done = bulk(frame, progress=False, **options)
    assert outcomes(plan) == outcomes(done)
    assert plan.attrs["counts"] == done.attrs["counts"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app=apps, frame=rows)
def test_the_auth_keys_run_agrees_with_the_rest_keys_plan(
    app: tuple[set[str], set[str]], frame: list[dict[str, Any]]
) -> None:
    """`Session.create_users` (the auth key, which cannot list users) does what the REST
    key's plan of the same creates says."""
    with Session(emulator=Emulator()) as session:
        prepare(session, app)
        plan = session.admin.create_users(frame, dry_run=True)
        done = session.create_users(frame, progress=False)
    assert outcomes(plan) == outcomes(done)


def test_the_cli_dry_run_counts_what_the_import_does(
    server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.split("://")[1])
    source = tmp_path / "users.csv"

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(frame=rows, upsert=st.booleans())
    def check(frame: list[dict[str, Any]], upsert: bool) -> None:
        server.emulator.reset()
        pd.DataFrame(frame, columns=["uid", "name", "tags", "avatar"]).to_csv(source, index=False)
        command = ["users", "import", str(source)] + (["--upsert"] if upsert else [])
        planned = main([*command, "--dry-run"])
        plan = capsys.readouterr().out.splitlines()
        done = main(command)
        run = capsys.readouterr().out.splitlines()
        assert plan[0].replace("(would be)", "(done)") == run[0]
        assert planned == done
        assert [line.split()[:2] for line in plan if line.startswith("  ")] == [
            line.split()[:2] for line in run if line.startswith("  ")
        ]

    check()
