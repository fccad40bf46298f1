"""Planning the semester (managers): semesters, partner schools, the plan's counts of
activities (活动次数), and copying one semester's plan into the next."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from intranet.auth.permissions import require
from intranet.clock import school_today
from intranet.extensions import db
from intranet.htmx import toast
from intranet.schedule import services
from intranet.schedule.forms import (
    CopyForm,
    PartnerSchoolForm,
    PlanTargetsForm,
    SemesterForm,
    weeks_between,
)
from intranet.schedule.models import FORMS, LEVELS, PartnerSchool, Semester, open_forms
from intranet.schedule.renewal import plan_review

# Nested in the schedule blueprint: endpoints read schedule.planning.<view>.
bp = Blueprint("planning", __name__)


def _semesters_page(semester_form=None, school_form=None, status=200):
    semesters = db.session.scalars(db.select(Semester).order_by(Semester.start.desc())).all()
    return render_template(
        "schedule/semesters.html",
        semesters=semesters,
        edit_forms={s.id: SemesterForm(formdata=None, obj=s) for s in semesters},
        schools=db.session.scalars(db.select(PartnerSchool).order_by(PartnerSchool.name)).all(),
        semester_form=semester_form or SemesterForm(formdata=None),
        school_form=school_form or PartnerSchoolForm(formdata=None),
    ), status


@bp.get("/semesters")
@require("schedule.manage")
def semesters():
    return _semesters_page()


@bp.post("/semesters")
@require("schedule.manage")
def create_semester():
    form = SemesterForm()
    if not form.validate():
        return _semesters_page(semester_form=form, status=422)
    first = Semester.current() is None  # asked before the new row is flushed into the answer
    semester = Semester(name=form.name.data, start=form.start.data, end=form.end.data)
    semester.is_current = first
    db.session.add(semester)
    db.session.commit()
    flash(f"已添加{semester.name}。", "success")
    # The first-run page sends the new school straight on to planning its activities.
    back = "schedule.index" if request.form.get("next") == "schedule" else ".semesters"
    return redirect(url_for(back), 303)


@bp.put("/semesters/<int:semester_id>")
@require("schedule.manage")
def update_semester(semester_id):
    semester = db.get_or_404(Semester, semester_id)
    form = SemesterForm(existing=semester)
    if not form.validate():
        return render_template("schedule/_semester.html", semester=semester, form=form), 422
    form.populate_obj(semester)
    db.session.commit()
    form = SemesterForm(formdata=None, obj=semester)
    body = render_template("schedule/_semester.html", semester=semester, form=form)
    return toast(body, "学期已保存")


@bp.post("/semesters/<int:semester_id>/current")
@require("schedule.manage")
def make_current(semester_id):
    semester = db.get_or_404(Semester, semester_id)
    services.make_current(semester)
    db.session.commit()
    flash(f"当前学期已设为{semester.name}。", "success")
    return redirect(url_for(".semesters"), 303)


@bp.post("/partner-schools")
@require("schedule.manage")
def create_partner_school():
    form = PartnerSchoolForm()
    if not form.validate():
        return _semesters_page(school_form=form, status=422)
    db.session.add(PartnerSchool(name=form.name.data, cluster=(form.cluster.data or "").strip()))
    db.session.commit()
    flash(f"已添加结对学校：{form.name.data}。", "success")
    return redirect(url_for(".semesters"), 303)


@bp.post("/partner-schools/<int:school_id>/active")
@require("schedule.manage")
def toggle_partner_school(school_id):
    school = db.get_or_404(PartnerSchool, school_id)
    school.active = not school.active
    db.session.commit()
    flash(f"{school.name}已{'启用' if school.active else '停用'}。", "success")
    return redirect(url_for(".semesters"), 303)


def plan_forms(grid) -> list[str]:
    """The plan's rows: the forms open for new activities, and a retired one while the plan
    still counts on it (so its count can be cleared), in the library's order."""
    planned = {form for (_, form), count in grid.items() if count}
    return [key for key in FORMS if key in open_forms() or key in planned]


def _plan_page(semester, grid, errors=None, copy_form=None, status=200):
    review = plan_review(semester, school_today())
    return render_template(
        "schedule/plan.html",
        semester=semester,
        grid=grid,
        errors=errors or {},
        progress={(row.level, row.form): row for row in services.plan_progress(semester)},
        gains=review.found.per_form(semester.id),
        review=review,
        levels=LEVELS,
        forms={key: FORMS[key] for key in plan_forms(grid)},
        targets_form=PlanTargetsForm(formdata=None),
        copy_form=copy_form or _copy_form(semester, formdata=None),
    ), status


def _copy_form(semester, **kwargs):
    form = CopyForm(source=semester, **kwargs)
    if form.weeks.data is None and (following := services.next_semester(semester)):
        form.target_id.data = following.id
        form.weeks.data = weeks_between(semester, following)
    return form


@bp.get("/semesters/<int:semester_id>/plan")
@require("schedule.manage")
def plan(semester_id):
    semester = db.get_or_404(Semester, semester_id)
    return _plan_page(semester, services.targets_grid(semester))


@bp.post("/semesters/<int:semester_id>/plan")
@require("schedule.manage")
def update_plan(semester_id):
    semester = db.get_or_404(Semester, semester_id)
    form = PlanTargetsForm.build(request.form, plan_forms(services.targets_grid(semester)))
    if not form.validate():
        if form.csrf_token.errors:
            abort(400)
        errors = form.cell_errors()
        typed = {key: request.form.get(f"count-{key[0]}-{key[1]}", "") for key in errors}
        return _plan_page(semester, services.targets_grid(semester) | typed, errors, status=422)
    services.save_targets(semester, form.counts())
    db.session.commit()
    flash("活动次数计划已保存。", "success")
    return redirect(url_for(".plan", semester_id=semester.id), 303)


@bp.post("/semesters/<int:semester_id>/copy")
@require("schedule.manage")
def copy(semester_id):
    semester = db.get_or_404(Semester, semester_id)
    form = _copy_form(semester)
    if not form.validate():
        return _plan_page(semester, services.targets_grid(semester), copy_form=form, status=422)
    result = services.copy_semester(semester, form.target, form.weeks.data)
    db.session.commit()
    message = f"已把 {result.copied} 项活动复制到{form.target.name}。"
    if result.outside:
        message += f"另有 {len(result.outside)} 项顺延后超出该学期，未复制：" + "、".join(
            result.outside[:5]
        )
    flash(message, "success" if not result.outside else "info")
    return redirect(url_for("schedule.index", semester=form.target.id), 303)
