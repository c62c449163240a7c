"""Alembic environment of ``callcheck serve``: runs on the connection handed in by
:func:`callcheck.serve.db.migrate` (no alembic.ini, no logging configuration)."""

from alembic import context

from callcheck.serve.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through callcheck.serve.db.migrate
    raise RuntimeError("run migrations through callcheck.serve.db.migrate")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
