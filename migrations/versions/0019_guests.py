"""外校来宾: guests who check in to a 片区 or 全区 activity without an account, kept with the
activity (intranet/schedule/models.py, Guest). A new table: nothing to fill from existing rows.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "guest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("school", sa.String(40), nullable=False),
        sa.Column("partner_school_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(20), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_guest_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_school_id"],
            ["partner_school.id"],
            name=op.f("fk_guest_partner_school_id_partner_school"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest")),
        sa.UniqueConstraint("activity_id", "name", "school", name=op.f("uq_guest_activity_id")),
    )


def downgrade():
    op.drop_table("guest")
