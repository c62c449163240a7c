"""Users, passwords, sessions, CSRF tokens and login rate limiting.

- Passwords: Argon2id via ``argon2-cffi`` (the maintained binding of the reference implementation;
  RFC 9106 parameters of its ``PasswordHasher`` defaults), rehashed on login when parameters change.
- Sessions: a random 256-bit token in an ``HttpOnly; SameSite=Lax`` cookie (``Secure`` over HTTPS);
  only its SHA-256 is stored, so a copy of the database opens no session. A visitor gets an
  anonymous session (for the login form's CSRF token) and a **new** token at login: a token planted
  before login (session fixation) is worthless afterwards. Idle timeout and absolute lifetime.
- CSRF: one random token per session; every state-changing request must send it (header
  ``X-CSRF-Token`` or form field ``csrf_token``), compared in constant time.
- Rate limiting: failed logins per user name and per client address within a window (stored in
  the database, so it holds across restarts and workers).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from callcheck.errors import CallcheckError
from callcheck.serve import db

__all__ = ["ROLES", "LANGUAGES", "User", "UserError", "add_user", "list_users", "remove_user", "reset_password",
           "set_language", "authenticate", "new_session", "get_session", "drop_session", "rate_limited",
           "record_attempt", "check_csrf", "SESSION_IDLE_S", "SESSION_MAX_S"]

ROLES = ("supervisor", "agent", "trainer")
LANGUAGES = ("de", "en")
MIN_PASSWORD_CHARS = 10
SESSION_IDLE_S = 8 * 3600        # a session unused this long ends
SESSION_MAX_S = 24 * 3600        # and every session ends after this long
ANON_SESSION_S = 3600            # pre-login sessions (they only carry the login form's CSRF token)
LOGIN_WINDOW_S = 15 * 60
LOGIN_MAX_FAILS_USER = 5         # failed logins per user name per window
LOGIN_MAX_FAILS_IP = 20          # failed logins per client address per window


class UserError(CallcheckError):
    """A user cannot be added, changed or removed as asked."""


@dataclass(frozen=True)
class User:
    """A logged-in (or listed) user. ``agent`` is the agent name an ``agent`` user may see."""

    id: int
    username: str
    role: str
    agent: str | None
    language: str
    created_at: str = ""
    last_login_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"username": self.username, "role": self.role, "agent": self.agent, "language": self.language}


@dataclass(frozen=True)
class Session:
    token_hash: str
    user: User | None
    csrf_token: str


def _hasher():
    """Argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4).

    ``CALLCHECK_TEST_FAST_HASH=1`` (set by the test suite only) uses t=1, m=8 MiB, p=1 so that the
    tests' many logins stay fast; hashes made so are rehashed with the defaults at the next login
    without it (``check_needs_rehash``).
    """
    import os

    from argon2 import PasswordHasher

    if os.environ.get("CALLCHECK_TEST_FAST_HASH") == "1":
        return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    return PasswordHasher()


def _iso(t: _dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row) -> User:
    return User(row.id, row.username, row.role, row.agent, row.language, row.created_at, row.last_login_at)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100 or any(ord(ch) < 32 for ch in name):
        raise UserError(f"user name {name!r} is not valid; use 1-100 printable characters")
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password has {len(password)} characters; use at least {MIN_PASSWORD_CHARS}")


def add_user(engine: Engine, username: str, *, role: str, password: str, agent: str | None = None,
             language: str = "de") -> User:
    """Add a user. Agents need ``agent`` (the agent name in the calls they may see)."""
    username = _check_name(username)
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "agent" and not agent:
        raise UserError(f"user {username!r} has role agent but no --agent NAME (the agent name of their calls)")
    if role != "agent" and agent:
        raise UserError(f"--agent is only for role agent, not {role}")
    if language not in LANGUAGES:
        raise UserError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    _check_password(password)
    now = db.now_iso()
    with engine.begin() as conn:
        if conn.execute(select(db.users.c.id).where(db.users.c.username == username)).first():
            raise UserError(f"user {username!r} exists already; use `callcheck users reset` to change the password")
        conn.execute(insert(db.users).values(username=username, password_hash=_hasher().hash(password), role=role,
                                             agent=agent, language=language, created_at=now, updated_at=now))
        row = conn.execute(select(db.users).where(db.users.c.username == username)).one()
    return _user(row)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(db.users).order_by(db.users.c.username))]


def remove_user(engine: Engine, username: str) -> None:
    """Remove a user and end their sessions; their reviews stay (with the reviewer's name)."""
    with engine.begin() as conn:
        row = conn.execute(select(db.users.c.id).where(db.users.c.username == username)).first()
        if row is None:
            raise UserError(f"no user {username!r}; `callcheck users list` shows who exists")
        conn.execute(delete(db.sessions).where(db.sessions.c.user_id == row.id))
        conn.execute(delete(db.users).where(db.users.c.id == row.id))


def reset_password(engine: Engine, username: str, password: str) -> None:
    """Set a new password and end every session of the user."""
    _check_password(password)
    with engine.begin() as conn:
        row = conn.execute(select(db.users.c.id).where(db.users.c.username == username)).first()
        if row is None:
            raise UserError(f"no user {username!r}; `callcheck users list` shows who exists")
        conn.execute(update(db.users).where(db.users.c.id == row.id).values(
            password_hash=_hasher().hash(password), updated_at=db.now_iso()))
        conn.execute(delete(db.sessions).where(db.sessions.c.user_id == row.id))


def set_language(engine: Engine, user_id: int, language: str) -> None:
    if language not in LANGUAGES:
        raise UserError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    with engine.begin() as conn:
        conn.execute(update(db.users).where(db.users.c.id == user_id).values(language=language, updated_at=db.now_iso()))


_DUMMY_HASH: list[str] = []


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The user when the password is right, else None (same work either way)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    ph = _hasher()
    with engine.connect() as conn:
        row = conn.execute(select(db.users).where(db.users.c.username == (username or "").strip())).first()
    if row is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(ph.hash(secrets.token_urlsafe(16)))
        try:
            ph.verify(_DUMMY_HASH[0], password or "x")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass
        return None
    try:
        ph.verify(row.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    values: dict[str, Any] = {"last_login_at": db.now_iso()}
    if ph.check_needs_rehash(row.password_hash):
        values["password_hash"] = ph.hash(password)
    with engine.begin() as conn:
        conn.execute(update(db.users).where(db.users.c.id == row.id).values(**values))
    return _user(row)


def new_session(engine: Engine, user: User | None, *, replace_token: str | None = None) -> tuple[str, str]:
    """A fresh session (token, csrf token); ``replace_token``'s session is deleted (fixation)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    life = SESSION_MAX_S if user is not None else ANON_SESSION_S
    with engine.begin() as conn:
        if replace_token:
            conn.execute(delete(db.sessions).where(db.sessions.c.token_hash == _hash_token(replace_token)))
        conn.execute(delete(db.sessions).where(db.sessions.c.expires_at < _iso(now)))
        conn.execute(insert(db.sessions).values(token_hash=_hash_token(token), user_id=None if user is None else user.id,
                                                csrf_token=csrf, created_at=_iso(now), last_seen_at=_iso(now),
                                                expires_at=_iso(now + _dt.timedelta(seconds=life))))
    return token, csrf


def get_session(engine: Engine, token: str | None) -> Session | None:
    """The live session of ``token`` (None when unknown, expired or idle too long)."""
    if not token or len(token) > 200:
        return None
    h = _hash_token(token)
    now = _now()
    with engine.connect() as conn:
        row = conn.execute(select(db.sessions).where(db.sessions.c.token_hash == h)).first()
        if row is None:
            return None
        idle_limit = _iso(now - _dt.timedelta(seconds=SESSION_IDLE_S if row.user_id is not None else ANON_SESSION_S))
        if row.expires_at < _iso(now) or row.last_seen_at < idle_limit:
            return None
        user = None
        if row.user_id is not None:
            urow = conn.execute(select(db.users).where(db.users.c.id == row.user_id)).first()
            if urow is None:
                return None
            user = _user(urow)
    # touch at most once a minute (cheap writes)
    if row.last_seen_at < _iso(now - _dt.timedelta(seconds=60)):
        with engine.begin() as conn:
            conn.execute(update(db.sessions).where(db.sessions.c.token_hash == h).values(last_seen_at=_iso(now)))
    return Session(h, user, row.csrf_token)


def drop_session(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(delete(db.sessions).where(db.sessions.c.token_hash == _hash_token(token)))


def check_csrf(session: Session | None, sent: str | None) -> bool:
    """True when ``sent`` is the session's CSRF token (constant-time)."""
    if session is None or not sent:
        return False
    return hmac.compare_digest(session.csrf_token.encode("utf-8"), str(sent).encode("utf-8"))


def rate_limited(engine: Engine, username: str, ip: str) -> bool:
    """True when too many logins failed recently for this user name or this client address."""
    since = _iso(_now() - _dt.timedelta(seconds=LOGIN_WINDOW_S))
    a = db.login_attempts
    with engine.connect() as conn:
        by_user = conn.execute(select(func.count()).where(a.c.username == username, a.c.ok.is_(False), a.c.at >= since)).scalar_one()
        by_ip = conn.execute(select(func.count()).where(a.c.ip == ip, a.c.ok.is_(False), a.c.at >= since)).scalar_one()
    return by_user >= LOGIN_MAX_FAILS_USER or by_ip >= LOGIN_MAX_FAILS_IP


def record_attempt(engine: Engine, username: str, ip: str, ok: bool) -> None:
    a = db.login_attempts
    with engine.begin() as conn:
        conn.execute(insert(a).values(username=username[:100], ip=ip[:64], at=db.now_iso(), ok=ok))
        if ok:  # a success clears the user's failures
            conn.execute(delete(a).where(a.c.username == username, a.c.ok.is_(False)))
        conn.execute(delete(a).where(a.c.at < _iso(_now() - _dt.timedelta(days=1))))
