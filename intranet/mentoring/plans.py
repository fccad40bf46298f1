"""Development plans (成员发展规划计划书) with progress filled in from the schedule, and the
growth record (成长档案): one teacher's whole history in the studio."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from intranet.auth.permissions import can_see_person, can_write_plan, load, require
from intranet.concurrency import save as save_versioned
from intranet.concurrency import saved_text
from intranet.extensions import db
from intranet.htmx import render, toast
from intranet.mentoring import services
from intranet.mentoring.forms import PlanForm, PlanItemForm, PlanRecordForm
from intranet.mentoring.models import DevelopmentPlan, PlanItem, PlanRecord
from intranet.people.models import Staff
from intranet.uploads import IMAGE, OFFICE, PDF, UploadError, delete_file, serve, store_all

# Nested in the mentoring blueprint: endpoints read mentoring.plans.<view>.
bp = Blueprint("plans", __name__)


def _latest_plan(staff: Staff) -> DevelopmentPlan | None:
    return db.session.scalar(
        db.select(DevelopmentPlan)
        .where(DevelopmentPlan.staff_id == staff.id)
        .order_by(DevelopmentPlan.start_year.desc(), DevelopmentPlan.id.desc())
        .limit(1)
    )


def _plan_form(plan=None, **kwargs) -> PlanForm:
    year = services.school_year()
    if plan is None and "formdata" in kwargs:
        form = PlanForm(this_year=year, **kwargs)
        form.start_year.data, form.end_year.data = year, year + 2
        return form
    if "formdata" in kwargs:
        return PlanForm.of(plan, this_year=year)
    return PlanForm(obj=plan, this_year=year, **kwargs)


def _plan_section(
    staff,
    plan,
    form=None,
    item_form=None,
    status=200,
    conflict=None,
    headers=None,
    record_forms=None,
):
    """The plan partial (or, for a plain request, its page) with what the viewer may do."""
    return render(
        "mentoring/plan.html",
        "mentoring/_plan.html",
        status,
        headers,
        person=staff,
        plan=plan,
        progress=services.plan_progress(plan) if plan else {},
        form=form or _plan_form(plan, formdata=None),
        item_form=item_form or PlanItemForm(formdata=None),
        record_forms=record_forms or {},
        blank_record_form=PlanRecordForm(formdata=None),
        writable=can_write_plan(current_user, staff),
        conflict=conflict,
    )


@bp.get("/plans/<int:staff_id>")
@require("mentoring.view")
@load(Staff, can_see_person, key="staff_id")
def show(staff):
    return _plan_section(staff, _latest_plan(staff))


@bp.post("/plans/<int:staff_id>")
@require("mentoring.view")
@load(Staff, can_write_plan, key="staff_id")
def save(staff):
    """Create the plan, or save its goals, merged with what others saved meanwhile."""
    plan = _latest_plan(staff)
    form = _plan_form(plan) if plan else PlanForm(this_year=services.school_year())
    if not form.validate():
        return _plan_section(staff, plan, form, status=422)
    if plan is None:
        plan = DevelopmentPlan(staff_id=staff.id)
        db.session.add(plan)
        _apply(plan, form)
        db.session.commit()
        return toast(_plan_section(staff, plan), "发展规划已保存")
    return save_versioned(
        plan,
        form,
        stored=lambda p: _plan_form(p, formdata=None),
        apply=_apply,
        reload=lambda: _latest_plan(staff),
        target=f"plan-{staff.id}",
        conflict=lambda p, typed, clashes: _plan_section(staff, p, typed, conflict=clashes),
        saved=lambda p, merged: toast(
            _plan_section(staff, p), saved_text(merged, "发展规划已保存")
        ),
    )


def _apply(plan: DevelopmentPlan, form: PlanForm) -> None:
    plan.start_year, plan.end_year = form.start_year.data, form.end_year.data
    plan.goals = form.goals.data.strip()


@bp.post("/plans/<int:staff_id>/items")
@require("mentoring.view")
@load(Staff, can_write_plan, key="staff_id")
def create_item(staff):
    plan = _latest_plan(staff) or abort(404)
    form = PlanItemForm()
    if form.validate():
        duplicate = db.session.scalar(
            db.select(PlanItem.id).where(
                PlanItem.plan_id == plan.id,
                PlanItem.semester_id == form.semester_id.data,
                PlanItem.kind == form.kind.data,
            )
        )
        if duplicate:
            form.kind.errors = ["这个学期已经有这一类目标，请直接修改数量。"]
    if form.errors or not form.validate():
        return _plan_section(staff, plan, item_form=form, status=422)
    db.session.add(
        PlanItem(
            plan_id=plan.id,
            semester_id=form.semester_id.data,
            kind=form.kind.data,
            target=form.target.data,
            note=(form.note.data or "").strip(),
        )
    )
    db.session.commit()
    db.session.refresh(plan)
    return _plan_section(staff, plan)


def _item_of(staff, item_id: int) -> PlanItem:
    item = db.get_or_404(PlanItem, item_id)
    if item.plan.staff_id != staff.id:
        abort(404)
    return item


@bp.post("/plans/<int:staff_id>/items/<int:item_id>/delete")
@require("mentoring.view")
@load(Staff, can_write_plan, key="staff_id")
def delete_item(staff, item_id):
    item = _item_of(staff, item_id)
    plan, files = item.plan, [r.attachment for r in item.records if r.attachment]
    db.session.delete(item)
    for attachment in files:
        db.session.delete(attachment)
    db.session.commit()
    for attachment in files:
        delete_file(attachment)
    db.session.refresh(plan)
    return _plan_section(staff, plan)


@bp.post("/plans/<int:staff_id>/items/<int:item_id>/records")
@require("mentoring.view")
@load(Staff, can_write_plan, key="staff_id")
def create_record(staff, item_id):
    """One step of a self-recorded target (a book read) with a note, a file or both."""
    item = _item_of(staff, item_id)
    if not item.is_self_recorded:
        abort(404)
    form = PlanRecordForm()
    note = (form.note.data or "").strip()
    stored = []
    if form.validate():
        try:
            stored = store_all(
                request.files.getlist("evidence"),
                (IMAGE, PDF, OFFICE),
                room=1,
                too_many="每次记录附一个文件。",
            )
        except UploadError as error:
            form.evidence.errors = [f"{error}记录的文字已保留，请重新选择文件。"]
        if not note and not stored and not form.errors:
            form.note.errors = ["请写下记录（如书名、心得），或附上佐证材料。"]
    if form.errors:
        return _plan_section(staff, item.plan, record_forms={item.id: form}, status=422)
    item.records.append(PlanRecord(note=note, attachment=stored[0] if stored else None))
    db.session.commit()
    return toast(_plan_section(staff, item.plan), f"已记录：{item.kind_label}")


@bp.get("/plans/<int:staff_id>/records/<int:record_id>/evidence")
@require("mentoring.view")
@load(Staff, can_see_person, key="staff_id")
def record_evidence(staff, record_id):
    record = db.get_or_404(PlanRecord, record_id)
    if record.item.plan.staff_id != staff.id or record.attachment is None:
        abort(404)
    return serve(record.attachment, thumbnail=request.args.get("thumb") == "1")


@bp.get("/growth/<int:staff_id>")
@require("mentoring.view")
@load(Staff, can_see_person, key="staff_id")
def growth(staff):
    record = services.growth_record(staff)
    return render_template(
        "mentoring/growth.html",
        person=staff,
        progress={plan.id: services.plan_progress(plan) for plan in record["plans"]},
        chart=services.score_chart(record["results"]),
        **record,
    )
