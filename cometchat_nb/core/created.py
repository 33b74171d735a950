"""The users a session created: the latest of them, within a bound, counting every one.

A million-row import creates a million users; a session keeps the last `keep_created`
(10,000 by default) for `created_users` and its views, and says how many older ones it
let go, so that memory stays flat however many it creates.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from ..models import User
from ..validation import check_bound

#: How many created users a session keeps by default.
KEEP_CREATED = 10_000


class Created:
    """The latest `keep` users created, oldest first, by uid; `total` counts every
    creation (a uid deleted and created again counts twice), `dropped` the users let go to
    stay within `keep`."""

    def __init__(self, keep: int = KEEP_CREATED) -> None:
        self.keep = check_bound("keep_created", keep)
        self._users: OrderedDict[str, User] = OrderedDict()
        self.total = 0
        self.dropped = 0

    def add(self, user: User) -> None:
        """Keep `user` as the latest (a uid created again moves to the end)."""
        self.total += 1
        self._users.pop(user.uid, None)
        self._users[user.uid] = user
        while len(self._users) > self.keep:
            self._users.popitem(last=False)
            self.dropped += 1

    def __iter__(self) -> Iterator[User]:
        return iter(list(self._users.values()))

    def __len__(self) -> int:
        return len(self._users)
