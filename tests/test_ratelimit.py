"""The session's rate limiter (sans-IO) and the emulator's configurable window."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cometchat_nb import Session
from cometchat_nb.emulator import Emulator, RateLimiter
from cometchat_nb.ratelimit import RateLimits, rate_class

CREATE = httpx.Request("POST", "https://x.test/v3/users")


def answer(remaining: int, reset: float, status: int = 200, limit: int = 3) -> httpx.Response:
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(reset),
    }
    return httpx.Response(status, headers=headers)


def test_rate_classes_follow_the_spec() -> None:
    assert rate_class(CREATE) == "core"
    assert rate_class(httpx.Request("DELETE", "https://x.test/v3/users/u1")) == "core"
    assert rate_class(httpx.Request("PUT", "https://x.test/v3.0/me")) == "core"
    assert rate_class(httpx.Request("GET", "https://x.test/v3/users")) == "standard"
    assert rate_class(httpx.Request("PUT", "https://x.test/v3/users/u1")) == "standard"


def test_bulk_work_waits_for_the_next_window_once_the_budget_is_spent() -> None:
    now = [1000.0]
    limits = RateLimits(clock=lambda: now[0])
    with limits.pacing():
        assert limits.before(CREATE) == 0  # nothing known yet: go
        limits.after(CREATE, answer(2, 1005))
        assert limits.before(CREATE) == 0 and limits.before(CREATE) == 0
        wait = limits.before(CREATE)  # the window's 3 are taken
        assert wait == pytest.approx(5.05)
        now[0] = 1005.1
        for _ in range(3):
            limits.after(CREATE, answer(0, 1005))  # late answers of the old window
        limits.after(CREATE, answer(2, 1010))  # the next window: its reset teaches 5 s
    figures = limits.figures()["core"]
    assert figures.window == 5 and figures.remaining == 2 and figures.limit == 3
    assert figures.requests == 5 and figures.limited == 0


def test_single_calls_are_never_held_back() -> None:
    limits = RateLimits(clock=lambda: 1000.0)
    limits.after(CREATE, answer(0, 1005))
    assert limits.before(CREATE) == 0


def test_a_429_closes_the_window_and_is_counted() -> None:
    limits = RateLimits(clock=lambda: 1000.0)
    with limits.pacing():
        limits.before(CREATE)
        limits.after(CREATE, answer(0, 1004, status=429))
        assert limits.before(CREATE) == pytest.approx(4.05)
    assert limits.figures()["core"].limited == 1


def test_a_reset_on_another_clock_is_not_believed() -> None:
    limits = RateLimits(clock=lambda: 1_800_000_000.0)
    with limits.pacing():
        limits.after(CREATE, answer(0, 1_717_000_060))
        assert limits.before(CREATE) == 0


def test_the_emulator_window_is_configurable() -> None:
    limiter = RateLimiter(limits={"core": 2}, enforce=True, window=5)
    assert limiter.take("core", 1001)[1]["X-Rate-Limit-Reset"] == "1005"
    limiter.take("core", 1002)
    allowed, headers = limiter.take("core", 1003)
    assert not allowed and headers["Retry-After"] == "2"
    assert limiter.take("core", 1005)[0]
    with pytest.raises(ValueError):
        RateLimiter(window=0)


@settings(max_examples=300, deadline=None)
@given(
    now=st.floats(min_value=1_700_000_000, max_value=1_800_000_000),
    window=st.sampled_from([0.5, 1, 3, 7, 60, 3600]),
)
def test_a_retry_after_is_never_shorter_than_the_window(now: float, window: float) -> None:
    limiter = RateLimiter(limits={"core": 1}, enforce=True, window=window)
    assert limiter.take("core", now)[0]
    allowed, headers = limiter.take("core", now)
    wait = int(headers["Retry-After"])
    assert not allowed and headers["X-RateLimit-Remaining"] == "0"
    assert now + wait >= int(headers["X-Rate-Limit-Reset"]) >= now  # it waits the window out
    assert limiter.take("core", now + wait)[0]  # so the request after the wait gets through


def test_session_rate_limits_show_the_latest_figures(emulator: Emulator) -> None:
    with Session(emulator=emulator) as session:
        assert session.rate_limits == {}
        session.admin.get_user("cometchat-uid-1")
        figures = session.rate_limits["standard"]
        assert figures.limit == 20_000 and figures.remaining is not None
        assert "standard" in session._repr_html_()
