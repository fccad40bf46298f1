"""活动形式库: the forms of activity become a table managers keep (activity_form), seeded with
the fixed set the app had until now, under the same keys, so every activity and plan target
keeps its meaning; 展示课 and 汇报课 stay the lessons that are observed and scored.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# key, label, what it is, how it runs, is a lesson
SEED = [
    (
        "demo_lesson",
        "展示课",
        "骨干教师上示范课，展示教学理念和方法，供同伴观摩学习。",
        "主讲教师上课\n听课教师按量表观课、评分\n课后主讲说课，大家交流评议",
        True,
    ),
    (
        "report_lesson",
        "汇报课",
        "青年教师、徒弟向导师和同伴汇报一段时间的成长，接受诊断。",
        "汇报教师上课\n导师和听课教师观课、评分\n课后反思与点评，定下一步改进目标",
        True,
    ),
    (
        "theme_seminar",
        "主题研讨",
        "围绕一个教学问题集体研讨，形成可操作的做法。",
        "提前确定主题、发放材料\n中心发言人引题\n分组讨论、汇报\n形成研讨纪要",
        False,
    ),
    (
        "outreach",
        "送教",
        "到结对学校、薄弱学校上课、讲座，把工作室的经验带出去。",
        "与对方学校商定内容和时间\n上课或讲座\n与对方教师交流研讨",
        False,
    ),
    (
        "lecture",
        "专题讲座",
        "请专家或工作室成员就一个专题作报告。",
        "确定专题和主讲人\n讲座\n互动答疑\n参加者写心得",
        False,
    ),
    (
        "training",
        "培训",
        "面向成员的系统学习：课程标准、信息技术、教科研方法等。",
        "确定培训内容和讲师\n集中学习或实操\n布置并检查作业",
        False,
    ),
    (
        "reading_exchange",
        "读书交流",
        "共读一本教育教学书籍，交流读书心得。",
        "提前确定书目和阅读进度\n分享读书心得\n联系教学实际讨论",
        False,
    ),
    (
        "lesson_preparation",
        "集体备课",
        "同年级、同学科教师共同研究教材，分工备课、共享教案。",
        "主备人说课\n集体讨论修改\n形成共享教案，各自上课后再反思",
        False,
    ),
    ("other", "其他", "不属于以上形式的活动。", "", False),
]


def upgrade():
    table = op.create_table(
        "activity_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(24), nullable=False),
        sa.Column("label", sa.String(20), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("how", sa.Text(), nullable=False),
        sa.Column("is_lesson", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_form")),
        sa.UniqueConstraint("key", name=op.f("uq_activity_form_key")),
        sa.UniqueConstraint("label", name=op.f("uq_activity_form_label")),
    )
    op.bulk_insert(
        table,
        [
            {
                "key": key,
                "label": label,
                "description": description,
                "how": how,
                "is_lesson": lesson,
                "position": n,
                "retired": False,
                "version": 1,
            }
            for n, (key, label, description, how, lesson) in enumerate(SEED, 1)
        ],
    )


def downgrade():
    op.drop_table("activity_form")
