"""A tiny app to test: sign a user up server-side and mint the token their client logs in with."""

from __future__ import annotations

from cometchat_nb import AuthToken, Session, UnavailableError, User


def sign_up(uid: str, name: str, session: Session | None = None, attempts: int = 2) -> AuthToken:
    """Create the user (an existing one is fine) and return an auth token for their client.

    The create is tried `attempts` times while the service is unavailable (safe:
    `exist_ok=True`). Without a session, a plain `Session()` reads `COMETCHAT_*`.
    """
    own = session is None
    session = Session() if session is None else session
    try:
        for attempt in range(1, attempts + 1):
            try:
                session.admin.create_user(User(uid, name=name), exist_ok=True)
                break
            except UnavailableError:
                if attempt == attempts:
                    raise
        return session.admin.create_auth_token(uid)
    finally:
        if own:
            session.close()
