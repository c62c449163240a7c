"""Coaching sessions (ordered findings and moments with notes) and coaching records
("agent X coached on mistake N on date D").

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coaching_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("agent", sa.Text, nullable=True),
        sa.Column("date", sa.String(10), nullable=True),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("language", sa.String(8), nullable=False, server_default="de"),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "coaching_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("coaching_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("finding_id", sa.Text, nullable=True),
        sa.Column("call_id", sa.Text, nullable=False),
        sa.Column("start_s", sa.Float, nullable=True),
        sa.Column("end_s", sa.Float, nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_coaching_items_session_id", "coaching_items", ["session_id"])
    op.create_table(
        "coachings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("mistake", sa.Integer, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("coaching_sessions.id", ondelete="SET NULL"), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_coachings_agent", "coachings", ["agent"])


def downgrade() -> None:
    op.drop_table("coachings")
    op.drop_table("coaching_items")
    op.drop_table("coaching_sessions")
