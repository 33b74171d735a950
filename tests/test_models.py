"""Value objects: users in wire form, secrets that print masked."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from cometchat_nb import AuthToken, Secret, User


def test_user_round_trips_its_wire_form() -> None:
    wire = {
        "uid": "alice",
        "name": "Alice",
        "statusMessage": "hi",
        "metadata": {"a": 1},
        "tags": ["x"],
        "status": "offline",
        "role": "default",
        "createdAt": 1717000000,
        "updatedAt": 1717000200,
        "conversationId": "c1",
    }
    user = User.from_dict(wire)
    assert user.created_at == datetime(2024, 5, 29, 16, 26, 40, tzinfo=UTC)
    assert user.status_message == "hi" and user.extra == {"conversationId": "c1"}
    assert user.to_dict() == wire


def test_session_fields_never_land_on_the_user() -> None:
    user = User.from_dict(
        {
            "uid": "a",
            "name": "A",
            "authToken": "t",
            "jwt": "j",
            "wsChannel": {},
            "settings": {},
            "status": "available",
        }
    )
    assert user.auth_token is None and user.extra == {}
    assert user.status == "online" and user.is_online
    assert "authToken" not in user.to_dict()


def test_user_takes_uid_and_name_positionally_and_the_rest_by_keyword() -> None:
    user = User("kevin", "Kevin", role="admin")
    assert (user.uid, user.name, user.role) == ("kevin", "Kevin", "admin")
    with pytest.raises(TypeError):
        User("kevin", "Kevin", "https://avatar")  # type: ignore[misc]
    assert repr(user) == "User(uid='kevin', name='Kevin', role='admin')"


def test_secret_prints_masked_and_compares_by_value() -> None:
    secret = Secret("emulator-auth-key-0000a1b2")
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}"):
        assert "emulator-auth-key" not in text and "••••a1b2" in text
    assert Secret("short").masked == "••••"
    assert secret == Secret(secret) and secret != Secret("other")
    assert secret.reveal() == "emulator-auth-key-0000a1b2"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(TypeError):
        Secret(42)  # type: ignore[arg-type]


def test_auth_token_repr_is_masked() -> None:
    value = "kevin_1717000000" + "ab" * 15
    token = AuthToken.from_dict({"uid": "kevin", "authToken": value, "createdAt": 1717000000})
    assert value not in repr(token) and token.auth_token.reveal() == value
