"""suggestion box and uploaded files

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ONE_THREAD = "(named_id IS NULL) <> (anonymous_id IS NULL)"


def thread_columns():
    return [
        sa.Column("named_id", sa.String(16), sa.ForeignKey("suggestion.id", name="fk_{t}_named_id_suggestion", ondelete="CASCADE"), nullable=True),
        sa.Column("anonymous_id", sa.String(16), sa.ForeignKey("anonymous_suggestion.id", name="fk_{t}_anonymous_id_anonymous_suggestion", ondelete="CASCADE"), nullable=True),
    ]


def named_thread_columns(table):
    columns = thread_columns()
    for column in columns:
        for fk in column.foreign_keys:
            fk.name = fk.name.format(t=table)
    return columns


def upgrade():
    op.create_table(
        "attachment",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(120), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "suggestion",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("duplicate_of", sa.String(24), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("attachment_id", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["staff.id"], name=op.f("fk_suggestion_author_id_staff")),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachment.id"], name=op.f("fk_suggestion_attachment_id_attachment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion")),
    )
    op.create_index(op.f("ix_suggestion_author_id"), "suggestion", ["author_id"])
    op.create_table(
        "anonymous_suggestion",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("receipt_hash", sa.String(200), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("duplicate_of", sa.String(24), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("attachment_id", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachment.id"], name=op.f("fk_anonymous_suggestion_attachment_id_attachment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_suggestion")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "suggestion_reply",
        sa.Column("id", sa.String(16), nullable=False),
        *named_thread_columns("suggestion_reply"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("is_follow_up", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["staff.id"], name=op.f("fk_suggestion_reply_author_id_staff")),
        sa.CheckConstraint(ONE_THREAD, name=op.f("ck_suggestion_reply_one_thread")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_reply")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "suggestion_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        *named_thread_columns("suggestion_status_change"),
        sa.Column("old_status", sa.String(16), nullable=False),
        sa.Column("new_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["changed_by_id"], ["staff.id"], name=op.f("fk_suggestion_status_change_changed_by_id_staff")),
        sa.CheckConstraint(ONE_THREAD, name=op.f("ck_suggestion_status_change_one_thread")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_status_change")),
    )
    op.create_table(
        "suggestion_note",
        sa.Column("id", sa.Integer(), nullable=False),
        *named_thread_columns("suggestion_note"),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["staff.id"], name=op.f("fk_suggestion_note_author_id_staff")),
        sa.CheckConstraint(ONE_THREAD, name=op.f("ck_suggestion_note_one_thread")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_note")),
    )
    for table in ("suggestion_reply", "suggestion_status_change", "suggestion_note"):
        op.create_index(op.f(f"ix_{table}_named_id"), table, ["named_id"])
        op.create_index(op.f(f"ix_{table}_anonymous_id"), table, ["anonymous_id"])
    op.create_table(
        "suggestion_support",
        sa.Column("thread", sa.String(24), nullable=False),
        sa.Column("supporter", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("thread", "supporter", name=op.f("pk_suggestion_support")),
        sqlite_with_rowid=False,
    )


def downgrade():
    for table in ("suggestion_reply", "suggestion_status_change", "suggestion_note"):
        op.drop_index(op.f(f"ix_{table}_anonymous_id"), table_name=table)
        op.drop_index(op.f(f"ix_{table}_named_id"), table_name=table)
    op.drop_table("suggestion_support")
    op.drop_table("suggestion_note")
    op.drop_table("suggestion_status_change")
    op.drop_table("suggestion_reply")
    op.drop_table("anonymous_suggestion")
    op.drop_index(op.f("ix_suggestion_author_id"), table_name="suggestion")
    op.drop_table("suggestion")
    op.drop_table("attachment")
