"""外聘导师账号: a member of the 导师团 (external_mentor) may be given an account of their own, a
staff row with the narrow role mentor_guest. A new nullable link: existing mentors keep none,
their agreements stay signed on paper; nothing to fill from existing rows.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("external_mentor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_external_mentor_staff_id"), ["staff_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_external_mentor_staff_id_staff"), "staff", ["staff_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("external_mentor", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_external_mentor_staff_id_staff"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_external_mentor_staff_id"), type_="unique")
        batch_op.drop_column("staff_id")
