"""Provisioning with only the REST API key, against a served emulator: bulk creates,
updates, upserts and deletes from frames and CSVs, plans that send no write, reruns."""

from __future__ import annotations

import io
import os
import signal
import warnings
from collections.abc import Iterator
from typing import Any

import ipywidgets
import pandas as pd
import pytest

from cometchat_nb import AsyncSession, CometChatException, Emulator, Session
from cometchat_nb.emulator import RateLimiter
from cometchat_nb.emulator.server import Server

SEEDED = {f"cometchat-uid-{i}" for i in range(1, 6)}


def rest_only(server: Server, cls: type[Any] = Session) -> Any:
    """A production-like session: the app's id and REST API key, no auth key."""
    emulator = server.emulator
    return cls(
        emulator.app_id, emulator.region, rest_api_key=emulator.rest_api_key,
        admin_host=f"{server.url}/v3",
    )  # fmt: skip


@pytest.fixture
def admin_session(server: Server) -> Iterator[Session]:
    with rest_only(server) as session:
        assert session.auth_key is None and session.emulator is None
        yield session


def people(n: int, start: int = 0, name: str = "Person") -> pd.DataFrame:
    numbers = range(start, start + n)
    return pd.DataFrame(
        {"uid": [f"p-{i}" for i in numbers], "name": [f"{name} {i}" for i in numbers]}
    )


def counts(result: pd.DataFrame) -> dict[str, int]:
    return {k: v for k, v in result["result"].value_counts().items() if v}


def writes(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in emulator.requests if r.method != "GET"]


def test_a_thousand_rows_created_updated_and_upserted(
    admin_session: Session, emulator: Emulator
) -> None:
    frame = people(1000)
    created = admin_session.admin.create_users(frame, concurrency=16, progress=False)
    assert counts(created) == {"created": 1000}
    assert list(created["uid"]) == list(frame["uid"]) and list(created.index) == list(frame.index)
    assert set(emulator.users) == SEEDED | set(frame["uid"])

    changed = frame.copy()
    changed.loc[::2, "name"] = "Renamed"
    updated = admin_session.admin.update_users(changed, progress=False)
    assert counts(updated) == {"updated": 500, "unchanged": 500}
    assert updated["changes"].iloc[0] == {"name": "Renamed"}
    assert updated["changes"].iloc[1] == {}
    assert emulator.users["p-0"].name == "Renamed"

    mixed = pd.concat([changed.iloc[500:], people(500, 1000)], ignore_index=True)
    mixed.loc[:249, "name"] = "Again"
    upserted = admin_session.admin.upsert_users(mixed, progress=False)
    assert counts(upserted) == {"created": 500, "updated": 250, "unchanged": 250}
    assert list(upserted["result"].iloc[[0, 300, 600]]) == ["updated", "unchanged", "created"]
    assert len(set(emulator.users) - SEEDED) == 1500


def test_a_csv_of_numeric_uids_with_text_tags_and_json_metadata(
    admin_session: Session, emulator: Emulator
) -> None:
    lines = ["uid,name,tags,metadata"]
    lines += [f'{i},N{i},"red, blue","{{""team"": {i % 3}}}"' for i in range(1000, 2000)]
    frame = pd.read_csv(io.StringIO("\n".join(lines)))
    assert frame["uid"].dtype == "int64"
    result = admin_session.admin.upsert_users(frame, concurrency=16, progress=False)
    assert counts(result) == {"created": 1000}
    assert list(result["uid"].iloc[:2]) == ["1000", "1001"]
    user = admin_session.admin.get_user("1001")
    assert user.tags == ["red", "blue"] and user.metadata == {"team": 2}
    again = admin_session.admin.upsert_users(frame, progress=False)
    assert counts(again) == {"unchanged": 1000}


def test_the_plan_sends_no_write(admin_session: Session, emulator: Emulator) -> None:
    admin_session.admin.create_users(people(10), progress=False)
    before = writes(emulator)
    wanted = pd.concat([people(5, name="Changed"), people(10, 10)], ignore_index=True)
    wanted.loc[4, "name"] = "Person 4"
    plan = admin_session.admin.upsert_users(wanted, dry_run=True)
    assert writes(emulator) == before
    assert counts(plan) == {"created": 10, "updated": 4, "unchanged": 1}
    assert plan.attrs["dry_run"] is True
    assert plan["changes"].iloc[0] == {"name": "Changed 0"}
    pages = [r for r in emulator.requests if r.method == "GET" and r.url.path.endswith("/users")]
    assert pages[-1].url.params["perPage"] == "1000"
    assert pages[-1].url.params["withDeactivated"] in ("1", "true", "True")


def test_an_interrupted_run_is_finished_by_running_it_again(
    admin_session: Session, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGINT (a kernel interrupt) half way: the partial result, the bar says so, a rerun
    does only what is left."""
    frame = people(1000)
    bar = ipywidgets.IntProgress()

    def interrupt(change: dict[str, Any]) -> None:
        if change["old"] < 500 <= change["new"]:
            os.kill(os.getpid(), signal.SIGINT)

    bar.observe(interrupt, "value")
    partial = admin_session.admin.upsert_users(frame, concurrency=8, progress=bar)
    done = set(emulator.users) - SEEDED
    assert partial.attrs["interrupted"] and 500 <= len(done) < 1000
    assert set(partial.loc[partial["result"] == "created", "uid"]) == done
    assert partial.attrs["counts"] == {"created": len(done), "not_started": 1000 - len(done)}
    assert bar.description.startswith("interrupted at ") and bar.bar_style == "danger"
    assert "rerun the same call" in capsys.readouterr().err
    rerun = admin_session.admin.upsert_users(frame, concurrency=8, progress=False)
    assert counts(rerun) == {"created": 1000 - len(done), "unchanged": len(done)}
    assert set(emulator.users) - SEEDED == set(frame["uid"])
    assert counts(admin_session.admin.upsert_users(frame, progress=False)) == {"unchanged": 1000}


def test_exported_frames_round_trip(admin_session: Session) -> None:
    frame = people(20)
    frame["tags"] = [["a", "b"]] * 20
    frame["metadata"] = [{"k": 1}] * 20
    admin_session.admin.create_users(frame, progress=False)
    exported = admin_session.admin.users_frame()
    assert counts(admin_session.admin.upsert_users(exported, progress=False)) == {
        "unchanged": len(exported)
    }
    created = admin_session.created_users_frame()
    assert len(created) == 20
    assert counts(admin_session.admin.upsert_users(created, progress=False)) == {"unchanged": 20}
    as_csv = pd.read_csv(io.StringIO(exported.to_csv()))
    result = admin_session.admin.upsert_users(as_csv, progress=False)
    assert counts(result) == {"unchanged": len(exported)}


def test_unknown_columns_are_named(admin_session: Session, emulator: Emulator) -> None:
    frame = people(3).assign(avtar="x", email="e@x")
    with pytest.raises(ValueError, match="'avtar' \\(did you mean 'avatar'\\?\\), 'email'"):
        admin_session.admin.create_users(frame)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = admin_session.admin.create_users(frame, strict=False, progress=False)
    assert counts(result) == {"created": 3}
    assert any("avtar" in str(w.message) for w in caught)


def test_bad_rows_and_repeats_are_errors_of_their_own(admin_session: Session) -> None:
    rows = [
        {"uid": "ok", "name": "Ok"},
        {"uid": "bad uid", "name": "B"},
        {"uid": "OK", "name": "x"},
        {"uid": "meta", "name": "M", "metadata": "{not json"},
    ]
    result = admin_session.admin.upsert_users(rows, progress=False)
    assert list(result["result"]) == ["created", "error", "error", "error"]
    assert list(result["error_code"].iloc[1:]) == ["INVALID_UID", "DUPLICATE_UID", "INVALID_ROW"]


def test_update_of_a_missing_user_is_an_error(admin_session: Session) -> None:
    result = admin_session.admin.update_users([{"uid": "nobody", "name": "N"}], progress=False)
    assert result["error_code"].iloc[0] == "ERR_UID_NOT_FOUND"


def test_deleting_needs_confirmation_and_reruns_cleanly(
    admin_session: Session, emulator: Emulator
) -> None:
    admin = admin_session.admin
    admin.create_users(people(6), progress=False)
    uids = [f"p-{i}" for i in range(6)] + ["nobody"]
    with pytest.raises(CometChatException, match="deactivate 6 user") as raised:
        admin.delete_users(uids)
    assert raised.value.code == "CONFIRMATION_REQUIRED"
    assert counts(admin.delete_users(uids, dry_run=True)) == {"deactivated": 6, "absent": 1}
    done = admin.delete_users(uids[:3], confirm=True, progress=False)
    assert counts(done) == {"deactivated": 3}
    assert counts(admin.delete_users(uids[:3], confirm=True, progress=False)) == {"unchanged": 3}
    back = admin.upsert_users(people(3), progress=False)
    assert set(back["error_code"]) == {"USER_DEACTIVATED"}
    back = admin.upsert_users(people(3, name="Back"), reactivate=True, progress=False)
    assert counts(back) == {"reactivated": 3} and back["changes"].iloc[0] == {"name": "Back 0"}
    assert admin.get_user("p-0").name == "Back 0"
    gone = admin.delete_users(pd.DataFrame({"uid": uids}), permanent=True, confirm=True,
                              progress=False)  # fmt: skip
    assert counts(gone) == {"deleted": 6, "absent": 1}
    assert set(emulator.users) == SEEDED


async def test_the_async_twin_does_the_same(server: Server, emulator: Emulator) -> None:
    async with rest_only(server, AsyncSession) as session:
        created = await session.admin.create_users(people(50), concurrency=8, progress=False)
        assert counts(created) == {"created": 50}
        plan = await session.admin.upsert_users(people(60, name="X"), dry_run=True)
        assert counts(plan) == {"updated": 50, "created": 10}
        done = await session.admin.upsert_users(people(60, name="X"), progress=False)
        assert counts(done) == {"updated": 50, "created": 10}
        gone = await session.admin.delete_users(
            [f"p-{i}" for i in range(60)], confirm=True, progress=False
        )
        assert counts(gone) == {"deactivated": 60}


def test_bulk_work_holds_an_enforced_cap_without_429s() -> None:
    limiter = RateLimiter(limits={"core": 15}, enforce=True, window=1, retry_after=None)
    emulator = Emulator(rate_limiter=limiter)
    try:
        with emulator.serve(port=0) as server, rest_only(server) as session:
            result = session.admin.create_users(people(45), concurrency=8, progress=False)
            core = session.rate_limits["core"]
    finally:
        emulator.close()
    assert counts(result) == {"created": 45}
    assert core.limit == 15 and core.window == 1 and core.limited <= 1
    assert "core: " in str(core)


def test_a_plan_shows_the_fields_a_create_would_send(admin_session: Session) -> None:
    plan = admin_session.admin.create_users(
        [{"uid": "new", "name": "New", "tags": "x,y"}], dry_run=True
    )
    assert plan["result"].iloc[0] == "created"
    assert plan["changes"].iloc[0] == {"name": "New", "tags": ["x", "y"]}


def test_a_notebook_bar_shows_the_rate_figures(admin_session: Session) -> None:
    bar = ipywidgets.IntProgress()
    admin_session.admin.create_users(people(3), progress=bar)
    assert "cc-progress" in bar._dom_classes and bar.value == 3
    assert "core: " in bar.tooltip and "rows/s" in bar.tooltip
