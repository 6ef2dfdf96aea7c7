"""Local accounts: users with roles, Argon2id password hashes, server-side sessions, and a
sign-in rate limit. Everything is in the ``web_*`` tables; the session cookie holds a random
token whose SHA-256 is the only thing stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from voicecoach.web.library import N_, UsageError
from voicecoach.web import tables as T

_HASHER = PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile
_DUMMY_HASH = _HASHER.hash("not a password")  # verified against when the user does not exist: same time either way
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 8


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    team: str | None
    display_name: str | None

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def can(self, *roles: str) -> bool:
        return self.role in roles or self.role == "admin"


def _user(row) -> User:
    return User(row.id, row.username, row.role, row.team, row.display_name)


def create_user(engine, username: str, password: str | None, role: str, *, team: str | None = None, display_name: str | None = None) -> User:
    """Add an account; raises UsageError with one sentence when a field is not acceptable."""
    if not USERNAME.match(username or ""):
        raise UsageError.of(N_("the user name must be 1-64 letters, digits or . _ @ -; choose another"))
    if role not in T.ROLES:
        raise UsageError.of(N_("the role must be one of {roles}; got '{role}'"), roles=", ".join(T.ROLES), role=role)
    if password is not None and len(password) < MIN_PASSWORD:
        raise UsageError.of(N_("the password must have at least {n} characters; choose a longer one"), n=MIN_PASSWORD)
    with engine.begin() as conn:
        if conn.execute(sa.select(T.users.c.id).where(T.users.c.username == username)).first():
            raise UsageError.of(N_("the user {username} exists already; choose another name"), username=username)
        uid = conn.execute(T.users.insert().values(
            username=username, password_hash=_HASHER.hash(password) if password else None, role=role,
            team=(team or None), display_name=(display_name or None), active=True, created_at=now())).inserted_primary_key[0]
    return User(int(uid), username, role, team or None, display_name or None)


def set_password(engine, user_id: int, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError.of(N_("the password must have at least {n} characters; choose a longer one"), n=MIN_PASSWORD)
    with engine.begin() as conn:
        conn.execute(T.users.update().where(T.users.c.id == user_id).values(password_hash=_HASHER.hash(password)))
        conn.execute(T.sessions.delete().where(T.sessions.c.user_id == user_id))  # a new password signs out everywhere


def get_user(engine, *, user_id: int | None = None, username: str | None = None) -> User | None:
    c = T.users.c
    q = sa.select(T.users).where(c.active.is_(True))
    q = q.where(c.id == user_id) if user_id is not None else q.where(c.username == username)
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return _user(row) if row else None


def list_users(engine, *, team: str | None = None) -> list[User]:
    q = sa.select(T.users).order_by(T.users.c.username)
    if team is not None:
        q = q.where(T.users.c.team == team)
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(q)]


def any_admin(engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(T.users.c.id).where(T.users.c.role == "admin")).first() is not None


# ----------------------------------------------------------------------------- signing in


def too_many_failures(engine, username: str, client: str, *, limit: int, window_s: float) -> bool:
    """True when this user name, or this client, has failed ``limit`` times within the window."""
    since = now() - timedelta(seconds=window_s)
    c = T.login_failures.c
    with engine.connect() as conn:
        by_name = conn.execute(sa.select(sa.func.count()).where((c.username == username) & (c.at >= since))).scalar()
        by_client = conn.execute(sa.select(sa.func.count()).where((c.client == client) & (c.at >= since))).scalar()
    return by_name >= limit or by_client >= 4 * limit  # one client may try a few names (a shared office address)


def check_password(engine, username: str, password: str, client: str) -> User | None:
    """The user when the password is right; a failure is recorded for the rate limit."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(T.users).where((T.users.c.username == username) & T.users.c.active.is_(True))).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        ok = _HASHER.verify(stored, password) and row is not None and bool(row.password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    with engine.begin() as conn:
        if not ok:
            conn.execute(T.login_failures.insert().values(username=username[:64], client=client[:64], at=now()))
            return None
        conn.execute(T.login_failures.delete().where(T.login_failures.c.username == username))
        if _HASHER.check_needs_rehash(row.password_hash):
            conn.execute(T.users.update().where(T.users.c.id == row.id).values(password_hash=_HASHER.hash(password)))
    return _user(row)


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine, user: User, *, hours: float) -> tuple[str, Session]:
    """A new session; returns the cookie token (kept only by the browser) and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    t = now()
    with engine.begin() as conn:
        conn.execute(T.sessions.delete().where(T.sessions.c.expires_at < t))
        conn.execute(T.sessions.insert().values(token_sha256=_digest(token), user_id=user.id, csrf=csrf, created_at=t, expires_at=t + timedelta(hours=hours)))
    return token, Session(user, csrf)


def find_session(engine, token: str | None) -> Session | None:
    if not token or len(token) > 100:
        return None
    s, u = T.sessions.c, T.users.c
    with engine.connect() as conn:
        row = conn.execute(sa.select(T.sessions.c.csrf, T.users).join(T.users, u.id == s.user_id)
                           .where((s.token_sha256 == _digest(token)) & (s.expires_at > now()) & u.active.is_(True))).first()
    return Session(_user(row), row.csrf) if row else None


def end_session(engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(T.sessions.delete().where(T.sessions.c.token_sha256 == _digest(token)))
