"""Demo schedule: three semesters around today at all three levels, the past ones held, with
attendance and records; attendance sags late in the current semester, as the seed fears.

Every activity has invitees: the coming ones by the default groups of their form (so an ordinary
teacher sees the school-wide training on the home page), the held ones by name, the people the
roll was called for (the pools and pairings that make up the studio are seeded later).

The held 片区 and 全区 activities had guests (外校来宾): teachers of the host partner school and
the other two, and the district's teaching researchers, more each semester, so the dashboard's
reach card shows the studio's reach growing; a 送教 brings most of the host school's teachers."""

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from intranet.clock import school_today, school_zone
from intranet.extensions import db
from intranet.people.demo import GIVEN, SURNAMES
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule.invitees import default_groups
from intranet.schedule.models import (
    Activity,
    ActivityInvitee,
    Attendance,
    Guest,
    PartnerSchool,
    PlanTarget,
    Semester,
)

PARTNER_SCHOOLS = [
    ("程桥中心小学", "程桥片"),
    ("竹镇中心小学", "竹镇片"),
    ("马集镇中心小学", "马集片"),
]

# (week of the semester, weekday 0=Mon, start, end, level, form, theme, place, procedure).
# Presenters are chosen by form: mentors give demo lessons, apprentices report lessons, the
# external team outreach and training, non-Party colleagues some lectures.
PLAN = [
    (
        1,
        2,
        "14:30",
        "16:00",
        "school",
        "training",
        "名师工作室学期启动暨师徒结对签字仪式",
        "学术报告厅",
        "党总支书记讲话\n宣读师徒结对名单\n师徒签订协议\n导师代表、徒弟代表发言",
    ),
    (
        2,
        3,
        "09:00",
        "09:40",
        "school",
        "demo_lesson",
        "名师展示课：《秋天的雨》朗读指导",
        "录播教室",
        "导师执教展示课\n徒弟听课记录\n课后评课交流",
    ),
    (
        3,
        1,
        "15:00",
        "16:30",
        "school",
        "lesson_preparation",
        "三年级数学集体备课：两位数乘法",
        "三楼会议室",
        "主备人说课\n组内研讨\n形成共案",
    ),
    (
        4,
        3,
        "09:00",
        "11:30",
        "cluster",
        "theme_seminar",
        "片区主题研讨：低年级识字教学的有效策略",
        "",
        "展示课两节\n分组研讨\n专家点评",
    ),
    (
        5,
        2,
        "10:00",
        "10:40",
        "school",
        "report_lesson",
        "徒弟汇报课：《圆的认识》",
        "录播教室",
        "徒弟执教汇报课\n导师点评\n听课教师评分",
    ),
    (
        6,
        4,
        "14:00",
        "16:00",
        "district",
        "outreach",
        "送教下乡：英语绘本阅读示范课",
        "",
        "示范课一节\n区教研员讲座\n互动答疑",
    ),
    (
        7,
        2,
        "15:30",
        "17:00",
        "school",
        "lecture",
        "学术讲座：小学科学探究活动的设计",
        "学术报告厅",
        "讲座\n交流讨论",
    ),
    (
        8,
        3,
        "09:00",
        "09:40",
        "school",
        "demo_lesson",
        "示范研讨课：习作教学“写清楚一件事”",
        "录播教室",
        "执教示范研讨课\n说课\n评课研讨",
    ),
    (
        9,
        1,
        "15:00",
        "16:30",
        "school",
        "reading_exchange",
        "读书交流：《给教师的建议》",
        "图书室",
        "分组共读分享\n撰写读书心得\n优秀心得交流",
    ),
    (
        10,
        3,
        "09:00",
        "11:30",
        "cluster",
        "theme_seminar",
        "片区主题研讨：作业设计与“双减”落实",
        "",
        "同课异构两节\n作业设计展示\n分组研讨",
    ),
    (
        11,
        2,
        "10:00",
        "10:40",
        "school",
        "report_lesson",
        "徒弟汇报课：Unit 5 Our new home",
        "录播教室",
        "徒弟执教汇报课\n导师点评\n听课教师评分",
    ),
    (
        12,
        4,
        "14:00",
        "16:00",
        "district",
        "outreach",
        "送教：小学数学“图形与几何”示范引领",
        "",
        "示范课一节\n教师进修学校专题讲座",
    ),
    (
        13,
        2,
        "10:00",
        "10:40",
        "school",
        "demo_lesson",
        "名师展示课：《认识人民币》",
        "录播教室",
        "导师执教展示课\n徒弟听课记录\n课后评课交流",
    ),
    (
        14,
        1,
        "15:00",
        "16:30",
        "school",
        "training",
        "信息技术与课堂教学融合培训",
        "计算机教室",
        "专题培训\n上机实践",
    ),
    (
        15,
        3,
        "09:00",
        "11:30",
        "cluster",
        "theme_seminar",
        "片区主题研讨：整本书阅读的推进策略",
        "",
        "展示课两节\n专题发言\n专家点评",
    ),
    (
        16,
        2,
        "10:00",
        "10:40",
        "school",
        "report_lesson",
        "徒弟汇报课：《雪地里的小画家》",
        "录播教室",
        "徒弟执教汇报课\n导师点评",
    ),
    (
        17,
        4,
        "14:00",
        "16:00",
        "district",
        "outreach",
        "全区名师送教：德育课堂中的党史故事",
        "",
        "示范课一节\n区教育局专家讲座",
    ),
    (
        18,
        2,
        "15:00",
        "16:30",
        "school",
        "training",
        "学期工作汇报交流会",
        "学术报告厅",
        "成员汇报本学期工作\n导师点评\n评选优秀师徒",
    ),
]
# A cluster activity moves round the partner schools; an outreach goes to one of them.
ROUND = [0, 1, 2]
# Share of the invited who come, by month of the current semester: interest sags in the
# semester's third month, which the dashboard should notice.
CURRENT_TURNOUT = {0: 0.92, 1: 0.88, 2: 0.62, 3: 0.6, 4: 0.6}


def semesters_around(today: date) -> list[tuple[str, date, date]]:
    """The semester today falls in (or the next one, in a holiday) and the two before it."""
    year = today.year if today.month >= 8 else today.year - 1  # the school year's first year
    first = (f"{year}-{year + 1}学年第一学期", date(year, 9, 1), date(year + 1, 1, 20))
    second = (f"{year}-{year + 1}学年第二学期", date(year + 1, 2, 20), date(year + 1, 7, 5))
    if today > first[2]:
        current, before = second, [first]
        before.insert(0, (f"{year - 1}-{year}学年第二学期", date(year, 2, 20), date(year, 7, 5)))
    else:
        current = first
        before = [
            (f"{year - 1}-{year}学年第一学期", date(year - 1, 9, 1), date(year, 1, 20)),
            (f"{year - 1}-{year}学年第二学期", date(year, 2, 20), date(year, 7, 5)),
        ]
    return [*before, current]


def seed(rng) -> dict:
    today = school_today()
    schools = [PartnerSchool(name=name, cluster=cluster) for name, cluster in PARTNER_SCHOOLS]
    db.session.add_all(schools)
    staff = db.session.scalars(select(Staff).where(Staff.active).order_by(Staff.id)).all()
    managers = [s for s in staff if s.role == "manager"] or staff[:2]
    members = [s for s in staff if s.is_party_member and s.title in ("正高级教师", "高级教师")]
    apprentices = [s for s in staff if s.title in ("二级教师", "三级教师", "一级教师")]
    non_party = [s for s in staff if s.political_status in ("non_party", "democratic_party")]
    experts = db.session.scalars(select(ExternalMentor).order_by(ExternalMentor.id)).all()

    semesters = []
    for n, (name, start, end) in enumerate(semesters_around(today)):
        semesters.append(Semester(name=name, start=start, end=end, is_current=n == 2))
    db.session.add_all(semesters)
    db.session.flush()
    planned = Counter((row[4], row[5]) for row in PLAN)
    for semester in semesters:
        db.session.add_all(
            # The plan asks for one more cluster seminar than the schedule holds: a gap to see.
            PlanTarget(semester_id=semester.id, level=lv, form=fm, count=n + (lv == "cluster"))
            for (lv, fm), n in planned.items()
        )

    activities = 0
    for semester in semesters:
        monday = semester.start - timedelta(days=semester.start.weekday())
        cluster_turn = iter(ROUND * 10)
        for week, weekday, start, end, level, form, theme, place, procedure in PLAN:
            day = monday + timedelta(weeks=week - 1, days=weekday)
            if not semester.contains(day):
                continue
            school = schools[next(cluster_turn)] if level in ("cluster", "district") else None
            activity = Activity(
                semester_id=semester.id,
                date=day,
                start_time=time.fromisoformat(start),
                end_time=time.fromisoformat(end),
                place=place or (school.name if school else ""),
                level=level,
                form=form,
                theme=theme,
                procedure=procedure,
                responsible=rng.choice(managers),
                partner_school=school if level == "cluster" else None,
                status=_status(rng, day, today),
                invite_groups=default_groups(form, level),
            )
            _cast(rng, activity, members, apprentices, non_party, experts)
            db.session.add(activity)
            if activity.status == "done":
                _attend(rng, activity, staff, semester, semesters[-1])
            activities += 1
    db.session.flush()
    return {"activities": activities, "guests": _seed_guests(schools, semesters, today)}


def _status(rng, day: date, today: date) -> str:
    if day >= today:
        return "postponed" if rng.random() < 0.05 else "planned"
    return rng.choices(["done", "cancelled", "postponed"], weights=[90, 5, 5])[0]


def _cast(rng, activity, members, apprentices, non_party, experts) -> None:
    if activity.form == "demo_lesson" and members:
        activity.presenters = [rng.choice(members)]
    elif activity.form == "report_lesson" and apprentices:
        activity.presenters = [rng.choice(apprentices)]
    elif activity.form == "lecture" and non_party:
        activity.presenters = [rng.choice(non_party)]  # non-Party colleagues lecture too
    elif activity.form in ("outreach", "training") and experts:
        activity.external_presenters = [rng.choice(experts)]
        if members:
            activity.presenters = [rng.choice(members)]
    elif activity.form == "theme_seminar" and members and apprentices:
        activity.presenters = [rng.choice(members), rng.choice(apprentices)]


def _attend(rng, activity, staff, semester, current) -> None:
    month = (activity.date - semester.start).days // 30
    turnout = CURRENT_TURNOUT.get(month, 0.6) if semester is current else rng.uniform(0.82, 0.93)
    invited = rng.sample(staff, k=min(len(staff), 36 if activity.level == "school" else 14))
    activity.invite_groups = ""
    db.session.add_all(ActivityInvitee(activity=activity, staff_id=p.id) for p in invited)
    for person in invited:
        came = rng.random() < turnout
        status = "present" if came else rng.choice(["excused", "absent"])
        db.session.add(
            Attendance(
                activity=activity,
                staff_id=person.id,
                status=status,
                reason="外出培训" if status == "excused" else "",
                checked_in_at=datetime.combine(activity.date, activity.start_time, school_zone())
                if came and rng.random() < 0.7
                else None,
            )
        )
    activity.summary = (
        f"本次{activity.form_label}按计划开展，{activity.theme}。"
        "参与教师围绕主题交流研讨，形成了改进意见，后续在教研组内跟进落实。"
    )


# Typed in by guests, not on the partner list: the district's own (区教育局 on the reach card)
# and a neighbouring school now and then (其他学校).
DISTRICT_DESKS = ("六合区教育局教研室", "六合区教师发展中心", "六合区教师进修学校")
OTHER_SCHOOLS = ("横梁中心小学", "冶山中心小学")
GUEST_SUBJECTS = ("语文", "数学", "英语", "科学", "道德与法治", "音乐", "美术")


def _seed_guests(schools, semesters, today: date) -> int:
    """Guests at the held 片区 and 全区 activities, a few more each semester (semester n of
    three: the host school sends 5 + 3n to a seminar and 12 + 5n to a 送教; the other partners
    and the district a handful). Its own random stream, so the areas seeded after the schedule
    get the same demo as before guests existed."""
    rng = random.Random(14)
    by_name = {school.name: school for school in schools}
    count = 0
    for n, semester in enumerate(semesters):
        held = db.session.scalars(
            select(Activity)
            .where(
                Activity.semester_id == semester.id,
                Activity.level.in_(("cluster", "district")),
                Activity.status == "done",
                Activity.date < today,
            )
            .order_by(Activity.date, Activity.id)
        ).all()
        for activity in held:
            host = activity.partner_school or by_name.get(activity.place)
            outreach = activity.form == "outreach"
            visitors = [(host, rng.randint(12, 16) + 5 * n if outreach else 5 + 3 * n)]
            visitors += [(s, rng.randint(0, 1 + n)) for s in schools if s is not host]
            visitors += [(rng.choice(DISTRICT_DESKS), rng.randint(1, 2 + n))]
            if rng.random() < 0.3:
                visitors.append((rng.choice(OTHER_SCHOOLS), 1))
            arrived = datetime.combine(activity.date, activity.start_time, school_zone())
            seen = set()
            for where, many in visitors:
                school_name = where if isinstance(where, str) else where.name
                for _ in range(many):
                    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                    if (name, school_name) in seen:
                        continue
                    seen.add((name, school_name))
                    minutes = rng.randint(-20, 5)
                    db.session.add(
                        Guest(
                            activity_id=activity.id,
                            name=name,
                            school=school_name,
                            partner_school_id=None if isinstance(where, str) else where.id,
                            subject=rng.choice(GUEST_SUBJECTS),
                            checked_in_at=(arrived + timedelta(minutes=minutes)).astimezone(UTC),
                        )
                    )
                    count += 1
    return count
