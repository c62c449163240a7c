"""``callcheck serve``: one results folder served to a team — per-call review pages with streamed
audio, roles and access control, the review loop with per-rule agreement, search, coaching
sessions and BI exports. State lives in a database (SQLite in ``DIR/serve/`` by default) rebuilt
and updated from the canonical per-call records; ``callcheck analyze``/``report`` never need it.

Web dependencies are the ``serve`` extra (``pip install 'callcheck[serve]'``); importing this
package does not import them (the CLI imports :mod:`callcheck.serve.app` only to serve).
"""

from __future__ import annotations

__all__ = ["create_app", "open_engine", "sync"]


def create_app(*args, **kwargs):
    """See :func:`callcheck.serve.app.create_app`."""
    from callcheck.serve.app import create_app as _create

    return _create(*args, **kwargs)


def open_engine(*args, **kwargs):
    """See :func:`callcheck.serve.db.open_engine`."""
    from callcheck.serve.db import open_engine as _open

    return _open(*args, **kwargs)


def sync(engine, out_dir):
    """See :func:`callcheck.serve.index.sync`."""
    from callcheck.serve.index import sync as _sync

    return _sync(engine, out_dir)
