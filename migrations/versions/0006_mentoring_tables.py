"""talent pools, the studio's duties, pairings and agreements, development plans,
lesson observation

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pool_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('pool', sa.String(length=16), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_pool_membership_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_membership'))
    )
    with op.batch_alter_table('pool_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_membership_staff_id'), ['staff_id'], unique=False)
    op.create_table('studio_duty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('duty', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_studio_duty_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studio_duty'))
    )
    with op.batch_alter_table('studio_duty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_studio_duty_staff_id'), ['staff_id'], unique=False)
    op.create_table('rubric_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_item'))
    )
    op.create_table('development_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('end_year', sa.Integer(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_development_plan_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_development_plan'))
    )
    with op.batch_alter_table('development_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_development_plan_staff_id'), ['staff_id'], unique=False)
    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('semester_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['development_plan.id'], name=op.f('fk_plan_item_plan_id_development_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['semester_id'], ['semester.id'], name=op.f('fk_plan_item_semester_id_semester')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item')),
    sa.UniqueConstraint('plan_id', 'semester_id', 'kind', name=op.f('uq_plan_item_plan_id'))
    )
    op.create_table('pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('external_mentor_id', sa.Integer(), nullable=True),
    sa.Column('apprentice_id', sa.Integer(), nullable=False),
    sa.Column('start_semester_id', sa.Integer(), nullable=False),
    sa.Column('end_semester_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(mentor_id IS NULL) <> (external_mentor_id IS NULL)', name=op.f('ck_pairing_one_mentor')),
    sa.ForeignKeyConstraint(['apprentice_id'], ['staff.id'], name=op.f('fk_pairing_apprentice_id_staff')),
    sa.ForeignKeyConstraint(['end_semester_id'], ['semester.id'], name=op.f('fk_pairing_end_semester_id_semester')),
    sa.ForeignKeyConstraint(['external_mentor_id'], ['external_mentor.id'], name=op.f('fk_pairing_external_mentor_id_external_mentor')),
    sa.ForeignKeyConstraint(['mentor_id'], ['staff.id'], name=op.f('fk_pairing_mentor_id_staff')),
    sa.ForeignKeyConstraint(['start_semester_id'], ['semester.id'], name=op.f('fk_pairing_start_semester_id_semester')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing'))
    )
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairing_apprentice_id'), ['apprentice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairing_mentor_id'), ['mentor_id'], unique=False)
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('mentor_duties', sa.Text(), nullable=False),
    sa.Column('apprentice_goals', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mentor_signed_by_id', sa.Integer(), nullable=True),
    sa.Column('mentor_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('apprentice_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['mentor_signed_by_id'], ['staff.id'], name=op.f('fk_agreement_mentor_signed_by_id_staff')),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_agreement_pairing_id_pairing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    sa.UniqueConstraint('pairing_id', 'number', name=op.f('uq_agreement_pairing_id'))
    )
    op.create_table('pairing_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_pairing_task_pairing_id_pairing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing_task'))
    )
    op.create_table('mentoring_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('semester_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_mentoring_feedback_rating_range')),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_mentoring_feedback_pairing_id_pairing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['semester_id'], ['semester.id'], name=op.f('fk_mentoring_feedback_semester_id_semester')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_feedback')),
    sa.UniqueConstraint('pairing_id', 'semester_id', name=op.f('uq_mentoring_feedback_pairing_id'))
    )
    op.create_table('observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('observer_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('strengths', sa.Text(), nullable=False),
    sa.Column('suggestions', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_observation_activity_id_activity')),
    sa.ForeignKeyConstraint(['observer_id'], ['staff.id'], name=op.f('fk_observation_observer_id_staff')),
    sa.ForeignKeyConstraint(['teacher_id'], ['staff.id'], name=op.f('fk_observation_teacher_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation')),
    sa.UniqueConstraint('activity_id', 'observer_id', 'teacher_id', name=op.f('uq_observation_activity_id'))
    )
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observation_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_teacher_id'), ['teacher_id'], unique=False)
    op.create_table('observation_score',
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('rubric_item_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'], name=op.f('fk_observation_score_observation_id_observation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rubric_item_id'], ['rubric_item.id'], name=op.f('fk_observation_score_rubric_item_id_rubric_item')),
    sa.PrimaryKeyConstraint('observation_id', 'rubric_item_id', name=op.f('pk_observation_score'))
    )


def downgrade():
    op.drop_table('observation_score')
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observation_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_observation_activity_id'))
    op.drop_table('observation')
    op.drop_table('mentoring_feedback')
    op.drop_table('pairing_task')
    op.drop_table('agreement')
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairing_mentor_id'))
        batch_op.drop_index(batch_op.f('ix_pairing_apprentice_id'))
    op.drop_table('pairing')
    op.drop_table('plan_item')
    with op.batch_alter_table('development_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_development_plan_staff_id'))
    op.drop_table('development_plan')
    op.drop_table('rubric_item')
    with op.batch_alter_table('studio_duty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_studio_duty_staff_id'))
    op.drop_table('studio_duty')
    with op.batch_alter_table('pool_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pool_membership_staff_id'))
    op.drop_table('pool_membership')
