"""Properties over generated input: the uid rule, wire round trips, redaction."""

from __future__ import annotations

import re
import string

from hypothesis import given
from hypothesis import strategies as st

from cometchat_nb import CometChatException, User
from cometchat_nb.secret import mask, redact
from cometchat_nb.validation import check_uid

UID_CHARS = string.ascii_letters + string.digits + "_-"


@given(st.text(max_size=120))
def test_the_uid_rule_is_exactly_the_documented_one(uid: str) -> None:
    valid = re.fullmatch(r"[A-Za-z0-9_-]{1,100}", uid) is not None
    try:
        check_uid(uid)
    except CometChatException as exc:
        assert not valid and exc.code == "INVALID_UID"
    else:
        assert valid


timestamps = st.integers(min_value=1, max_value=4_000_000_000)
wire_users = st.fixed_dictionaries(
    {"uid": st.text(UID_CHARS, min_size=1, max_size=100), "createdAt": timestamps},
    optional={
        "name": st.text(max_size=100),
        "avatar": st.just("https://example.com/a.png"),
        "role": st.sampled_from(["default", "admin"]),
        "statusMessage": st.text(max_size=20),
        "metadata": st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
        "tags": st.lists(st.text(min_size=1, max_size=10), max_size=3),
        "status": st.just("offline"),
        "updatedAt": timestamps,
        "lastActiveAt": timestamps,
        "conversationId": st.text(max_size=10),
    },
)


@given(wire_users)
def test_users_round_trip_their_wire_form(wire: dict[str, object]) -> None:
    assert User.from_dict(wire).to_dict() == wire


SEPARATORS = " .,:;!?()[]{}'\"\n"


@given(
    st.text(UID_CHARS, min_size=16, max_size=60),
    st.text(SEPARATORS, max_size=10),
    st.text(SEPARATORS, max_size=10),
)
def test_a_secret_standing_alone_is_masked(secret: str, before: str, after: str) -> None:
    assert redact(f"{before}{secret}{after}", [secret]) == f"{before}{mask(secret)}{after}"
