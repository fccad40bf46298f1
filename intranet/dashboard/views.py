"""The leaders' dashboard (校长驾驶舱): one screen of charts for the semester; every bar opens
its detail below the charts (HTMX), or as its own page without JavaScript."""

from datetime import date

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from intranet.achievements.models import Achievement
from intranet.achievements.services import achievements_query
from intranet.auth.permissions import can, require
from intranet.charts import bar_chart
from intranet.clock import school_today
from intranet.dashboard import interest, kept, services
from intranet.extensions import db
from intranet.forms import year_month
from intranet.htmx import render
from intranet.mentoring.services import pairing_health
from intranet.schedule.models import FORMS, LEVELS, Activity
from intranet.schedule.services import plan_progress
from intranet.semesters import all_semesters, requested
from intranet.suggestions.services import stats as suggestion_stats

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _until(semester):
    return min(school_today(), semester.end)


@bp.get("")
@require("dashboard.view")
def index():
    semesters = all_semesters()
    semester = requested(request.args, semesters)
    today = school_today()
    progress = plan_progress(semester)
    reads_box = can(current_user, "suggestions.manage")
    recent = services.gain_semesters(semester, semesters)
    until = _until(semester)
    window = services.window_start(until)
    since = date.fromisoformat(f"{window}-01")
    levels, box_tallies, gains, reach, kept_figures, interest_rows = services.tallies(
        semester,
        reads_box,
        recent,
        True,
        kept_from=window,
        extra=interest.parts(semester, semesters, since),
        extra_whats=interest.WHATS,
    )
    figures = services.overview(semester, today, until, kept_figures, semesters)
    months, groups, health = figures.months, figures.groups, figures.health
    page = render_template(
        "dashboard/index.html",
        semester=semester,
        semesters=semesters,
        today=today,
        plan_chart=bar_chart(
            [row.label for row in progress],
            {"计划": [row.planned for row in progress], "已开展": [row.held for row in progress]},
            urls=[_detail("activities", level=row.level, form=row.form) for row in progress],
        ),
        progress=progress,
        months=months,
        attendance_chart=bar_chart(
            [m.label for m in months],
            {"出勤率": [m.rate or 0 for m in months]},
            urls=[_detail("attendance", month=m.key) for m in months],
            percent=True,
        ),
        alert=figures.alert,
        interest=interest.alert(semester, semesters, figures, gains, interest_rows, since),
        gain=services.gain_figures(semester, recent, gains),
        # leaders only: a presenter's figures are personal (feedback.presenters)
        presenters=gains.per_presenter() if can(current_user, "feedback.presenters") else None,
        gain_semesters=[(s.id, s.name) for s in recent],
        reach=reach,
        reach_chart=bar_chart(
            [name for name, _, _ in reach.schools],
            {
                "片区活动": [cluster for _, cluster, _ in reach.schools],
                "全区活动": [district for _, _, district in reach.schools],
            },
        ),
        groups=groups,
        participation_chart=bar_chart(
            [g.label for g in groups],
            {"出勤率": [g.rate for g in groups], "参与面": [g.reach for g in groups]},
            urls=[_detail("participation", group=g.key) for g in groups],
            percent=True,
        ),
        health=health,
        pairing_chart=bar_chart(
            ["进展正常", "进度滞后"],
            {"结对数": [sum(not h.behind for h in health), sum(h.behind for h in health)]},
            urls=[_detail("pairings", state="on_track"), _detail("pairings", state="behind")],
        ),
        achievement_chart=bar_chart(
            list(services.achievement_levels().values()),
            {
                "已认定": [levels["verified"][k] for k in services.achievement_levels()],
                "待认定": [levels["pending"][k] for k in services.achievement_levels()],
            },
            urls=[_detail("achievements", level=k) for k in services.achievement_levels()],
        ),
        # Only for those who read the box anyway: a live count shown to others would tell them
        # when an anonymous suggestion arrived (SECURITY.md L).
        box=suggestion_stats(today, tallies=box_tallies) if reads_box else None,
    )
    # After rendering: its commit would make the page reload rows.
    kept.keep(figures.to_keep, figures.worked_out, kept_figures.generation)
    return page


def _detail(what: str, **args) -> str:
    return url_for(f"dashboard.{what}", semester=request.args.get("semester"), **args)


def _show(partial: str, title: str, **context):
    return render(
        "dashboard/detail.html",
        partial,
        detail=partial,
        title=title,
        semester=requested(request.args),
        **context,
    )


@bp.get("/activities")
@require("dashboard.view")
def activities():
    semester = requested(request.args)
    level, form = request.args.get("level", ""), request.args.get("form", "")
    query = Activity.live().where(Activity.semester_id == semester.id)
    if level in LEVELS:
        query = query.where(Activity.level == level)
    if form in FORMS:
        query = query.where(Activity.form == form)
    rows = db.session.scalars(query.order_by(Activity.date)).all()
    title = f"{LEVELS.get(level, '')}{FORMS.get(form, '')}活动"
    return _show("dashboard/_activities.html", title, activities=rows, key=f"{level}-{form}")


@bp.get("/attendance")
@require("dashboard.view")
def attendance():
    year, month = year_month(request.args.get("month")) or abort(404)
    held = services.month_turnout(year, month)
    rates = services.form_rates(year, month, held)
    rows = sorted(
        ((FORMS.get(f, f), p, t) for f, (p, t) in rates.items() if t), key=lambda r: -r[1] / r[2]
    )
    return _show(
        "dashboard/_attendance.html",
        f"{year}年{month}月各形式出勤",
        rows=rows,
        held=held,
        forms=FORMS,
        key=f"{year:04d}-{month:02d}",
    )


@bp.get("/participation")
@require("dashboard.view")
def participation():
    group = request.args.get("group", "")
    if group not in services.GROUPS:
        abort(404)
    people = services.group_members(requested(request.args), group)
    title = f"{services.GROUPS[group][0]}教师本学期出勤"
    return _show("dashboard/_participation.html", title, people=people, key=group)


@bp.get("/pairings")
@require("dashboard.view")
def pairings():
    state = request.args.get("state", "behind")
    behind = state != "on_track"
    health = [
        h for h in pairing_health(requested(request.args), school_today()) if h.behind == behind
    ]
    title = "进度滞后的师徒结对" if behind else "进展正常的师徒结对"
    return _show("dashboard/_pairings.html", title, health=health, key=state)


@bp.get("/achievements")
@require("dashboard.view")
def achievements():
    semester = requested(request.args)
    level = request.args.get("level", "")
    query = achievements_query(level=level).where(
        Achievement.awarded_on >= semester.start, Achievement.awarded_on <= semester.end
    )
    title = f"本学期{services.achievement_levels().get(level, '')}成果"
    return _show(
        "dashboard/_achievements.html",
        title,
        achievements=db.session.scalars(query).all(),
        key=level or "all",
    )
