"""No secret (auth key, REST API key, auth token, jwt) in any repr, str, exception,
event, log record or warning produced by the guide's walk and the bad-input cases."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pytest

from cometchat_nb import (
    AsyncSession,
    CometChatException,
    Emulator,
    Event,
    LoginListener,
    Secret,
    Session,
    User,
)


def texts_of(value: Any) -> list[str]:
    """Every way a value could be shown."""
    out = [repr(value), str(value), f"{value}"]
    if isinstance(value, CometChatException):
        out += [value.message, str(value.details), str(value.dev_message), str(value.args)]
    if isinstance(value, Event):
        out += [value.detail, *texts_of(value.payload)]
    return out


def test_no_secret_anywhere(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    events: list[Event] = []
    secrets = [emulator.auth_key.reveal(), emulator.rest_api_key.reveal()]

    def show(*values: Any) -> None:
        for value in values:
            shown.extend(texts_of(value))

    def attempt(call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = call(*args, **kwargs)
        except CometChatException as exc:
            show(exc)
            return None
        show(result)
        return result

    with warnings.catch_warnings(record=True) as caught, Session(emulator=emulator) as s:
        warnings.simplefilter("always")
        s.listeners.subscribe(events.append)
        s.add_login_listener("l", LoginListener(login_success=show, login_failure=show))
        show(s, emulator, s.listeners, s.store)
        attempt(s.create_user, User("kevin", name="Kevin"))
        user = attempt(s.login, "kevin")
        stored = s.store.load(emulator.app_id)["session"]
        secrets += [stored["authToken"], stored["jwt"], stored["wsChannel"]["secret"]]
        show(s, user, s.get_logged_in_user(), s.get_user("kevin"))
        attempt(s.update_current_user_details, {"name": "Kevin K"})
        attempt(s.logout)
        token = s.admin.create_auth_token("kevin")
        secrets.append(token.auth_token.reveal())
        show(token, token.auth_token, s.admin.list_auth_tokens("kevin"))
        attempt(s.login, auth_token=token)
        attempt(s.logout)
        attempt(s.login, auth_token=token)  # revoked by the logout: the message echoes it
        attempt(s.admin.delete_auth_token, "kevin", token)
        attempt(s.login, "kevin", "wrong-auth-key-1234567890")
        attempt(s.login, "nobody")
        attempt(s.login, "bad uid")
        attempt(s.logout)
        attempt(s.create_user, {"uid": "x"}, auth_key="")
        with Session(emulator=emulator, rest_api_key=emulator.auth_key) as narrow:
            attempt(narrow.admin.get_user, "kevin")
        show(s, Secret(secrets[0]), *events, *caught)
    shown += [record.getMessage() for record in caplog.records]
    shown += [str(w.message) for w in caught]

    assert len(events) >= 8 and any("AUTH_ERR_APIKEY_NOT_FOUND" in text for text in shown)
    everything = "\n".join(shown)
    for secret in secrets:
        assert secret not in everything, f"a secret ending {secret[-4:]} was shown"


async def test_no_secret_in_async_errors(emulator: Emulator) -> None:
    async with AsyncSession(emulator=emulator) as s:
        token = await s.admin.create_auth_token("cometchat-uid-1")
        await s.admin.flush_auth_tokens("cometchat-uid-1")
        with pytest.raises(CometChatException) as raised:
            await s.login(auth_token=token)
    value = token.auth_token.reveal()
    assert raised.value.code == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
    assert all(value not in text for text in texts_of(raised.value))
    assert token.auth_token.masked in raised.value.message
