"""The server's database tests and search again on PostgreSQL (a real server, tests/pgserver.py):
every test of tests/test_serve_db.py runs here with ``CALLCHECK_DB_URL`` pointing at a fresh
database, plus the PostgreSQL-only parts (URL handling, the tsvector search with diacritics, a
password never echoed). Skipped, with the reason, where PostgreSQL cannot be started."""

from __future__ import annotations

import pytest

from callcheck.serve import db
from callcheck.serve.search import mark_snippet, parse_query, pg_tsquery

from test_serve_db import *  # noqa: F401,F403 - the same tests (and their fixtures), on PostgreSQL
import test_serve_db as _sqlite_tests


@pytest.fixture(autouse=True)
def pg_database(pg, monkeypatch):
    url = pg.new_database()
    monkeypatch.setenv(db.DB_URL_ENV, url)
    return url


def test_the_sqlite_tests_run_here_too():
    names = [n for n in dir(_sqlite_tests) if n.startswith("test_")]
    assert len(names) >= 10 and all(n in globals() for n in names)


def test_postgres_urls_use_pg8000_and_the_schema_has_the_search_column(pg_database, tmp_path):
    assert db.database_url(None, "postgresql://u@h/d") == "postgresql+pg8000://u@h/d"
    assert db.database_url(None, "postgres://u@h/d") == "postgresql+pg8000://u@h/d"
    assert db.database_url(None, "postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    eng = db.open_engine(tmp_path)
    assert eng.dialect.name == "postgresql" and db.current_revision(eng) == db.head_revision()
    from sqlalchemy import inspect

    assert "tsv" in {c["name"] for c in inspect(eng).get_columns("turns")}
    assert not (tmp_path / "serve" / "callcheck.db").exists()  # nothing in the results folder


def test_a_wrong_password_or_host_is_one_line_without_the_password(pg):
    with pytest.raises(db.DatabaseError) as e:
        db.open_engine(url=f"postgresql://callcheck:s3cret@127.0.0.1:{pg.port}/no_such_db")
    assert "s3cret" not in str(e.value) and "cannot connect" in str(e.value) and "\n" not in str(e.value)


def test_tsquery_and_snippet_follow_the_fts5_forms():
    q = parse_query('Müller "guten tag" hilf*')
    assert pg_tsquery(q) == "('muller') & ('guten' <-> 'tag') & ('hilf':*)"
    assert pg_tsquery(parse_query("a'); DROP TABLE users; --")) == "('a') & ('drop') & ('table') & ('users')"
    snip = mark_snippet(q, "Herr Müller, guten Tag, wie kann ich helfen? Ich hilfe gern")
    assert "\x02Müller\x03," in snip and "\x02hilfe\x03" in snip and "\x02guten\x03" in snip
