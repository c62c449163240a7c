"""The HTTP tests of tests/test_serve_api.py again, with the server's database in PostgreSQL (a real
server, tests/pgserver.py): ``CALLCHECK_DB_URL`` names a fresh database for the whole module, so
``callcheck users``, the indexer and the ``callcheck serve`` subprocess all use it. Skipped, with the
reason, where PostgreSQL cannot be started."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from callcheck.serve import db

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from test_serve_api import *  # noqa: F401,F403,E402 - the same tests (and the site fixture), on PostgreSQL
from serve_support import REPO, Client, Server, build_results  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def pg_env(pg):
    url = pg.new_database()
    old = os.environ.get(db.DB_URL_ENV)
    os.environ[db.DB_URL_ENV] = url
    yield url
    if old is None:
        os.environ.pop(db.DB_URL_ENV, None)
    else:
        os.environ[db.DB_URL_ENV] = old


@pytest.fixture(autouse=True)
def own_database(request, pg, pg_env, monkeypatch):
    """A test with its own results folder (not the module's site) gets its own database too."""
    if "site" not in request.fixturenames:
        monkeypatch.setenv(db.DB_URL_ENV, pg.new_database())


def test_users_and_serve_take_the_database_url_on_the_command_line(tmp_path, pg, pg_env):
    url = pg.new_database()  # another database than the module's: only --db leads there
    out = tmp_path / "out"
    build_results(out, audio=False)
    env = {k: v for k, v in os.environ.items() if k != db.DB_URL_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "tests")])
    r = subprocess.run([sys.executable, "-m", "callcheck", "users", "add", "chefin", "--role", "supervisor",
                        "--password-stdin", "--dir", str(out), "--db", url], input="chefin-password-1\n", text=True,
                       capture_output=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not (out / "serve" / "callcheck.db").exists()
    eng = db.open_engine(url=url)
    from callcheck.serve.auth import list_users

    assert [u.username for u in list_users(eng)] == ["chefin"]
    srv = Server(out)
    srv.extra_args = ["--db", url]
    saved = os.environ.pop(db.DB_URL_ENV)
    try:
        srv.start()
    finally:
        os.environ[db.DB_URL_ENV] = saved
    try:
        c = Client(srv.url)
        assert c.login("chefin", "chefin-password-1").status_code == 303
        assert c.get("/api/calls").json()["total"] >= 1
        c.close()
    finally:
        srv.stop()
