"""待办: what each person must do next, read from the records themselves (no table of its own).

Each kind of item is one fixed query at most, whatever the number of rows, so the home page
and the count in the top navigation cost the same for a school with 3 or 300 things waiting:
agreements to sign, reports sent back, leaders' replies, tasks due (these three small lists are
read in one statement), lessons to score, 活动反馈, certificates to verify, suggestions to
handle, and the semester's plan falling behind.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask import current_app, url_for
from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from intranet.achievements.models import Achievement, WorkReport, achievement_attachment
from intranet.auth.permissions import (
    FEEDBACK_DAYS,
    LIVE_PAIRING_STATES,
    MENTOR_GUEST,
    attended_as_scorer,
    can,
)
from intranet.clock import school_today
from intranet.extensions import db
from intranet.feedback.models import Answered
from intranet.feedback.services import answerer_key
from intranet.formatting import cn_short_date
from intranet.mentoring.models import Agreement, Observation, Pairing, PairingTask
from intranet.people.models import ExternalMentor, Staff
from intranet.schedule.models import FORMS, LESSON_FORMS, Activity, Attendance, Semester
from intranet.schedule.models import activity_presenter as presenter
from intranet.schedule.services import plan_progress
from intranet.suggestions.models import OPEN_STATUSES, AnonymousSuggestion, Reply, Suggestion
from intranet.suggestions.services import released

# Kind -> the label a person reads, in the order the list shows them.
KINDS = {
    "agreement": "待签协议",
    "report": "退回的汇报",
    "reply": "近两周的回复",
    "task": "到期任务",
    "lesson": "待评的课",
    "feedback": "活动反馈",
    "certificate": "待认定证书",
    "suggestion": "待处理建议",
    "plan": "计划进度落后",
}
REPLY_DAYS = 14  # there is no read state: a reply stays on the list for two weeks
TASK_DAYS = 7  # tasks due within a week, and those already overdue
LESSONS_SHOWN = 3  # lessons checked against the scoring rule and listed, soonest to close first
# A pairing the mentor's rule reaches: the same states as permissions._apprentices_of.
MENTORED_STATES = ("signed", "active", "completed")


@dataclass
class Todo:
    kind: str
    text: str
    url: str
    detail: str = ""
    count: int = 1  # how many things this line stands for (e.g. 5 certificates)

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def todos(user) -> list[Todo]:
    """Everything waiting for this person, by kind in the order of KINDS."""
    today = school_today()
    if user.role == MENTOR_GUEST:  # an external mentor signs and scores; nothing else is theirs
        return [*_agreements(user), *_lessons(user, today)]
    reports, replies, tasks = _mine(user, today)
    items = [
        *_agreements(user),
        *reports,
        *replies,
        *tasks,
        *_lessons(user, today),
        *_feedback(user, today),
    ]
    if can(user, "achievements.manage"):
        items += _certificates(user)
    if can(user, "suggestions.manage"):
        items += _suggestions()
    if can(user, "dashboard.view"):
        items += _plan(user, today)
    return items


def total(items: list[Todo]) -> int:
    return sum(item.count for item in items)


# --- mentoring ------------------------------------------------------------------------------


def _agreements(user) -> list[Todo]:
    """The newest agreement of a live pairing that this person has yet to confirm: as mentor,
    as apprentice, or (a manager) recording an external mentor's signature given on paper."""
    newest = (
        select(func.max(Agreement.number))
        .where(Agreement.pairing_id == Pairing.id)
        .correlate(Pairing)
        .scalar_subquery()
    )
    mine = [
        and_(Pairing.mentor_id == user.id, Agreement.mentor_signed_at.is_(None)),
        and_(Pairing.apprentice_id == user.id, Agreement.apprentice_signed_at.is_(None)),
    ]
    if can(user, "mentoring.manage"):
        mine.append(
            and_(Pairing.external_mentor_id.is_not(None), Agreement.mentor_signed_at.is_(None))
        )
    if user.role == MENTOR_GUEST:  # an external mentor signing with their own account
        own = select(ExternalMentor.id).where(ExternalMentor.staff_id == user.id)
        mine.append(and_(Pairing.external_mentor_id.in_(own), Agreement.mentor_signed_at.is_(None)))
    rows = db.session.execute(
        select(Pairing, Agreement.number)
        .join(Agreement, and_(Agreement.pairing_id == Pairing.id, Agreement.number == newest))
        .where(Pairing.state.in_(LIVE_PAIRING_STATES), or_(*mine))
        .order_by(Pairing.created_at)
    ).unique()
    items = []
    for pairing, number in rows:
        if pairing.apprentice_id == user.id:
            text = f"与导师{pairing.mentor_name}的师徒协议（第 {number} 版）等您签字"
        elif pairing.mentor_id == user.id or user.role == MENTOR_GUEST:
            text = f"与徒弟{pairing.apprentice.name}的师徒协议（第 {number} 版）等您签字"
        else:
            text = (
                f"{pairing.mentor_name}（导师团）与{pairing.apprentice.name}的协议"
                f"（第 {number} 版）：请登记导师的纸质签字"
            )
        url = url_for("mentoring.show", pairing_id=pairing.id, _anchor=f"agreement-{pairing.id}")
        items.append(Todo("agreement", text, url))
    return items


def _tasks_query(user, today: date):
    """Tasks not done that fall due within a week or are overdue, for both sides: the key is the
    pairing, the number the task (for its order), the name the apprentice when it is not me."""
    apprentice = case((Pairing.apprentice_id == user.id, ""), else_=Staff.name)
    return (
        select(
            literal_column("'task'", String),
            cast(Pairing.id, String),
            PairingTask.text,
            PairingTask.due,
            PairingTask.id,
            apprentice,
        )
        .join(Pairing, PairingTask.pairing_id == Pairing.id)
        .join(Staff, Pairing.apprentice_id == Staff.id)
        .where(
            PairingTask.done_at.is_(None),
            PairingTask.due <= today + timedelta(days=TASK_DAYS),
            Pairing.state.in_(LIVE_PAIRING_STATES),
            or_(Pairing.apprentice_id == user.id, Pairing.mentor_id == user.id),
        )
    )


def _task(today: date, pairing_id: int, text: str, due: date, apprentice: str) -> Todo:
    late = (today - due).days
    when = (
        f"已逾期 {late} 天"
        if late > 0
        else ("今天到期" if late == 0 else f"{cn_short_date(due)}到期")
    )
    who = f"徒弟{apprentice}：" if apprentice else ""
    url = url_for("mentoring.show", pairing_id=pairing_id, _anchor=f"tasks-{pairing_id}")
    return Todo("task", f"{who}{text}", url, when)


@cache
def _lessons_to_score(manager: bool):
    """_lessons' statement for anyone on any day (bound as "me", "today" and "since"), one for
    managers and one for the others: built once, since building and keying it cost more than
    running it, on the page everyone opens first."""
    me = bindparam("me", type_=Integer)
    if manager:  # managers may score any lesson: list those they sat in
        attended = exists().where(
            Attendance.activity_id == Activity.id,
            Attendance.staff_id == me,
            Attendance.status == "present",
        )
    else:
        attended = attended_as_scorer(me, Activity.id)
    my_apprentices = select(Pairing.apprentice_id).where(
        Pairing.mentor_id == me, Pairing.state.in_(MENTORED_STATES)
    )
    scored = (
        exists()
        .where(
            Observation.activity_id == Activity.id,
            Observation.observer_id == me,
            Observation.teacher_id == presenter.c.staff_id,
        )
        .correlate(Activity, presenter)  # this lesson, not any lesson of the same teacher
    )
    unscored_presenter = exists().where(
        presenter.c.activity_id == Activity.id,
        presenter.c.staff_id != me,
        ~scored,
        or_(attended, presenter.c.staff_id.in_(my_apprentices)),
    )
    given_by, teacher = presenter.alias("given_by"), aliased(Staff, name="teacher")
    return (
        Activity.live()
        .with_only_columns(Activity.id, Activity.date, Activity.theme, Activity.form, teacher.name)
        .join(given_by, given_by.c.activity_id == Activity.id)
        .join(teacher, teacher.id == given_by.c.staff_id)
        .where(
            Activity.form.in_(LESSON_FORMS),
            Activity.status != "cancelled",
            Activity.date <= bindparam("today", type_=Date),
            Activity.date >= bindparam("since", type_=Date),
            teacher.id != me,
            unscored_presenter,
        )
        .order_by(Activity.date, Activity.id, teacher.pinyin)  # names as Activity.presenters
    )


def _lessons(user, today: date) -> list[Todo]:
    """Demo and report lessons in the scoring window with a presenter this person has not scored
    yet and may score (permissions.scoring_refusal): a manager any lesson they attended, anyone
    else one they attended by their own check-in or as a manager marked them, or one their
    apprentice gave. One query finds them all with their presenters' names (a row per lesson
    and presenter other than me), the soonest to close first: never a query per lesson."""
    window = current_app.config["OBSERVATION_WINDOW_DAYS"]
    rows = db.session.execute(
        _lessons_to_score(can(user, "mentoring.manage")),
        {"me": user.id, "today": today, "since": today - timedelta(days=window)},
    )
    lessons, teachers = {}, defaultdict(list)
    for activity_id, day, theme, form, name in rows:
        lessons[activity_id] = (day, theme, form)
        teachers[activity_id].append(name)
    items = []
    for activity_id, (day, theme, form) in list(lessons.items())[:LESSONS_SHOWN]:
        closes = day + timedelta(days=window)
        names = "、".join(teachers[activity_id])
        items.append(
            Todo(
                "lesson",
                f"{theme}（{names}，{FORMS.get(form, form)}）",
                url_for("mentoring.observations.new", activity_id=activity_id),
                f"{cn_short_date(closes)}前评课",
            )
        )
    rest = len(lessons) - LESSONS_SHOWN
    if rest > 0:
        items.append(
            Todo(
                "lesson",
                f"还有 {rest} 节课可以评",
                url_for("home.index" if user.role == MENTOR_GUEST else "schedule.index"),
                count=rest,
            )
        )
    return items


def _feedback(user, today: date) -> list[Todo]:
    """Activities of the last three days this person was present at and has not answered 收获
    for (over: 已完成, or its day passed). One query finds them with the keyed marks of their
    answers (a few per activity); this person's own marks are told apart here, as only the
    running app can compute them (feedback.services.answerer_key)."""
    rows = db.session.execute(
        Activity.live()
        .with_only_columns(Activity.id, Activity.date, Activity.theme, Answered.answerer)
        .outerjoin(Answered, Answered.activity_id == Activity.id)
        .where(
            Activity.status != "cancelled",
            Activity.date >= today - timedelta(days=FEEDBACK_DAYS),
            or_(Activity.date < today, Activity.status == "done"),
            exists().where(
                Attendance.activity_id == Activity.id,
                Attendance.staff_id == user.id,
                Attendance.status == "present",
            ),
        )
        .order_by(Activity.date, Activity.id)
    ).all()
    activities, answered = {}, set()
    for activity_id, day, theme, answerer in rows:
        activities[activity_id] = (day, theme)
        if answerer is not None and answerer == answerer_key(user.id, activity_id):
            answered.add(activity_id)
    return [
        Todo(
            "feedback",
            f"{theme}：这次活动收获如何？",
            url_for("feedback.show", activity_id=activity_id),
            f"{cn_short_date(day + timedelta(days=FEEDBACK_DAYS))}前",
        )
        for activity_id, (day, theme) in activities.items()
        if activity_id not in answered
    ]


# --- reports, replies, certificates, suggestions --------------------------------------------


def _mine(user, today: date) -> tuple[list[Todo], list[Todo], list[Todo]]:
    """Reports sent back, leaders' replies and tasks due: three short lists read in one
    statement, a UNION ALL of rows of one shape (kind, key, text, day, number, name; the key
    a string, as a suggestion's is), each kind put in its own order here."""
    rows = db.session.execute(
        union_all(_reports_query(user), _replies_query(user, today), _tasks_query(user, today))
    ).all()
    reports, replies, tasks = [], [], []
    for kind, key, text, day, number, name in sorted(rows, key=_order):
        if kind == "report":
            url = url_for("achievements.reports.edit", semester=key)
            reports.append(Todo("report", f"{text}的工作汇报被退回，请修改后再提交", url))
        elif kind == "reply":
            replies.append(
                Todo(
                    "reply",
                    f"“{text}”有 {number} 条回复" if number > 1 else f"“{text}”有回复",
                    url_for("suggestions.mine", _anchor=f"mine-n-{key}"),
                    f"{cn_short_date(day)}回复",
                )
            )
        else:
            tasks.append(_task(today, int(key), text, day, name))
    return reports, replies, tasks


def _order(row):
    """Reports newest semester first, replies newest first, tasks soonest due first."""
    kind, key, _text, day, number, _name = row
    if kind == "task":
        return (day.toordinal(), number)
    return (-day.toordinal(), key)


def _reports_query(user):
    """Work reports sent back to this person: the key is the semester, the day its start."""
    return (
        select(
            literal_column("'report'", String),
            cast(WorkReport.semester_id, String),
            Semester.name,
            Semester.start,
            literal_column("0", Integer),
            literal_column("''", String),
        )
        .join(Semester, WorkReport.semester_id == Semester.id)
        .where(WorkReport.staff_id == user.id, WorkReport.state == "returned")
    )


def _replies_query(user, today: date):
    """Leaders' replies of the last two weeks to this person's named suggestions, one row per
    suggestion: the day of the newest reply and how many there are."""
    return (
        select(
            literal_column("'reply'", String),
            Suggestion.id,
            Suggestion.title,
            func.max(Reply.created_on),
            func.count(),
            literal_column("''", String),
        )
        .join(Reply, Reply.named_id == Suggestion.id)
        .where(
            Suggestion.author_id == user.id,
            Reply.is_follow_up.is_(False),
            Reply.author_id != user.id,
            Reply.created_on >= today - timedelta(days=REPLY_DAYS),
        )
        .group_by(Suggestion.id, Suggestion.title)
    )


def _certificates(user) -> list[Todo]:
    """Managers: unverified achievements that carry a certificate, not their own."""
    waiting = db.session.scalar(
        select(func.count())
        .select_from(Achievement)
        .where(
            Achievement.verified_at.is_(None),
            Achievement.staff_id != user.id,
            exists().where(achievement_attachment.c.achievement_id == Achievement.id),
        )
    )
    if not waiting:
        return []
    url = url_for("achievements.index", view="pending")
    return [Todo("certificate", f"{waiting} 份成果证书等待认定", url, count=waiting)]


def _suggestions() -> list[Todo]:
    """Leaders: open suggestions, the anonymous ones only once the morning batch released them."""
    waiting = sum(
        db.session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.status.in_(OPEN_STATUSES), model.duplicate_of.is_(None), released(model))
        )
        for model in (Suggestion, AnonymousSuggestion)
    )
    if not waiting:
        return []
    return [
        Todo("suggestion", f"{waiting} 条建议待处理", url_for("suggestions.index"), count=waiting)
    ]


# --- the semester plan ----------------------------------------------------------------------


def elapsed_share(semester: Semester, today: date) -> float:
    """How much of the semester has gone by, from 0 to 1."""
    if today <= semester.start:
        return 0.0
    if today >= semester.end:
        return 1.0
    return (today - semester.start).days / max((semester.end - semester.start).days, 1)


def _plan(user, today: date) -> list[Todo]:
    """Each level and form whose activities held so far fall short of its target in proportion
    to the semester gone by (a target of 6 halfway through wants 3 held)."""
    semester = Semester.current()
    if semester is None or not semester.contains(today):
        return []
    share = elapsed_share(semester, today)
    if can(user, "schedule.manage"):
        url = url_for("schedule.planning.plan", semester_id=semester.id)
    else:
        url = url_for("schedule.index", semester=semester.id)
    items = []
    for row in plan_progress(semester):
        due = int(row.planned * share)
        if row.planned and row.held < due:
            items.append(
                Todo(
                    "plan",
                    f"{row.label}：已开展 {row.held} 次，按进度应有 {due} 次",
                    url,
                    f"本学期计划 {row.planned} 次",
                )
            )
    return items
