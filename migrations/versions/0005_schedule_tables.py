"""the semester schedule: semesters, partner schools, activities, attendance,
the external mentor team who present, and each account's calendar token

Revision ID: 0005
Revises: 0004
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('external_mentor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('organisation', sa.String(length=60), nullable=False),
    sa.Column('speciality', sa.String(length=60), nullable=False),
    sa.Column('contact', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_mentor'))
    )
    op.create_table('partner_school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('cluster', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_school')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_school_name'))
    )
    op.create_table('semester',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_semester')),
    sa.UniqueConstraint('name', name=op.f('uq_semester_name'))
    )
    with op.batch_alter_table('semester', schema=None) as batch_op:
        batch_op.create_index('uq_semester_current', ['is_current'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('semester_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('place', sa.String(length=60), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('form', sa.String(length=24), nullable=False),
    sa.Column('theme', sa.String(length=120), nullable=False),
    sa.Column('procedure', sa.Text(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('partner_school_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('checkin_token', sa.String(length=32), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_school_id'], ['partner_school.id'], name=op.f('fk_activity_partner_school_id_partner_school')),
    sa.ForeignKeyConstraint(['responsible_id'], ['staff.id'], name=op.f('fk_activity_responsible_id_staff')),
    sa.ForeignKeyConstraint(['semester_id'], ['semester.id'], name=op.f('fk_activity_semester_id_semester')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity')),
    sa.UniqueConstraint('checkin_token', name=op.f('uq_activity_checkin_token'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_responsible_id'), ['responsible_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_semester_id'), ['semester_id'], unique=False)
    op.create_table('activity_attachment',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_attachment_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_activity_attachment_attachment_id_attachment')),
    sa.PrimaryKeyConstraint('activity_id', 'attachment_id', name=op.f('pk_activity_attachment'))
    )
    op.create_table('activity_external_presenter',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('external_mentor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_external_presenter_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['external_mentor_id'], ['external_mentor.id'], name=op.f('fk_activity_external_presenter_external_mentor_id_external_mentor')),
    sa.PrimaryKeyConstraint('activity_id', 'external_mentor_id', name=op.f('pk_activity_external_presenter'))
    )
    op.create_table('activity_presenter',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_presenter_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_activity_presenter_staff_id_staff')),
    sa.PrimaryKeyConstraint('activity_id', 'staff_id', name=op.f('pk_activity_presenter'))
    )
    with op.batch_alter_table('activity_presenter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_presenter_staff_id'), ['staff_id'], unique=False)
    op.create_table('plan_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('semester_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('form', sa.String(length=24), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['semester_id'], ['semester.id'], name=op.f('fk_plan_target_semester_id_semester'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_target')),
    sa.UniqueConstraint('semester_id', 'level', 'form', name=op.f('uq_plan_target_semester_id'))
    )
    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_attendance_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marked_by_id'], ['staff.id'], name=op.f('fk_attendance_marked_by_id_staff')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_attendance_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('activity_id', 'staff_id', name=op.f('uq_attendance_activity_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_staff_id'), ['staff_id'], unique=False)
    # Every existing account gets its own calendar token before the column becomes required.
    with op.batch_alter_table("staff") as batch_op:
        batch_op.add_column(sa.Column("ical_token", sa.String(length=64), nullable=True))
    staff = sa.table("staff", sa.column("id", sa.Integer), sa.column("ical_token", sa.String))
    connection = op.get_bind()
    for (staff_id,) in connection.execute(sa.select(staff.c.id)).all():
        connection.execute(
            staff.update().where(staff.c.id == staff_id).values(ical_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("staff") as batch_op:
        batch_op.alter_column("ical_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_staff_ical_token"), ["ical_token"])


def downgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_ical_token'), type_='unique')
        batch_op.drop_column('ical_token')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_staff_id'))
    op.drop_table('attendance')
    op.drop_table('plan_target')
    with op.batch_alter_table('activity_presenter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_presenter_staff_id'))
    op.drop_table('activity_presenter')
    op.drop_table('activity_external_presenter')
    op.drop_table('activity_attachment')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_semester_id'))
        batch_op.drop_index(batch_op.f('ix_activity_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_activity_date'))
    op.drop_table('activity')
    with op.batch_alter_table('semester', schema=None) as batch_op:
        batch_op.drop_index('uq_semester_current', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
    op.drop_table('semester')
    op.drop_table('partner_school')
    op.drop_table('external_mentor')
