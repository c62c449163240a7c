"""Initial schema: users, sessions, login attempts, audit log, the call/finding/turn index with
full-text search, reviews.

Revision ID: 0001
Revises:
"""

from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("agent", sa.Text, nullable=True),
        sa.Column("language", sa.String(8), nullable=False, server_default="de"),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("last_login_at", sa.String(32), nullable=True),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("last_seen_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    for c in ("username", "ip", "at"):
        op.create_index(f"ix_login_attempts_{c}", "login_attempts", [c])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("username", sa.String(100), nullable=True),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("call_id", sa.Text, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_index("ix_audit_call_id", "audit", ["call_id"])
    op.create_table(
        "calls",
        sa.Column("call_id", sa.Text, primary_key=True),
        sa.Column("agent", sa.Text, nullable=True),
        sa.Column("date", sa.String(10), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("layout", sa.String(16), nullable=True),
        sa.Column("duration_s", sa.Float, nullable=True),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("record_path", sa.Text, nullable=False),
        sa.Column("source_key", sa.Text, nullable=False),
        sa.Column("n_findings", sa.Integer, nullable=False),
        sa.Column("mistakes", sa.Text, nullable=False),
        sa.Column("summary_json", sa.Text, nullable=False),
        sa.Column("indexed_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_calls_agent", "calls", ["agent"])
    op.create_index("ix_calls_date", "calls", ["date"])
    op.create_table(
        "findings",
        sa.Column("finding_id", sa.Text, primary_key=True),
        sa.Column("call_id", sa.Text, sa.ForeignKey("calls.call_id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("mistake", sa.Integer, nullable=True),
        sa.Column("rule_id", sa.String(40), nullable=True),
        sa.Column("severity", sa.String(16), nullable=True),
        sa.Column("start_s", sa.Float, nullable=True),
        sa.Column("end_s", sa.Float, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("quote", sa.Text, nullable=True),
        sa.Column("baseline", sa.String(16), nullable=True),
        sa.Column("fingerprint", sa.String(16), nullable=False),
    )
    for c in ("call_id", "mistake", "rule_id"):
        op.create_index(f"ix_findings_{c}", "findings", [c])
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.Text, sa.ForeignKey("calls.call_id", ondelete="CASCADE"), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("word_starts", sa.Text, nullable=False),
    )
    op.create_index("ix_turns_call_id", "turns", ["call_id"])
    if op.get_bind().dialect.name == "sqlite":
        # FTS5 over turns.text (external content: the text is stored once, in turns), kept in step
        # by triggers. unicode61 with remove_diacritics 2: "Muller" finds "Müller", case-insensitive.
        op.execute("CREATE VIRTUAL TABLE turns_fts USING fts5(text, content='turns', content_rowid='id', "
                   "tokenize=\"unicode61 remove_diacritics 2\")")
        op.execute("CREATE TRIGGER turns_ai AFTER INSERT ON turns BEGIN "
                   "INSERT INTO turns_fts(rowid, text) VALUES (new.id, new.text); END")
        op.execute("CREATE TRIGGER turns_ad AFTER DELETE ON turns BEGIN "
                   "INSERT INTO turns_fts(turns_fts, rowid, text) VALUES ('delete', old.id, old.text); END")
        op.execute("CREATE TRIGGER turns_au AFTER UPDATE ON turns BEGIN "
                   "INSERT INTO turns_fts(turns_fts, rowid, text) VALUES ('delete', old.id, old.text); "
                   "INSERT INTO turns_fts(rowid, text) VALUES (new.id, new.text); END")
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("finding_id", sa.Text, nullable=False),
        sa.Column("call_id", sa.Text, nullable=False),
        sa.Column("rule_id", sa.String(40), nullable=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("fingerprint", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    for c in ("finding_id", "call_id", "rule_id"):
        op.create_index(f"ix_reviews_{c}", "reviews", [c])


def downgrade() -> None:
    for t in ("reviews",):
        op.drop_table(t)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS turns_fts")
    for t in ("turns", "findings", "calls", "audit", "login_attempts", "sessions", "users"):
        op.drop_table(t)
