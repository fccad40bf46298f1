"""Demo feedback: the 收获 answers of the demo school's held activities over its two school
years, so the plan and the dashboard tell a story. Lessons to watch and seminars land well,
long trainings less so, and the current semester slips as attendance does (schedule/demo.py).

Some of the guests (外校来宾) at 片区 and 全区 activities answered too, on the check-in page: their
answers are the guests' pool of those activities (read apart from the school's own).

Only answers: no answered marks, as these belong to no one (a mark is a keyed hash of a
person, and the demo's answers were never given by anyone)."""

import random

from sqlalchemy import func, select

from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback.models import Feedback
from intranet.schedule.models import Activity, Attendance, Guest, Semester

# Weights of 很有收获, 有收获, 一般, 收获不大 by form: what a teacher takes home from each.
WEIGHTS = {
    "demo_lesson": (45, 40, 12, 3),
    "report_lesson": (30, 45, 20, 5),
    "theme_seminar": (35, 45, 15, 5),
    "lecture": (25, 45, 22, 8),
    "outreach": (30, 45, 20, 5),
    "training": (15, 40, 32, 13),
    "reading_exchange": (30, 45, 20, 5),
    "lesson_preparation": (35, 45, 15, 5),
    "other": (20, 45, 25, 10),
}
SLIP = (-12, 0, 8, 4)  # the current semester: fewer 很有收获, more 一般 (interest sags)

USEFUL = {
    "demo_lesson": [
        "导师的课堂提问层层递进，我回去就能用在自己班上",
        "朗读指导的方法很具体，学生一下子读出了感情",
        "板书设计简洁清楚，重点一目了然",
        "看到了怎样在课堂上落实“学为中心”",
    ],
    "report_lesson": [
        "评课时导师指出的问题很中肯，对我改进教学设计帮助很大",
        "看到徒弟一年来的进步，也照见了自己的不足",
        "小组合作的分工安排值得借鉴",
    ],
    "theme_seminar": [
        "大家围绕作业设计各抒己见，收获了不少好点子",
        "“双减”背景下的分层作业案例很实用",
        "同伴交流中找到了解决课堂纪律问题的办法",
        "大单元教学的思路更清楚了",
    ],
    "lecture": [
        "专家把新课标的核心素养讲得很透彻",
        "讲座里的案例贴近我们学校的实际",
        "学到了课题研究选题的方法",
    ],
    "outreach": [
        "和结对学校的老师交流，看到了不一样的课堂",
        "送教的课例让我重新思考了乡村学生的学习起点",
    ],
    "training": [
        "信息技术与课堂融合的工具马上就能用",
        "了解了师德规范中的具体要求",
        "希沃白板的几个功能很实用",
    ],
    "reading_exchange": [
        "《给教师的建议》里的几条做法很受启发",
        "听同事分享读书心得，列了新的书单",
    ],
    "lesson_preparation": [
        "集体备课把教学重难点理得很清楚",
        "同年级老师统一了练习设计，减轻了负担",
    ],
    "other": ["交流氛围很好，收获不少"],
}
IMPROVE = [
    "时间可以再紧凑一些，流程稍长",
    "希望多留一点时间给一线老师提问",
    "能否提前把材料发给大家预习",
    "希望安排在下午第二节课后，不影响上课",
    "讲座部分理论偏多，希望多一些课例",
    "会场音响效果不太好，后排听不清",
    "希望后续有跟进，看看大家用得怎么样",
    "分组讨论的人数太多，发言机会少",
    "希望能有录像，方便课后回看",
]


def seed(rng) -> dict:
    today = school_today()
    current = db.session.scalar(select(Semester.id).where(Semester.is_current))
    present = (
        select(Attendance.activity_id, func.count().label("n"))
        .where(Attendance.status == "present")
        .group_by(Attendance.activity_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Activity.id, Activity.form, Activity.semester_id, present.c.n)
        .join(present, present.c.activity_id == Activity.id)
        .where(Activity.status == "done", Activity.date < today)
        .order_by(Activity.date, Activity.id)
    ).all()
    guests = dict(
        db.session.execute(
            select(Guest.activity_id, func.count()).group_by(Guest.activity_id)
        ).all()
    )
    # how many of the guests answer: a stream of its own
    guest_rng = random.Random(1414)
    answers = 0
    for activity_id, form, semester_id, came in rows:
        weights = WEIGHTS.get(form, WEIGHTS["other"])
        if semester_id == current:
            weights = tuple(max(w + s, 1) for w, s in zip(weights, SLIP, strict=True))
        # about half of those present answer, within the three days 待办 holds the question;
        # a third of the guests or so answer right after checking in
        pools = (
            (False, rng, round(came * rng.uniform(0.35, 0.7))),
            (True, guest_rng, round(guests.get(activity_id, 0) * guest_rng.uniform(0.2, 0.45))),
        )
        for by_guest, chance, many in pools:
            for _ in range(many):
                gain = chance.choices((4, 3, 2, 1), weights=weights)[0]
                useful = (
                    chance.choice(USEFUL.get(form, USEFUL["other"]))
                    if chance.random() < 0.45
                    else ""
                )
                improve = (
                    chance.choice(IMPROVE) if chance.random() < (0.15 if gain >= 3 else 0.6) else ""
                )
                db.session.add(
                    Feedback(
                        activity_id=activity_id,
                        gain=gain,
                        useful=useful,
                        improve=improve,
                        by_guest=by_guest,
                    )
                )
                answers += 1
    return {"feedback": answers}
