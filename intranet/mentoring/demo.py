"""Demo mentoring: the organisation table, both pools (one teacher who grew from the reserve
pool into the mentor pool), signed pairings with tasks, a draft waiting for signatures, plans
and observations of the lessons already held."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from intranet.clock import school_today
from intranet.extensions import db
from intranet.mentoring.forms import APPRENTICE_GOALS, MENTOR_DUTIES
from intranet.mentoring.models import (
    Agreement,
    DevelopmentPlan,
    MentoringFeedback,
    Observation,
    ObservationScore,
    Pairing,
    PairingTask,
    PlanItem,
    RubricItem,
)
from intranet.people.models import ExternalMentor, PoolMembership, Staff, StudioDuty
from intranet.schedule.models import LESSON_FORMS, Activity, Semester

DUTIES = [
    ("shuji", "工作室领衔人，全面负责工作室的规划与考核"),
    ("xiaozhang", "统筹协调，保障工作室经费与时间"),
    ("guanli", "活动策划与组织，学期活动方案的制订与落实"),
    ("guanli2", "师徒结对管理，成员发展规划的检查与评估"),
    ("admin", "信息化支持，活动资料的收集与归档"),
]
STRENGTHS = [
    "目标明确，环节紧凑",
    "学生参与度高，课堂气氛活跃",
    "板书清晰，重点突出",
    "提问有层次，能启发学生思考",
    "评价语言丰富，关注每一位学生",
]
SUGGESTIONS = [
    "小组合作的时间可以再充分一些",
    "练习设计可以更有梯度",
    "结尾总结略显仓促",
    "对学困生的关注还可以加强",
    "多媒体使用要适度",
]


def seed(rng) -> dict:
    staff = {s.username: s for s in db.session.scalars(select(Staff).order_by(Staff.id))}
    semesters = db.session.scalars(select(Semester).order_by(Semester.start)).all()
    current = semesters[-1]
    db.session.add_all(
        StudioDuty(staff=staff[username], duty=duty, position=n)
        for n, (username, duty) in enumerate(DUTIES)
    )
    people = list(staff.values())
    mentors = [s for s in people if s.is_party_member and s.title in ("正高级教师", "高级教师")]
    mentors = [staff["guanli"], staff["guanli2"], *[m for m in mentors if m.role == "teacher"][:6]]
    reserve = [s for s in people if s.title in ("二级教师", "一级教师") and s.role == "teacher"]
    reserve = [staff["t001"], *[r for r in reserve if r.username != "t001"][:9]]
    start = semesters[0].start
    grown = reserve.pop()  # grew from the reserve pool into the mentor pool last year
    db.session.add_all(
        [
            PoolMembership(
                staff=grown,
                pool="reserve",
                since=start,
                until=semesters[1].start,
                note="青年骨干，区优质课二等奖",
            ),
            PoolMembership(
                staff=grown,
                pool="mentor",
                since=semesters[1].start,
                note="连续两学期汇报课优秀，区级骨干教师",
            ),
            *(
                PoolMembership(
                    staff=m, pool="mentor", since=start, note="区级以上学科带头人或骨干教师"
                )
                for m in mentors
            ),
            *(
                PoolMembership(staff=r, pool="reserve", since=start, note="入职五年内的青年教师")
                for r in reserve
            ),
        ]
    )

    experts = db.session.scalars(select(ExternalMentor).order_by(ExternalMentor.id)).all()
    pairings = []
    for n, apprentice in enumerate(reserve[:6]):
        mentor = mentors[n % len(mentors)]
        pairing = Pairing(
            mentor=mentor,
            apprentice=apprentice,
            start_semester=semesters[1],
            end_semester=current,
            state="active",
        )
        signed = datetime.combine(semesters[1].start + timedelta(days=2), datetime.min.time(), UTC)
        pairing.agreements.append(
            Agreement(
                number=1,
                mentor_duties=MENTOR_DUTIES,
                apprentice_goals=APPRENTICE_GOALS,
                mentor_signed_by=mentor,
                mentor_signed_at=signed,
                apprentice_signed_at=signed + timedelta(hours=1),
            )
        )
        today = school_today()
        pairing.tasks = [
            PairingTask(
                text="制订个人三年发展规划",
                due=semesters[1].start + timedelta(days=30),
                done_at=signed + timedelta(days=20),
            ),
            PairingTask(text="准备本学期汇报课，试教一次", due=today + timedelta(days=20)),
            PairingTask(
                text="读完《给教师的建议》并写心得",
                due=today + timedelta(days=-7 if n % 3 == 0 else 40),
            ),
        ]
        pairings.append(pairing)
        db.session.add(pairing)
    if experts:
        draft = Pairing(
            external_mentor=experts[0],
            apprentice=staff["t002"],
            start_semester=current,
            end_semester=current,
            state="draft",
        )
        draft.agreements.append(
            Agreement(number=1, mentor_duties=MENTOR_DUTIES, apprentice_goals=APPRENTICE_GOALS)
        )
        db.session.add(draft)
    db.session.flush()
    db.session.add_all(
        MentoringFeedback(
            pairing_id=p.id,
            semester_id=semesters[1].id,
            rating=rng.choice([4, 5]),
            comment="导师每周听我一节课，指导很具体。",
        )
        for p in pairings[::2]
    )

    for apprentice in reserve[:6]:
        plan = DevelopmentPlan(
            staff=apprentice,
            start_year=current.start.year - 1,
            end_year=current.start.year + 1,
            goals="三年内成为区级骨干教师：站稳课堂，形成自己的教学风格；"
            "每学年撰写一篇论文；带好一个班。",
        )
        plan.items = [
            PlanItem(semester_id=current.id, kind="report_lesson", target=1),
            PlanItem(semester_id=current.id, kind="observation", target=4),
            PlanItem(semester_id=current.id, kind="attendance", target=8),
            PlanItem(semester_id=current.id, kind="reading", target=1, note="《给教师的建议》"),
        ]
        db.session.add(plan)

    _give_report_lessons(reserve[:6], current)
    observed = _observe(rng, people)
    return {"pairings": len(pairings) + bool(experts), "observations": observed}


def _give_report_lessons(apprentices, current) -> None:
    """Report lessons are the apprentices' (汇报课): the paired ones take them in turn."""
    lessons = db.session.scalars(
        Activity.live().where(Activity.form == "report_lesson").order_by(Activity.date)
    ).all()
    for n, lesson in enumerate(lessons):
        lesson.presenters = [apprentices[n % len(apprentices)]]
    upcoming = [a for a in lessons if a.semester_id == current.id and a.status == "planned"]
    if upcoming:  # the demo teacher t001 has a report lesson coming up
        upcoming[0].presenters = [apprentices[0]]


def _observe(rng, people) -> int:
    """Three to five colleagues observed each lesson that was held."""
    items = db.session.scalars(select(RubricItem).where(RubricItem.active)).all()
    lessons = db.session.scalars(
        Activity.live().where(Activity.status == "done", Activity.form.in_(LESSON_FORMS))
    ).all()
    count = 0
    for lesson in lessons:
        for teacher in lesson.presenters:
            observers = rng.sample([p for p in people if p.id != teacher.id], k=rng.randint(3, 5))
            for observer in observers:
                quality = rng.uniform(0.72, 0.95)
                db.session.add(
                    Observation(
                        activity=lesson,
                        observer=observer,
                        teacher=teacher,
                        strengths=rng.choice(STRENGTHS),
                        suggestions=rng.choice(SUGGESTIONS),
                        scores=[
                            ObservationScore(
                                rubric_item_id=item.id, score=round(item.max_score * quality)
                            )
                            for item in items
                        ],
                    )
                )
                count += 1
    return count
