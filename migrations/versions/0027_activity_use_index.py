"""An index for the forms' use per semester (schedule/renewal.usage_tally), which the dashboard's
interest alert reads on every view: it covers the statement, so no activity row is read.

Revision ID: 0027
Revises: 0026
"""

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_activity_use",
        "activity",
        ["semester_id", "form", "deleted_at", "status", "date"],
    )


def downgrade():
    op.drop_index("ix_activity_use", table_name="activity")
