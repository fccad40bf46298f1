"""plan_record: the member records progress on a target the app cannot count (读书, 其他),
each step with a note or a file as evidence

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plan_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("attachment_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["attachment.id"],
            name=op.f("fk_plan_record_attachment_id_attachment"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_item.id"], name=op.f("fk_plan_record_item_id_plan_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_record")),
    )
    with op.batch_alter_table("plan_record") as batch:
        batch.create_index(batch.f("ix_plan_record_item_id"), ["item_id"], unique=False)


def downgrade():
    with op.batch_alter_table("plan_record") as batch:
        batch.drop_index(batch.f("ix_plan_record_item_id"))
    op.drop_table("plan_record")
