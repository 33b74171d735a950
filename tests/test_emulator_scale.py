"""The emulator with many users: bulk loading."""

from __future__ import annotations

import pytest

from cometchat_nb import Emulator, Session, User


def test_add_users_checks_every_user_before_adding_any(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="already exists"):
        emulator.add_users([User("fresh", name="F"), User("Cometchat-UID-1", name="Taken")])
    with pytest.raises(ValueError, match="uid"):
        emulator.add_users([User("no spaces allowed", name="X")])
    assert len(emulator.users) == 5
    emulator.add_users([User("Fresh", name="F", role="default", tags=["a"])])
    with Session(emulator=emulator) as session:
        fresh = session.get_user("fresh")
    assert (fresh.name, fresh.role, fresh.tags, fresh.status) == ("F", "default", ["a"], "offline")
    assert len(emulator.requests) == 1  # adding sent nothing
    with pytest.raises(ValueError, match="role"):
        emulator.add_users([User("guest", name="G", role="nobody")])
    with pytest.raises(ValueError, match="quota"):
        Emulator(user_quota=6).add_users(User(f"q{i}", name="Q") for i in range(2))
