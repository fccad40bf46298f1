"""the dashboard reads each activity's attendance (who was present, who was marked otherwise)
from a covering tally index (activity, status, staff) instead of every attendance row

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_attendance_tally", "attendance", ["activity_id", "status", "staff_id"])


def downgrade():
    op.drop_index("ix_attendance_tally", table_name="attendance")
