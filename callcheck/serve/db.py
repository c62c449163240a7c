"""The server's database: SQLAlchemy Core tables, the engine, and Alembic migrations to head.

Why SQLAlchemy Core + Alembic: the same table definitions and versioned migrations run on SQLite
(the default, one file ``DIR/serve/callcheck.db``) and on PostgreSQL (issue 14: ``--db URL`` when
several machines write); Core keeps the SQL visible (no ORM session state in a web server).
Full-text search is SQLite FTS5 on SQLite and a generated ``tsvector`` column with a GIN index on
PostgreSQL (migration 0003), isolated in :mod:`callcheck.serve.search` and the migrations. The
PostgreSQL driver is pg8000 (pure Python, BSD-3; psycopg is LGPL).

Times stored by the server are ISO-8601 UTC strings with microseconds (``2026-12-01T10:00:00.000000Z``):
fixed width, so they sort and compare as text on every database.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from sqlalchemy import (
    Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text, create_engine, event, inspect,
)
from sqlalchemy.engine import Connection, Engine

from callcheck.errors import CallcheckError

__all__ = ["metadata", "users", "sessions", "login_attempts", "audit", "calls", "findings", "turns", "reviews",
           "coaching_sessions", "coaching_items", "coachings", "open_engine", "migrate", "current_revision",
           "head_revision", "db_path", "now_iso", "DatabaseError", "database_url", "DB_URL_ENV"]


class DatabaseError(CallcheckError):
    """The server database cannot be opened or migrated."""


metadata = MetaData()

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("agent", Text, nullable=True),
    Column("language", String(8), nullable=False, server_default="de"),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("last_login_at", String(32), nullable=True),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False, index=True),
    Column("last_seen_at", String(32), nullable=False),
)

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, index=True),
    Column("ip", String(64), nullable=False, index=True),
    Column("at", String(32), nullable=False, index=True),
    Column("ok", Boolean, nullable=False),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(32), nullable=False, index=True),
    Column("user_id", Integer, nullable=True),
    Column("username", String(100), nullable=True),
    Column("role", String(16), nullable=True),
    Column("action", String(32), nullable=False),
    Column("call_id", Text, nullable=True, index=True),
    Column("detail", Text, nullable=True),
    Column("ip", String(64), nullable=True),
)

calls = Table(
    "calls", metadata,
    Column("call_id", Text, primary_key=True),
    Column("agent", Text, nullable=True, index=True),
    Column("date", String(10), nullable=True, index=True),
    Column("language", String(8), nullable=True),
    Column("layout", String(16), nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("source", Text, nullable=True),
    Column("record_path", Text, nullable=False),
    Column("source_key", Text, nullable=False),
    Column("n_findings", Integer, nullable=False),
    Column("mistakes", Text, nullable=False),
    Column("summary_json", Text, nullable=False),
    Column("indexed_at", String(32), nullable=False),
)

findings = Table(
    "findings", metadata,
    Column("finding_id", Text, primary_key=True),
    Column("call_id", Text, ForeignKey("calls.call_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("mistake", Integer, nullable=True, index=True),
    Column("rule_id", String(40), nullable=True, index=True),
    Column("severity", String(16), nullable=True),
    Column("start_s", Float, nullable=True),
    Column("end_s", Float, nullable=True),
    Column("message", Text, nullable=True),
    Column("quote", Text, nullable=True),
    Column("baseline", String(16), nullable=True),
    Column("fingerprint", String(16), nullable=False),
)

turns = Table(
    "turns", metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Text, ForeignKey("calls.call_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("idx", Integer, nullable=False),
    Column("speaker", String(16), nullable=False),
    Column("start_s", Float, nullable=False),
    Column("end_s", Float, nullable=False),
    Column("text", Text, nullable=False),
    Column("word_starts", Text, nullable=False),
)

reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True),
    Column("finding_id", Text, nullable=False, index=True),
    Column("call_id", Text, nullable=False, index=True),
    Column("rule_id", String(40), nullable=True, index=True),
    Column("user_id", Integer, nullable=True),
    Column("reviewer", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("fingerprint", String(16), nullable=False),
    Column("created_at", String(32), nullable=False),
)

coaching_sessions = Table(
    "coaching_sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("agent", Text, nullable=True),
    Column("date", String(10), nullable=True),
    Column("notes", Text, nullable=False, server_default=""),
    Column("language", String(8), nullable=False, server_default="de"),
    Column("created_by", String(100), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

coaching_items = Table(
    "coaching_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("coaching_sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("finding_id", Text, nullable=True),
    Column("call_id", Text, nullable=False),
    Column("start_s", Float, nullable=True),
    Column("end_s", Float, nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", String(32), nullable=False),
)

coachings = Table(
    "coachings", metadata,
    Column("id", Integer, primary_key=True),
    Column("agent", Text, nullable=False, index=True),
    Column("mistake", Integer, nullable=False),
    Column("date", String(10), nullable=False),
    Column("session_id", Integer, ForeignKey("coaching_sessions.id", ondelete="SET NULL"), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("created_at", String(32), nullable=False),
)


def now_iso() -> str:
    """Now in UTC, fixed-width ISO-8601 with microseconds and ``Z``."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def db_path(out_dir: Path) -> Path:
    """The default SQLite file of a results folder: ``DIR/serve/callcheck.db``."""
    return Path(out_dir) / "serve" / "callcheck.db"


def _create_private(path: Path) -> None:
    """Create the database file (and its folder) with callcheck's file permissions (owner-only by
    default, ``privacy.file_mode``) before SQLite opens it: SQLite gives its -wal and -shm files
    the permissions of the database file."""
    import os

    from callcheck.fsutil import file_mode, make_dirs

    make_dirs(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, file_mode()))
        os.chmod(path, file_mode())


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten (callcheck forget)
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


#: a database URL used when none is given (several servers, one PostgreSQL database)
DB_URL_ENV = "CALLCHECK_DB_URL"


def database_url(out_dir: Path | None = None, url: str | None = None) -> str:
    """The SQLAlchemy URL to open: ``url``, else ``$CALLCHECK_DB_URL``, else SQLite in ``out_dir``.
    ``postgresql://`` (and ``postgres://``) mean the pg8000 driver; a ``postgresql+DRIVER://`` URL
    keeps its driver."""
    import os

    url = url or os.environ.get(DB_URL_ENV) or None
    if url is None:
        if out_dir is None:
            raise DatabaseError("no database: give the results folder or a database URL")
        path = db_path(out_dir)
        _create_private(path)
        return f"sqlite:///{path}"
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+pg8000://" + url[len(plain):]
    return url


def open_engine(out_dir: Path | None = None, *, url: str | None = None, migrate_to_head: bool = True) -> Engine:
    """The engine for ``url`` (default: ``$CALLCHECK_DB_URL``, else SQLite in ``out_dir``), migrated
    to the newest schema.

    Parameters
    ----------
    out_dir : Path or None
        A results folder; the database is ``DIR/serve/callcheck.db`` unless a URL is given.
    url : str or None
        ``sqlite:///FILE`` or ``postgresql://USER:PASSWORD@HOST:PORT/DB`` (pg8000 driver,
        ``pip install 'callcheck[postgres]'``): one PostgreSQL database can serve several servers
        and machines. Full-text search is FTS5 on SQLite and a ``tsvector`` GIN index on PostgreSQL
        (:mod:`callcheck.serve.search`).
    migrate_to_head : bool
        Run the Alembic migrations up to the newest revision (a no-op when already there).
    """
    url = database_url(out_dir, url)
    shown = url.split("@", 1)[-1] if "@" in url else url  # never echo a password
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    elif url.startswith("postgresql"):
        try:
            engine = create_engine(url, pool_pre_ping=True)
            with engine.connect():
                pass
        except ImportError:
            raise DatabaseError("PostgreSQL needs its driver: pip install 'callcheck[postgres]' (pg8000)") from None
        except Exception as exc:
            raise DatabaseError(f"{shown}: cannot connect to the PostgreSQL database "
                                f"({str(exc).splitlines()[0][:160]}); check host, port, user, password and database name") from None
    else:
        raise DatabaseError(f"{url.split(':', 1)[0]}: not a supported database; use sqlite:///FILE or "
                            "postgresql://USER:PASSWORD@HOST/DB (or omit it for DIR/serve/callcheck.db)")
    if migrate_to_head:
        migrate(engine)
    return engine


def _alembic_config(connection: Connection | None = None):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory.from_config(_alembic_config()).get_current_head())


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (Alembic; each step in one transaction)."""
    from alembic import command

    if revision == "head" and current_revision(engine) == head_revision():
        return
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
    except Exception as exc:  # a broken or foreign database file
        raise DatabaseError(f"{engine.url.render_as_string(hide_password=True)}: the database could not be migrated ({str(exc).splitlines()[0][:160]}); "
                            "move the file away to start a fresh one") from exc


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
