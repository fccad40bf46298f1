"""achievements and their certificates, semester work reports, the evaluation scheme

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('achievement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_achievement_staff_id_staff')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['staff.id'], name=op.f('fk_achievement_verified_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_achievement'))
    )
    with op.batch_alter_table('achievement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_achievement_awarded_on'), ['awarded_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievement_staff_id'), ['staff_id'], unique=False)

    op.create_table('evaluation_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('semester_id', sa.Integer(), nullable=False),
    sa.Column('report_deadline', sa.Date(), nullable=True),
    sa.Column('attendance', sa.Float(), nullable=False),
    sa.Column('lesson_school', sa.Float(), nullable=False),
    sa.Column('lesson_cluster', sa.Float(), nullable=False),
    sa.Column('lesson_district', sa.Float(), nullable=False),
    sa.Column('achievement_national', sa.Float(), nullable=False),
    sa.Column('achievement_provincial', sa.Float(), nullable=False),
    sa.Column('achievement_city', sa.Float(), nullable=False),
    sa.Column('achievement_district', sa.Float(), nullable=False),
    sa.Column('achievement_school', sa.Float(), nullable=False),
    sa.Column('report', sa.Float(), nullable=False),
    sa.Column('observation_weight', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['semester_id'], ['semester.id'], name=op.f('fk_evaluation_scheme_semester_id_semester')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_scheme')),
    sa.UniqueConstraint('semester_id', name=op.f('uq_evaluation_scheme_semester_id'))
    )
    op.create_table('work_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('semester_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['staff.id'], name=op.f('fk_work_report_reviewed_by_id_staff')),
    sa.ForeignKeyConstraint(['semester_id'], ['semester.id'], name=op.f('fk_work_report_semester_id_semester')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_work_report_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_report')),
    sa.UniqueConstraint('staff_id', 'semester_id', name=op.f('uq_work_report_staff_id'))
    )
    with op.batch_alter_table('work_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_report_semester_id'), ['semester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_report_staff_id'), ['staff_id'], unique=False)

    op.create_table('achievement_attachment',
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'], name=op.f('fk_achievement_attachment_achievement_id_achievement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_achievement_attachment_attachment_id_attachment')),
    sa.PrimaryKeyConstraint('achievement_id', 'attachment_id', name=op.f('pk_achievement_attachment'))
    )
    op.create_table('work_report_attachment',
    sa.Column('work_report_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_work_report_attachment_attachment_id_attachment')),
    sa.ForeignKeyConstraint(['work_report_id'], ['work_report.id'], name=op.f('fk_work_report_attachment_work_report_id_work_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('work_report_id', 'attachment_id', name=op.f('pk_work_report_attachment'))
    )


def downgrade():
    op.drop_table('work_report_attachment')
    op.drop_table('achievement_attachment')
    with op.batch_alter_table('work_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_report_staff_id'))
        batch_op.drop_index(batch_op.f('ix_work_report_semester_id'))

    op.drop_table('work_report')
    op.drop_table('evaluation_scheme')
    with op.batch_alter_table('achievement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_achievement_staff_id'))
        batch_op.drop_index(batch_op.f('ix_achievement_awarded_on'))

    op.drop_table('achievement')
