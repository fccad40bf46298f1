"""活动形式库 (managers): the forms of activity the studio uses, what each is and how it runs,
when it was last used; forms common in Chinese teaching research offered to adopt in one
click; a form retired stays on its old activities, a form never used may be deleted."""

import secrets
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import exists, func, select

from intranet.auth.permissions import load, require
from intranet.concurrency import save, saved_text
from intranet.extensions import db
from intranet.htmx import is_htmx, partial_response, toast
from intranet.schedule.forms import LibraryEntryForm
from intranet.schedule.models import Activity, LibraryForm, PlanTarget
from intranet.schedule.renewal import form_uses

# Nested in the schedule blueprint: endpoints read schedule.library.<view>.
bp = Blueprint("library", __name__, url_prefix="/forms")


@dataclass(frozen=True)
class Suggestion:
    key: str
    label: str
    line: str  # what it is, in one line
    how: str  # how it runs, one step per line
    is_lesson: bool = False


# Forms common in Chinese teaching research (教研), offered on the page until adopted.
CATALOGUE = (
    Suggestion(
        "same_topic_lessons",
        "同课异构",
        "几位教师就同一课题各自设计、先后上课，对比不同设计的效果。",
        "确定课题\n各自备课、上课\n观课教师对比研讨\n归纳各设计的长处",
        True,
    ),
    Suggestion(
        "lesson_study",
        "课例研究",
        "围绕一个研究问题，一节课经过“上课—观察—反思—再上课”几轮改进。",
        "确定研究问题和课例\n第一轮上课、观察\n研讨改进\n第二轮上课、对比\n写成课例报告",
        True,
    ),
    Suggestion(
        "lesson_talk_contest",
        "说课比赛",
        "教师说教材、学情、教法和设计意图，评委点评，练教学设计的表达。",
        "公布课题和评分标准\n每人限时说课\n评委点评、打分\n优秀说课展示",
    ),
    Suggestion(
        "micro_lessons",
        "微课展评",
        "成员录制五到十分钟的微课，集中展示、互评，积累数字资源。",
        "布置主题和要求\n各自录制微课\n集中播放、互评\n优秀微课入资源库",
    ),
    Suggestion(
        "reading_salon",
        "读书沙龙",
        "围绕一本书或一个话题轻松交流读书所得，人人发言。",
        "提前共读\n围坐交流读书所得\n联系课堂谈做法\n推荐下一本书",
    ),
    Suggestion(
        "online_research",
        "网络教研",
        "借助线上平台直播课堂、在线研讨，外校和外区的老师也能参加。",
        "发布链接和议程\n线上观课或听报告\n在线留言、连线研讨\n回放和资料共享",
    ),
    Suggestion(
        "expert_lecture",
        "专家讲座",
        "请高校或教研室的专家作报告，现场答疑。",
        "确定专题、邀请专家\n讲座\n现场答疑\n参加者写心得",
    ),
    Suggestion(
        "teaching_contest",
        "教学比武",
        "同学科教师同台上课竞技，评委按量表评分，以赛促教。",
        "公布规则和课题\n抽签上课\n评委按量表评分\n颁奖和点评",
        True,
    ),
    Suggestion(
        "theme_salon",
        "主题沙龙",
        "就一个教育热点自由讨论，气氛轻松，不求结论，求启发。",
        "提出话题\n自由发言\n主持人小结",
    ),
    Suggestion(
        "small_project",
        "小课题研究",
        "围绕教学中的真问题做小课题，定期汇报进展，成果用回课堂。",
        "选题、写方案\n开题论证\n中期汇报\n结题交流",
    ),
)


@dataclass
class Entry:
    """A form as the page shows it: the library's row and how it was used."""

    form: LibraryForm
    used: int  # live activities of the form, not cancelled
    last: object  # date of the latest of them (SQL MAX), None if never used


def _usage() -> dict[str, tuple[int, object]]:
    """form key -> (live activities, date of the latest): one grouped statement."""
    rows = db.session.execute(
        form_uses()
        .with_only_columns(Activity.form, func.count(), func.max(Activity.date))
        .group_by(Activity.form)
    )
    return {form: (n, last) for form, n, last in rows}


def _entries() -> list[Entry]:
    forms = db.session.scalars(select(LibraryForm).order_by(LibraryForm.position, LibraryForm.id))
    usage = _usage()
    return [Entry(f, *usage.get(f.key, (0, None))) for f in forms]


def _entry(entry: LibraryForm) -> Entry:
    n, last = db.session.execute(
        form_uses()
        .with_only_columns(func.count(), func.max(Activity.date))
        .where(Activity.form == entry.key)
    ).one()
    return Entry(entry, n, last)


def suggestions(entries: list[Entry]) -> list[Suggestion]:
    """The catalogue without what the library already holds (by key or by name)."""
    held = {e.form.key for e in entries} | {e.form.label for e in entries}
    return [s for s in CATALOGUE if s.key not in held and s.label not in held]


def _page(new_form=None, status=200):
    entries = _entries()
    return render_template(
        "schedule/forms.html",
        entries=entries,
        suggestions=suggestions(entries),
        new_form=new_form or LibraryEntryForm(formdata=None),
    ), status


def _next_position() -> int:
    return (db.session.scalar(select(func.max(LibraryForm.position))) or 0) + 1


def _row(entry, form=None, conflict=None, status=200, headers=None):
    return partial_response(
        "schedule/_library_form.html",
        status,
        headers,
        entry=_entry(entry),
        form=form,
        conflict=conflict,
    )


@bp.get("")
@require("schedule.manage")
def index():
    return _page()


@bp.post("")
@require("schedule.manage")
def create():
    form = LibraryEntryForm()
    if not form.validate():
        return _page(new_form=form, status=422)
    entry = LibraryForm(key=f"custom_{secrets.token_hex(4)}", position=_next_position())
    form.apply(entry)
    db.session.add(entry)
    db.session.commit()
    flash(f"已加入活动形式库：{entry.label}。", "success")
    return redirect(url_for(".index"), 303)


@bp.post("/adopt")
@require("schedule.manage")
def adopt():
    """One click takes a suggestion into the library, under the catalogue's key."""
    chosen = next((s for s in CATALOGUE if s.key == request.form.get("key")), None)
    if chosen is None:
        flash("没有这条建议，请刷新页面再选。", "error")
        return _page(status=422)
    taken = db.session.scalar(
        select(LibraryForm.label).where(
            (LibraryForm.key == chosen.key) | (LibraryForm.label == chosen.label)
        )
    )
    if taken is None:
        db.session.add(
            LibraryForm(
                key=chosen.key,
                label=chosen.label,
                description=chosen.line,
                how=chosen.how,
                is_lesson=chosen.is_lesson,
                position=_next_position(),
            )
        )
        db.session.commit()
    flash(f"已采用：{chosen.label}。新建活动时可以选它了。", "success")
    return redirect(url_for(".index", _anchor="library"), 303)


@bp.get("/<int:form_id>")
@require("schedule.manage")
@load(LibraryForm, key="form_id")
def show(entry):
    return _row(entry)


@bp.get("/<int:form_id>/edit")
@require("schedule.manage")
@load(LibraryForm, key="form_id")
def edit(entry):
    return _row(entry, LibraryEntryForm.of(entry))


@bp.put("/<int:form_id>")
@require("schedule.manage")
@load(LibraryForm, key="form_id")
def update(entry):
    form = LibraryEntryForm(existing=entry)
    if not form.validate():
        return _row(entry, form, status=422)
    return save(
        entry,
        form,
        stored=LibraryEntryForm.of,
        apply=lambda e, f: f.apply(e),
        reload=lambda: db.session.get(LibraryForm, entry.id),
        target=f"form-{entry.id}",
        conflict=lambda e, f, clashes: _row(e, f, conflict=clashes),
        saved=lambda e, merged: toast(_row(e).get_data(as_text=True), saved_text(merged)),
    )


@bp.post("/<int:form_id>/retire")
@require("schedule.manage")
@load(LibraryForm, key="form_id")
def retire(entry):
    """停用 or 恢复: a retired form is offered for no new activity, old ones keep its name."""
    entry.retired = not entry.retired
    db.session.commit()
    message = f"{entry.label}已{'停用' if entry.retired else '恢复使用'}"
    if is_htmx():
        return toast(_row(entry).get_data(as_text=True), message)
    flash(message + "。", "success")
    return redirect(url_for(".index"), 303)


@bp.delete("/<int:form_id>")
@require("schedule.manage")
@load(LibraryForm, key="form_id")
def delete(entry):
    """Only a form no activity (deleted ones included, they can be restored) and no plan ever
    used: a used one is retired instead, so old records keep their name."""
    used = db.session.scalar(
        select(
            exists().where(Activity.form == entry.key)
            | exists().where(PlanTarget.form == entry.key)
        )
    )
    if used:
        return toast(
            _row(entry, status=409).get_data(as_text=True),
            f"{entry.label}已有活动或计划用过，不能删除，可以停用。",
            "error",
        ), 409
    db.session.delete(entry)
    db.session.commit()
    return toast("", f"已删除：{entry.label}")
