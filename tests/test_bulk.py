"""Bulk creation: one result row per input, in order; duplicates, bad rows, 429s, threads."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import ipywidgets
import pandas as pd
import pytest

from cometchat_nb import AsyncSession, Emulator, Event, Retry, Session, User
from cometchat_nb.bulk import progress as progress_module
from cometchat_nb.emulator import RateLimiter

RESULT_DTYPES = {
    "uid": "string",
    "name": "string",
    "result": "category",
    "changes": "object",
    "error_code": "string",
    "error_message": "string",
}


def thousand_rows() -> tuple[list[dict[str, Any]], list[tuple[str, str | None]]]:
    """1,000 rows: 940 good, 50 invalid in five ways, 10 repeating an earlier uid."""
    rows: list[dict[str, Any]] = [{"uid": f"bulk-{i:04d}", "name": f"Bulk {i}"} for i in range(940)]
    expected: list[tuple[str, str | None]] = [("created", None)] * 940
    bad: list[tuple[dict[str, Any], str]] = []
    bad += [({"uid": f"bad uid {i}", "name": "Bad"}, "INVALID_UID") for i in range(15)]
    bad += [({"uid": f"nameless-{i}"}, "USER_NAME_IS_COMPULSORY") for i in range(10)]
    bad += [
        ({"uid": f"avatar-{i}", "name": "A", "avatar": "not a url"}, "ERR_BAD_REQUEST")
        for i in range(10)
    ]
    bad += [({"uid": f"tagless-{i}", "name": "T", "tags": 5}, "INVALID_ROW") for i in range(10)]
    bad += [
        ({"uid": f"cometchat-uid-{i}", "name": "Taken"}, "ERR_UID_ALREADY_EXISTS")
        for i in range(1, 6)
    ]
    for row, code in bad:
        rows.append(row)
        expected.append(("error", code))
    order = list(range(len(rows)))
    random.Random(4).shuffle(order)
    rows = [rows[i] for i in order]
    expected = [expected[i] for i in order]
    # Ten rows repeating (in upper case) the uid of an earlier good row.
    good = [i for i, (result, _) in enumerate(expected) if result == "created"][:10]
    for i in good:
        position = random.Random(i).randrange(i + 1, len(rows) + 1)
        rows.insert(position, {"uid": rows[i]["uid"].upper(), "name": "Again"})
        expected.insert(position, ("error", "DUPLICATE_UID"))
    return rows, expected


def test_a_thousand_rows_with_bad_and_repeated_ones(session: Session, emulator: Emulator) -> None:
    rows, expected = thousand_rows()
    assert len(rows) == 1000
    frame = session.create_users(rows, progress=False)
    assert len(frame) == 1000
    assert list(frame.index) == list(range(1000))
    assert list(frame["uid"]) == [r["uid"] for r in rows]  # input order
    codes = [None if pd.isna(code) else code for code in frame["error_code"]]
    assert list(zip(frame["result"], codes, strict=True)) == expected
    assert frame.attrs["counts"] == {"created": 940, "error": 60}
    errors = frame[frame["result"] == "error"]
    assert errors["error_code"].notna().all() and errors["error_message"].notna().all()
    assert frame[frame["result"] == "created"]["error_code"].isna().all()
    assert dict(frame.dtypes.astype(str)) == RESULT_DTYPES
    # what the service holds agrees: every good row once, nothing else
    created = {u for u in emulator.users if u.startswith("bulk-")}
    assert created == {f"bulk-{i:04d}" for i in range(940)}
    assert len(session.created_users) == 940
    repeated = frame[frame["error_code"] == "DUPLICATE_UID"]
    assert repeated["error_message"].str.contains("repeats the row at position").all()


def test_exist_ok_reports_taken_uids_as_exists(session: Session) -> None:
    rows = [{"uid": "cometchat-uid-1", "name": "X"}, {"uid": "fresh", "name": "Fresh"}]
    strict = session.create_users(rows, progress=False)
    assert list(strict["result"]) == ["error", "created"]
    assert strict["error_code"].iloc[0] == "ERR_UID_ALREADY_EXISTS"
    relaxed = session.create_users(rows, exist_ok=True, progress=False)
    assert list(relaxed["result"]) == ["exists", "exists"]
    assert relaxed["error_code"].isna().all()


def test_a_dataframe_with_empty_cells_and_its_index(session: Session) -> None:
    frame = pd.DataFrame(
        {
            "uid": ["f1", "f2", "f3"],
            "name": ["F1", "F2", None],
            "avatar": [None, "https://a.test/f2.png", None],
            "tags": [["x"], None, None],
        },
        index=pd.Index(["a", "b", "c"], name="row"),
    )
    result = session.create_users(frame, progress=False)
    assert list(result.index) == ["a", "b", "c"] and result.index.name == "row"
    assert list(result["result"]) == ["created", "created", "error"]
    assert result.loc["c", "error_code"] == "USER_NAME_IS_COMPULSORY"
    users = session.created_users_frame()
    assert users.loc["f1", "tags"] == ["x"]
    assert users.loc["f2", "avatar"] == "https://a.test/f2.png"


def test_a_uid_indexed_frame_round_trips(session: Session, emulator: Emulator) -> None:
    source = pd.DataFrame({"name": ["One", "Two"]}, index=pd.Index(["one", "two"], name="uid"))
    result = session.create_users(source, progress=False)
    assert list(result["result"]) == ["created", "created"]
    assert list(result.index) == ["one", "two"]
    assert {"one", "two"} <= set(emulator.users)


def test_created_users_frame_round_trips(session: Session, emulator: Emulator) -> None:
    """The frame of one session's users creates them again elsewhere, tags or no tags."""
    session.create_users(
        [{"uid": "plain", "name": "Plain"}, {"uid": "tagged", "name": "T", "tags": ["a"]}],
        progress=False,
    )
    frame = session.created_users_frame()
    with Session(emulator=Emulator()) as elsewhere:
        result = elsewhere.create_users(frame, progress=False)
        assert list(result["result"]) == ["created", "created"]
        assert elsewhere.emulator.users["tagged"].tags == ["a"]
    assert list(session.create_users(frame, exist_ok=True, progress=False)["result"]) == [
        "exists",
        "exists",
    ]


def test_one_unsendable_row_never_stops_the_rest(session: Session) -> None:
    rows = [
        {"uid": "ok-1", "name": "One"},
        {"uid": "odd", "name": "Odd", "metadata": {"when": object()}},  # not JSON
        {"uid": "ok-2", "name": "Two"},
    ]
    result = session.create_users(rows, progress=False)
    assert list(result["result"]) == ["created", "error", "created"]
    assert result["error_code"].iloc[1] == "INVALID_USER_METADATA"  # a local code


def test_a_rate_limited_row_is_retried_after_retry_after() -> None:
    now = [1_717_000_020.0]
    emulator = Emulator(
        clock=lambda: now[0],
        rate_limiter=RateLimiter(limits={"core": 5}, enforce=True),  # from a minute's start
    )
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with Session(emulator=emulator, sleep=sleep, retry=Retry(attempts=3)) as session:
        rows = [{"uid": f"limited-{i}", "name": "L"} for i in range(12)]
        result = session.create_users(rows, concurrency=1, progress=False)
    assert list(result["result"]) == ["created"] * 12
    assert sleeps == [60.0, 60.0]  # the 6th and 11th creates waited once each
    posts = [r for r in emulator.requests if r.method == "POST"]
    assert len(posts) == 14  # 12 creates + 2 refused attempts, nothing sent twice otherwise


def test_retries_exhausted_report_the_429_code() -> None:
    emulator = Emulator(
        clock=lambda: 1_717_000_020.0,
        rate_limiter=RateLimiter(limits={"core": 3}, enforce=True),
    )
    sleeps: list[float] = []
    with Session(emulator=emulator, sleep=sleeps.append, retry=Retry(attempts=3)) as session:
        rows = [{"uid": f"limited-{i}", "name": "L"} for i in range(5)]
        result = session.create_users(rows, concurrency=2, progress=False)
    assert list(result["result"]) == ["created"] * 3 + ["error"] * 2
    assert list(result["error_code"].iloc[3:]) == ["ERR_TOO_MANY_REQUESTS"] * 2
    assert sleeps == [60.0] * 4


class CountingEmulator(Emulator):
    """An emulator that records how many requests it is handling at once."""

    def __init__(self, **options: Any) -> None:
        super().__init__(latency=0.02, **options)
        self.active = self.most = 0
        self.guard = threading.Lock()

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.guard:
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            return super().handle(request)
        finally:
            with self.guard:
                self.active -= 1


def test_concurrency_is_bounded_and_events_stay_on_the_calling_thread() -> None:
    emulator = CountingEmulator()
    threads: set[str] = set()
    with Session(emulator=emulator) as session:
        subscription = session.listeners.subscribe(
            lambda event: threads.add(threading.current_thread().name)
        )
        rows = [{"uid": f"c-{i}", "name": "C"} for i in range(40)]
        result = session.create_users(rows, concurrency=4, progress=False)
        subscription.unsubscribe()
    assert (result["result"] == "created").all()
    assert 1 < emulator.most <= 4
    assert threads == {threading.current_thread().name}


def test_progress_bar_is_driven_to_the_end(session: Session) -> None:
    bar = ipywidgets.IntProgress()
    rows = [{"uid": f"p-{i}", "name": "P"} for i in range(250)] + [{"uid": "bad uid", "name": "x"}]
    session.create_users(rows, progress=bar)
    assert (bar.min, bar.max, bar.value) == (0, 251, 251)
    assert "cc-progress" in bar._dom_classes
    assert bar.bar_style == "warning"  # one row failed
    assert bar.description == "251/251: 250 created, 1 failed"


def test_in_a_kernel_a_bar_is_displayed(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    shown: list[Any] = []
    monkeypatch.setattr(progress_module, "in_kernel", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    session.create_users([{"uid": "k-1", "name": "K"}])
    [bar] = shown
    assert isinstance(bar, ipywidgets.IntProgress)
    assert "cc-progress" in bar._dom_classes and bar.value == 1 and bar.bar_style == "success"


def test_outside_a_kernel_progress_is_text(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    session.create_users([{"uid": f"t-{i}", "name": "T"} for i in range(20)] + [{"uid": "t-0"}])
    err = capsys.readouterr().err  # a tqdm bar
    assert err.startswith("\rcreating users:") and err.endswith("\n")
    assert "21/21" in err and "20 created, 1 failed" in err


def test_bad_input_raises_before_anything_is_sent(session: Session, emulator: Emulator) -> None:
    before = len(emulator.requests)
    for bad in ("alice", {"uid": "alice", "name": "A"}, 42, [{"uid": "a", "name": "A"}, "b"]):
        with pytest.raises(TypeError):
            session.create_users(bad, progress=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="concurrency"):
        session.create_users([{"uid": "a", "name": "A"}], concurrency=0)
    with pytest.raises(TypeError, match="progress"):
        session.create_users([{"uid": "a", "name": "A"}], progress="yes")
    assert len(emulator.requests) == before


def test_no_rows_give_an_empty_typed_frame(session: Session) -> None:
    result = session.create_users([], progress=False)
    assert result.empty and dict(result.dtypes.astype(str)) == RESULT_DTYPES


def test_user_objects_as_rows(session: Session) -> None:
    result = session.create_users([User("obj-1", "Obj"), User("OBJ-1", "Again")], progress=False)
    assert list(result["result"]) == ["created", "error"]
    assert list(result["name"]) == ["Obj", "Again"]


async def test_async_create_users(async_session: AsyncSession, emulator: Emulator) -> None:
    events: list[Event] = []
    async_session.listeners.subscribe(events.append)
    rows, expected = thousand_rows()
    result = await async_session.create_users(rows[:300], concurrency=5, progress=False)
    assert list(result["uid"]) == [r["uid"] for r in rows[:300]]
    assert list(result["result"]) == [e[0] for e in expected[:300]]
    created = int((result["result"] == "created").sum())
    assert len([e for e in events if e.name == "user_created"]) == created
    assert len(async_session.created_users) == created


def spreadsheet() -> pd.DataFrame:
    """What `pd.read_csv` gives for a team sheet: numeric uids (a float column, as gaps make
    it), tags as "a,b", metadata as JSON text, a repeat, a missing name, a bad uid."""
    return pd.DataFrame(
        {
            "UID": [101.0, 102.0, 102.0, 103.0, None, 104.0],
            "Name": ["Ann", "Bob", "Bob again", None, "No uid", "Dee"],
            "Tags": ["a,b", "", "c", "d", "e", '["x", "y"]'],
            "metadata": ['{"team": 1}', None, None, None, None, "{not json"],
        }
    )


def test_both_keys_read_the_same_frame_the_same_way() -> None:
    outcomes = []
    for key in ("auth", "rest"):
        with Session(emulator=Emulator()) as session:
            call = session.create_users if key == "auth" else session.admin.create_users
            result = call(spreadsheet(), progress=False)
            outcomes.append(result)
            if key == "auth":
                assert session.emulator.users["101"].tags == ["a", "b"]
                assert session.emulator.users["101"].metadata == {"team": 1}
    auth, rest = outcomes
    assert list(auth.columns) == list(rest.columns)
    assert auth[["uid", "name", "result", "error_code"]].equals(
        rest[["uid", "name", "result", "error_code"]]
    )
    assert list(auth["uid"].fillna("-")) == ["101", "102", "102", "103", "-", "104"]
    assert list(auth["result"]) == ["created", "created", "error", "error", "error", "error"]
    assert list(auth["error_code"].iloc[2:]) == [
        "DUPLICATE_UID", "USER_NAME_IS_COMPULSORY", "UID_IS_COMPULSORY", "INVALID_ROW",
    ]  # fmt: skip
    assert (
        "line" not in auth["error_message"].iloc[5] and "metadata" in auth["error_message"].iloc[5]
    )


def test_unknown_and_misspelt_columns_are_refused_alike_on_both_keys(session: Session) -> None:
    frame = spreadsheet().assign(avtar="x", email="e@x")
    for call in (session.create_users, session.admin.create_users):
        with pytest.raises(ValueError, match="'avtar' \\(did you mean 'avatar'\\?\\), 'email'"):
            call(frame, progress=False)
    assert session.created_users == []
    for call in (session.create_users, session.admin.create_users):
        with pytest.warns(UserWarning, match="'avtar'"):
            left_out = call(frame, strict=False, exist_ok=True, progress=False)
        assert left_out.attrs["counts"]["error"] == 4


def test_a_bad_uid_keeps_who_it_was(session: Session) -> None:
    for call in (session.create_users, session.admin.create_users):
        result = call([{"uid": "bad uid", "name": "Bea"}], progress=False)
        assert result[["uid", "name", "error_code"]].iloc[0].tolist() == [
            "bad uid", "Bea", "INVALID_UID",
        ]  # fmt: skip


def test_error_messages_are_redacted_on_both_keys(session: Session) -> None:
    jwt = "eyJhbGciOi.eyJzdWIi.c2lnbmF0"  # a JWT pasted as a uid: its dots make it invalid
    for call in (session.create_users, session.admin.create_users):
        result = call([{"uid": jwt, "name": "L"}], progress=False)
        assert result["error_code"].iloc[0] == "INVALID_UID"
        assert jwt not in result["error_message"].iloc[0]


def test_a_session_keeps_the_latest_created_users_and_says_how_many_it_let_go(
    emulator: Emulator,
) -> None:
    with Session(emulator=emulator, keep_created=3) as session:
        rows = [{"uid": f"kept-{i}", "name": f"K {i}"} for i in range(5)]
        made = session.create_users(rows, concurrency=1, progress=False)  # in order
        assert made.attrs["counts"] == {"created": 5}
        kept = session.created_users
        assert [u.uid for u in kept] == ["kept-2", "kept-3", "kept-4"] and kept.dropped == 2
        assert "2 older not kept" in kept._repr_html_()
        assert list(session.created_users_frame().index) == ["kept-2", "kept-3", "kept-4"]
        assert ">users created</" in (html := session._repr_html_()) and ">5</" in html
        session.admin.delete_users(["kept-0"], permanent=True, confirm=True, progress=False)
        session.create_user({"uid": "kept-0", "name": "Again"})  # the latest again
        assert [u.uid for u in session.created_users] == ["kept-3", "kept-4", "kept-0"]
    with Session(emulator=emulator, keep_created=0) as session:
        session.create_user({"uid": "unkept", "name": "U"})
        assert session.created_users == [] and session.created_users.dropped == 1
    for odd, error in [(-1, ValueError), ("10", TypeError), (True, TypeError)]:
        with pytest.raises(error, match="keep_created"):
            Session(emulator=emulator, keep_created=odd)


async def test_an_async_session_keeps_the_latest_created_users_too(emulator: Emulator) -> None:
    async with AsyncSession(emulator=emulator, keep_created=1) as session:
        rows = [{"uid": "first", "name": "F"}, {"uid": "second", "name": "S"}]
        await session.create_users(rows, concurrency=1, progress=False)
        kept = session.created_users
        assert [u.uid for u in kept] == ["second"] and kept.dropped == 1


def test_repeats_are_found_across_chunks_and_the_apps_users_read_in_pages(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan's lookups (SQLite tables) span the whole input, chunk after chunk."""
    from cometchat_nb.bulk import rows as rows_module

    monkeypatch.setattr(rows_module, "CHUNK", 5)
    rows = [{"uid": f"Rep-{i % 12}", "name": f"R {i}"} for i in range(30)]
    first = session.admin.upsert_users(rows, progress=False)
    assert first.attrs["counts"] == {"created": 12, "error": 18}
    repeated = first[first["error_code"] == "DUPLICATE_UID"]
    assert len(repeated) == 18
    assert (
        repeated["error_message"]
        .iloc[-1]
        .endswith("repeats the row at position 5; only that is done.")
    )
    again = session.admin.upsert_users(
        [{"uid": "rep-3", "name": "R 3"}, {"uid": "REP-4", "name": "Renamed", "tags": ["t"]}],
        progress=False,
    )
    assert list(again["result"]) == ["unchanged", "updated"]
    assert again["changes"].iloc[1] == {"name": "Renamed", "tags": ["t"]}


def test_streamed_sources_give_positions_across_chunks(
    session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from cometchat_nb.bulk import rows as rows_module

    monkeypatch.setattr(rows_module, "CHUNK", 7)
    people = pd.DataFrame({"uid": [f"s-{i}" for i in range(30)], "name": ["S"] * 30})
    path = tmp_path / "people.csv"
    people.to_csv(path, index=False)
    generated = session.create_users(
        ({"uid": f"g-{i}", "name": "G"} for i in range(30)), progress=False
    )
    assert list(generated.index) == list(range(30)) and generated.attrs["counts"] == {"created": 30}
    with pd.read_csv(path, chunksize=4) as reader:
        chunked = session.admin.upsert_users(reader, progress=False)
    assert list(chunked.index) == list(range(30)) and chunked.attrs["counts"] == {"created": 30}
    out = tmp_path / "results.csv"
    streamed = session.admin.upsert_users(path, results=out, progress=False)
    assert streamed.empty and streamed.attrs["counts"] == {"unchanged": 30}
    written = pd.read_csv(out)
    assert list(written["row"]) == list(range(30)) and set(written["result"]) == {"unchanged"}


def test_field_limits_are_checked_before_sending(session: Session, emulator: Emulator) -> None:
    before = len(emulator.requests)
    rows = [
        {"uid": "long", "name": "N" * 101},
        {"uid": "tags", "name": "T", "tags": [f"t{i}" for i in range(26)]},
        {"uid": "pic", "name": "P", "avatar": "not a url"},
        {"uid": "meta", "name": "M", "metadata": {"k": "x" * 6000}},
    ]
    for call in (session.create_users, session.admin.create_users):
        result = call(rows, progress=False)
        assert set(result["error_code"]) == {"ERR_BAD_REQUEST"}
        assert result["error_message"].str.contains("must").all()
    assert len(emulator.requests) == before


def test_a_stream_checks_its_first_chunk_before_sending_and_later_rows_each(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cometchat_nb.bulk import rows as rows_module

    monkeypatch.setattr(rows_module, "CHUNK", 3)
    before = len(emulator.requests)
    with pytest.raises(ValueError, match="'emial'"):
        session.create_users(iter([{"uid": "s1", "name": "S", "emial": "x"}]), progress=False)
    with pytest.raises(TypeError, match="row 1 is a int"):
        session.create_users(iter([{"uid": "s1", "name": "S"}, 5]), progress=False)
    assert len(emulator.requests) == before

    def stream() -> Iterator[Any]:
        yield from ({"uid": f"s{i}", "name": "S"} for i in range(3))
        yield {"uid": "late", "name": "L", "emial": "x"}
        yield 5

    result = session.create_users(stream(), progress=False)
    assert list(result["result"]) == ["created"] * 3 + ["error"] * 2
    assert list(result["uid"].fillna("-")) == ["s0", "s1", "s2", "late", "-"]
    assert set(result["error_code"].dropna()) == {"INVALID_ROW"}
    assert "'emial'" in result["error_message"].iloc[3]
