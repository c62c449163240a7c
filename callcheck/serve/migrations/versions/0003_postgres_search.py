"""Full-text search on PostgreSQL: a generated ``tsvector`` column on ``turns`` with a GIN index
(SQLite keeps its FTS5 table from 0001; nothing changes there).

The text is folded before it is indexed — lower case, diacritics removed with the ``unaccent``
extension where the database has it (PostgreSQL's contrib; a trusted extension, so a database
owner may create it), else lower case only — with the ``simple`` configuration (no stemming), as
FTS5's ``unicode61 remove_diacritics 2`` tokenizer: "muller" finds "Müller".

Revision ID: 0003
Revises: 0002
"""

from alembic import op
from sqlalchemy import text

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    unaccent = True
    try:
        with bind.begin_nested():
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
            bind.execute(text("SELECT unaccent('ü')"))
    except Exception:  # not installed, or not allowed: fold case only
        unaccent = False
    body = "lower(public.unaccent('public.unaccent'::regdictionary, $1))" if unaccent else "lower($1)"
    bind.execute(text(f"CREATE OR REPLACE FUNCTION callcheck_fold(text) RETURNS text LANGUAGE sql IMMUTABLE "
                      f"PARALLEL SAFE STRICT AS $$ SELECT {body} $$"))
    bind.execute(text("ALTER TABLE turns ADD COLUMN tsv tsvector "
                      "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, callcheck_fold(text))) STORED"))
    bind.execute(text("CREATE INDEX ix_turns_tsv ON turns USING GIN (tsv)"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.execute(text("DROP INDEX IF EXISTS ix_turns_tsv"))
    bind.execute(text("ALTER TABLE turns DROP COLUMN IF EXISTS tsv"))
    bind.execute(text("DROP FUNCTION IF EXISTS callcheck_fold(text)"))
