"""Ten generated years of a school, for measuring the app at the size it will reach.

`flask --app wsgi generate --scale N --password-stdin` fills an empty instance: at scale 1 about
600 staff, 20 semesters, 4,000 activities (200 in the current semester), 60,000 attendance rows,
5,000 suggestions with replies and 3,000 achievements; N times as many rows at scale N (the
semesters stay twenty). Everything goes in with Core executemany in one transaction; the chosen
password is hashed once and given to the four accounts admin, leader, manager and teacher only;
the other staff have no password and cannot log in.
"""

import hashlib
import random
import secrets
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from intranet.achievements.models import KINDS, Achievement
from intranet.achievements.models import LEVELS as ACHIEVEMENT_LEVELS
from intranet.auth.passwords import hash_password
from intranet.clock import school_today, utcnow
from intranet.extensions import db
from intranet.people.demo import GIVEN, STATUS_WEIGHTS, SUBJECT_WEIGHTS, SURNAMES, TITLE_WEIGHTS
from intranet.people.models import CAMPUSES, GRADE_GROUPS, Staff, to_pinyin
from intranet.schedule.models import (
    FORMS,
    LEVELS,
    Activity,
    Attendance,
    Semester,
    activity_presenter,
)
from intranet.suggestions import tally
from intranet.suggestions.models import CATEGORIES, AnonymousSuggestion, Reply, Suggestion
from intranet.suggestions.services import RECEIPT_HASH, miss_hash, released_through

BASE = {
    "staff": 600,
    "activities": 4000,
    "current": 200,
    "attendance": 60_000,
    "suggestions": 5000,
    "achievements": 3000,
}
SEMESTERS = 20
ACCOUNTS = ("admin", "leader", "manager", "teacher")
ACCOUNT_NAMES = {"admin": "管理员", "leader": "校领导", "manager": "管理组", "teacher": "教师"}
SUGGESTION_TITLES = [
    "希望增加集体备课时间",
    "建议图书角更新书目",
    "教研活动提前一周通知",
    "午休时间安排",
    "公开课评课表简化",
    "多媒体教室设备维修",
    "校本培训内容建议",
    "送教下乡路线安排",
    "青年教师听课机会",
    "作业设计交流会",
    "食堂就餐秩序",
    "片区活动交通安排",
]
THEMES = [
    "单元整体教学设计研讨",
    "大概念视角下的课堂",
    "整本书阅读推进课",
    "新课标学习交流",
    "作业设计与评价",
    "跨学科主题学习",
    "课堂观察与诊断",
    "青年教师汇报课",
    "名师示范课",
    "集体备课：第三单元",
    "读书分享会",
    "信息技术与课堂融合",
]


class NotEmpty(Exception):
    """The instance already holds data; generate only fills an empty one."""


def counts(scale: float) -> dict[str, int]:
    """How many rows of each kind at this scale (at least a handful, so tiny scales still
    exercise every list)."""
    result = {name: max(round(n * scale), 1) for name, n in BASE.items()}
    result["staff"] = max(result["staff"], len(ACCOUNTS) + 6)
    result["current"] = min(max(result["current"], 2), result["activities"])
    return result


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _semesters(today: date) -> list[tuple[str, date, date]]:
    found = []
    for year in range(today.year - 11, today.year + 1):
        school_year = f"{year}-{year + 1}学年"
        found += [
            (f"{school_year}第一学期", date(year, 9, 1), date(year + 1, 1, 20)),
            (f"{school_year}第二学期", date(year + 1, 2, 20), date(year + 1, 7, 5)),
        ]
    return [s for s in found if s[1] <= today][-SEMESTERS:]


def _staff_rows(rng: random.Random, number: int, password_hash: str) -> list[dict]:
    now = utcnow()
    rows, used = [], set()
    for n in range(number):
        if n < len(ACCOUNTS):
            username = ACCOUNTS[n]
            name = ACCOUNT_NAMES[username]
        else:
            username = f"t{n:05d}"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            while name in used:  # a big school has namesakes: a third character tells them apart
                name += rng.choice(GIVEN)[0]
        used.add(name)
        pinyin, initials = to_pinyin(name)
        subject = _pick(rng, SUBJECT_WEIGHTS)
        account = n < len(ACCOUNTS)
        rows.append(
            {
                "username": username,
                "name": name,
                "pinyin": pinyin,
                "pinyin_initials": initials,
                "gender": rng.choice(["female", "female", "female", "male"]),
                "subject": subject,
                "grade_group": "行政后勤" if subject == "后勤" else rng.choice(GRADE_GROUPS[:7]),
                "title": _pick(rng, TITLE_WEIGHTS),
                "political_status": "member" if account else _pick(rng, STATUS_WEIGHTS),
                "campus": rng.choice(CAMPUSES + ["本部"] * 4),
                "role": username if account else "teacher",
                "active": True,
                "password_hash": password_hash if account else None,
                "must_change_password": False,
                "session_token": secrets.token_urlsafe(32),
                "ical_token": secrets.token_urlsafe(32),
                "created_at": now,
            }
        )
    return rows


def generate(scale: float, password: str, seed: int = 1) -> dict[str, int]:
    """Fill the (empty, migrated) database; returns the rows written per table."""
    if db.session.scalar(select(func.count()).select_from(Staff)):
        raise NotEmpty
    rng = random.Random(seed)
    want = counts(scale)
    today = school_today()
    password_hash = hash_password(password)  # once, for the four accounts only
    session = db.session
    written: dict[str, int] = {}

    session.execute(insert(Staff), _staff_rows(rng, want["staff"], password_hash))
    staff_ids = session.scalars(select(Staff.id).where(Staff.of_school).order_by(Staff.id)).all()
    leader_ids = staff_ids[: len(ACCOUNTS)]
    written["staff"] = len(staff_ids)

    semesters = _semesters(today)
    session.execute(
        insert(Semester),
        [
            {"name": name, "start": start, "end": end, "is_current": i == len(semesters) - 1}
            for i, (name, start, end) in enumerate(semesters)
        ],
    )
    semester_ids = session.scalars(select(Semester.id).order_by(Semester.start)).all()
    written["semesters"] = len(semester_ids)

    levels, forms = list(LEVELS), list(FORMS)
    activities = []
    past = want["activities"] - want["current"]
    for n in range(want["activities"]):
        if n < past:
            k = n % (len(semesters) - 1) if len(semesters) > 1 else 0
        else:
            k = len(semesters) - 1
        start, end = semesters[k][1], semesters[k][2]
        day = start + timedelta(days=rng.randrange(max((end - start).days, 1)))
        status = "done" if day < today else "planned"
        if status == "done" and rng.random() < 0.04:
            status = rng.choice(["postponed", "cancelled"])
        activities.append(
            {
                "semester_id": semester_ids[k],
                "date": day,
                "theme": rng.choice(THEMES),
                "level": rng.choice(levels),
                "form": rng.choice(forms),
                "place": rng.choice(["录播教室", "会议室", "阶梯教室", "图书馆", "片区学校"]),
                "procedure": "",
                "summary": "活动按计划完成。" if status == "done" else "",
                "status": status,
                "responsible_id": rng.choice(staff_ids),
                "checkin_token": secrets.token_urlsafe(16),
                "version": 1,
            }
        )
    session.execute(insert(Activity), activities)
    rows = session.execute(select(Activity.id, Activity.date).order_by(Activity.id)).all()
    written["activities"] = len(rows)
    presenters = {
        (activity_id, staff_id)
        for activity_id, _ in rows
        for staff_id in rng.sample(staff_ids, k=rng.choice([1, 1, 2]))
    }
    session.execute(
        insert(activity_presenter), [{"activity_id": a, "staff_id": s} for a, s in presenters]
    )
    held = [activity_id for activity_id, day in rows if day <= today] or [rows[0][0]]
    most = len(held) * len(staff_ids)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < min(want["attendance"], most):
        pairs.add((rng.choice(held), rng.choice(staff_ids)))
    session.execute(
        insert(Attendance),
        [
            {
                "activity_id": a,
                "staff_id": s,
                "reason": "",
                "status": rng.choices(["present", "excused", "absent"], [85, 10, 5])[0],
            }
            for a, s in pairs
        ],
    )
    written["attendance"] = len(pairs)

    statuses = ["pending", "in_progress", "adopted", "declined", "done"]
    categories = list(CATEGORIES)
    named, anonymous, replies = [], [], []
    for _ in range(want["suggestions"]):
        created = today - timedelta(days=rng.randrange(SEMESTERS * 183))
        status = rng.choices(statuses, [10, 10, 30, 20, 30])[0]
        row = {
            "id": secrets.token_hex(8),
            "category": rng.choice(categories),
            "title": rng.choice(SUGGESTION_TITLES),
            "body": "具体想法见标题，请领导考虑。",
            "status": status,
            "is_public": rng.random() < 0.2,
            "created_on": created,
            "decline_reason": "条件暂不具备" if status == "declined" else None,
        }
        if rng.random() < 0.6:
            named.append({**row, "author_id": rng.choice(staff_ids)})
            thread = {"named_id": row["id"], "anonymous_id": None}
        else:
            lookup = secrets.token_hex(8)
            # Nobody holds a receipt for a generated item: every row carries the hash of a
            # secret nobody kept (the one misses are checked against).
            anonymous.append(
                {
                    **row,
                    "receipt_lookup": hashlib.sha256(lookup.encode()).hexdigest(),
                    "receipt_hash": miss_hash(RECEIPT_HASH),
                }
            )
            thread = {"named_id": None, "anonymous_id": row["id"]}
        if status != "pending":
            replies.append(
                {
                    **thread,
                    "id": secrets.token_hex(8),
                    "position": 1,
                    "author_id": rng.choice(leader_ids),
                    "is_follow_up": False,
                    "body": "收到，已安排相关部门研究。",
                    "created_on": min(created + timedelta(days=rng.randrange(1, 15)), today),
                }
            )
    if named:
        session.execute(insert(Suggestion), named)
    if anonymous:
        session.execute(insert(AnonymousSuggestion), anonymous)
    if replies:
        session.execute(insert(Reply), replies)
    tally.rebuild(session, released_through())  # the bulk inserts went around the session
    written["suggestions"] = len(named) + len(anonymous)
    written["replies"] = len(replies)

    kinds, achievement_levels = list(KINDS), list(ACHIEVEMENT_LEVELS)
    now = utcnow()
    achievements = []
    for _ in range(want["achievements"]):
        verified = rng.random() < 0.7
        achievements.append(
            {
                "staff_id": rng.choice(staff_ids),
                "kind": rng.choice(kinds),
                "level": rng.choices(achievement_levels, [1, 4, 10, 25, 20])[0],
                "title": rng.choice(THEMES) + rng.choice(["获奖", "论文", "公开课", "课题结题"]),
                "issuer": rng.choice(["六合区教育局", "南京市教研室", "江苏省教育学会", "本校"]),
                "awarded_on": today - timedelta(days=rng.randrange(SEMESTERS * 183)),
                "verified_by_id": rng.choice(leader_ids) if verified else None,
                "verified_at": now if verified else None,
                "created_at": now,
            }
        )
    session.execute(insert(Achievement), achievements)
    written["achievements"] = len(achievements)
    session.commit()
    return written
