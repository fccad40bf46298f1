"""the default lesson-observation rubric, so the first observation form has items to score

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RUBRIC = [
    ("教学目标", "目标明确具体，符合课标和学情，重难点把握准确", 20),
    ("教学过程", "环节清晰、层次分明，方法得当，时间分配合理", 25),
    ("学生参与", "学生主动思考、积极表达，合作探究充分，面向全体", 20),
    ("教学效果", "目标达成度高，学生有收获，当堂反馈及时", 20),
    ("教师素养", "语言规范，板书工整，应变能力强，信息技术运用得当", 15),
]


def upgrade():
    rubric = sa.table(
        "rubric_item",
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("max_score", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    existing = op.get_bind().execute(sa.text("SELECT count(*) FROM rubric_item")).scalar()
    if not existing:  # a school that already set its own rubric keeps it
        op.bulk_insert(
            rubric,
            [
                {"name": name, "description": text, "max_score": score, "position": n,
                 "active": True}
                for n, (name, text, score) in enumerate(RUBRIC)
            ],  # fmt: skip
        )


def downgrade():
    names = [name for name, _, _ in RUBRIC]
    op.get_bind().execute(
        sa.text(
            "DELETE FROM rubric_item WHERE name IN :names AND id NOT IN "
            "(SELECT rubric_item_id FROM observation_score)"
        ).bindparams(sa.bindparam("names", expanding=True)),
        {"names": names},
    )
