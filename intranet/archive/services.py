"""The semester archive (资料附录): a workbook of the semester's records, the photos and
certificates in folders named in Chinese, and a printable report, streamed as one .zip.

The workbook is written in openpyxl's write-only mode to a temporary file, and the zip is
produced piece by piece while it is sent: at most one photo is in memory at a time, however
many the semester has.
"""

import io
import os
import re
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from intranet.achievements.models import Achievement, WorkReport
from intranet.achievements.services import evaluate, fill_sheet
from intranet.extensions import db
from intranet.formatting import cn_date, cn_short_date, hm
from intranet.mentoring.models import Observation, Pairing
from intranet.people.models import POOLS, PoolMembership, Staff, StudioDuty, of_school
from intranet.schedule.models import (
    ATTENDANCE,
    Activity,
    Attendance,
    Semester,
    activity_attachment,
)
from intranet.spreadsheets import append, new_sheet
from intranet.uploads import IMAGE, Attachment

UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(text: str, limit: int = 60) -> str:
    """A file or folder name from user text: no separators or control characters."""
    return UNSAFE.sub("_", text).strip(" .")[:limit] or "未命名"


def person_folder(staff) -> str:
    """Two colleagues may share a name: their 工号 keeps their folders apart."""
    return safe_name(f"{staff.name}（{staff.username}）")


def _in_semester(semester: Semester):
    return Activity.live().where(Activity.semester_id == semester.id).order_by(Activity.date)


def _photos(semester: Semester) -> dict[int, list[Attachment]]:
    """Each activity's photos (images of its record) by activity id, in one query."""
    photos: dict[int, list[Attachment]] = defaultdict(list)
    for activity_id, attachment in db.session.execute(
        select(activity_attachment.c.activity_id, Attachment)
        .join(Attachment, Attachment.id == activity_attachment.c.attachment_id)
        .join(Activity, Activity.id == activity_attachment.c.activity_id)
        .where(
            Activity.semester_id == semester.id,
            Activity.deleted_at.is_(None),
            Attachment.kind == IMAGE,
        )
        .order_by(Attachment.created_on, Attachment.id)
    ):
        photos[activity_id].append(attachment)
    return photos


def report_context(semester: Semester) -> dict:
    """Everything the printable report shows, in a fixed number of queries."""
    activities = db.session.scalars(_in_semester(semester)).all()
    turnout = {
        (activity_id, status): n
        for activity_id, status, n in db.session.execute(
            select(Attendance.activity_id, Attendance.status, func.count())
            .join(Activity, Attendance.activity_id == Activity.id)
            .where(Activity.semester_id == semester.id, of_school(Attendance.staff_id))
            .group_by(Attendance.activity_id, Attendance.status)
        )
    }
    return {
        "semester": semester,
        "duties": db.session.scalars(select(StudioDuty).order_by(StudioDuty.position)).all(),
        "pools": db.session.scalars(
            select(PoolMembership)
            .where(PoolMembership.until.is_(None))
            .order_by(PoolMembership.pool, PoolMembership.since)
        ).all(),
        "pairings": _pairings(semester),
        "activities": activities,
        "turnout": turnout,
        "photos": _photos(semester),
        "achievements": db.session.scalars(_achievements(semester)).all(),
        "reports": [
            report
            for report in db.session.scalars(
                select(WorkReport).where(WorkReport.semester_id == semester.id)
            )
            if report.counts_as_submitted  # a draft and its comments stay with its author
        ],
        "results": evaluate(semester),
        "pool_labels": POOLS,
    }


def _pairings(semester: Semester) -> list[Pairing]:
    """The pairings whose span of semesters includes this one."""
    starts, ends = db.aliased(Semester), db.aliased(Semester)
    return list(
        db.session.scalars(
            select(Pairing)
            .join(starts, Pairing.start_semester_id == starts.id)
            .join(ends, Pairing.end_semester_id == ends.id)
            .where(starts.start <= semester.start, ends.start >= semester.start)
            .order_by(Pairing.id)
        )
    )


def _achievements(semester: Semester):
    return (
        select(Achievement)
        .where(Achievement.awarded_on >= semester.start, Achievement.awarded_on <= semester.end)
        .order_by(Achievement.awarded_on)
    )


def write_workbook(context: dict, path: Path) -> None:
    semester = context["semester"]
    book = Workbook(write_only=True)
    sheet = new_sheet(book, "组织管理成员及分工", ["序号", "姓名", "政治面貌", "分工"])
    for n, duty in enumerate(context["duties"], 1):
        append(sheet, [n, duty.staff.name, duty.staff.political_status_label, duty.duty])
    sheet = new_sheet(book, "人才库", ["人才库", "姓名", "学科", "入库日期", "说明"])
    for m in context["pools"]:
        append(
            sheet,
            [m.pool_label, m.staff.name, m.staff.subject or "", cn_date(m.since, False), m.note],
        )
    sheet = new_sheet(
        book, "师徒结对与协议", ["导师", "徒弟", "状态", "导师工作责任", "徒弟发展目标", "双方确认"]
    )
    for p in context["pairings"]:
        agreement = p.agreement
        append(
            sheet,
            [
                p.mentor_name,
                p.apprentice.name,
                p.state_label,
                agreement.mentor_duties if agreement else "",
                agreement.apprentice_goals if agreement else "",
                "是" if agreement and agreement.is_signed else "否",
            ],
        )
    sheet = new_sheet(
        book,
        "活动安排与记录",
        [
            "日期",
            "时间",
            "地点",
            "级别",
            "形式",
            "主题",
            "责任人",
            "主讲",
            "状态",
            "出席",
            "请假",
            "缺席",
            "纪要",
        ],
    )
    turnout = context["turnout"]
    for a in context["activities"]:
        append(
            sheet,
            [
                cn_short_date(a.date),
                "–".join(t for t in (hm(a.start_time), hm(a.end_time)) if t),
                a.place,
                a.level_label,
                a.form_label,
                a.theme,
                a.responsible.name if a.responsible else "",
                "、".join(a.presenter_names),
                a.status_label,
                *(turnout.get((a.id, s), 0) for s in ATTENDANCE),
                a.summary,
            ],
        )
    sheet = new_sheet(book, "出勤", ["日期", "活动", "姓名", "出勤", "请假原因"])
    rows = db.session.execute(
        select(Activity.date, Activity.theme, Staff.name, Attendance.status, Attendance.reason)
        .join(Activity, Attendance.activity_id == Activity.id)
        .join(Staff, Attendance.staff_id == Staff.id)
        .where(Activity.semester_id == semester.id, Activity.deleted_at.is_(None), Staff.of_school)
        .order_by(Activity.date, Staff.pinyin)
        .execution_options(yield_per=1000)
    )
    for day, theme, name, status, reason in rows:
        append(sheet, [cn_short_date(day), theme, name, ATTENDANCE.get(status, status), reason])
    sheet = new_sheet(book, "听课评课", ["日期", "课题", "执教", "听课人", "得分", "亮点", "建议"])
    for o in db.session.scalars(
        select(Observation)
        .join(Activity, Observation.activity_id == Activity.id)
        .where(Activity.semester_id == semester.id)
        .order_by(Activity.date)
    ):
        append(
            sheet,
            [
                cn_short_date(o.activity.date),
                o.activity.theme,
                o.teacher.name,
                o.observer.name,
                o.total,
                o.strengths,
                o.suggestions,
            ],
        )
    sheet = new_sheet(book, "成果", ["日期", "教师", "类别", "级别", "名称", "颁发单位", "认定"])
    for a in context["achievements"]:
        append(
            sheet,
            [
                cn_date(a.awarded_on, False),
                a.staff.name,
                a.kind_label,
                a.level_label,
                a.title,
                a.issuer,
                "已认定" if a.is_verified else "待认定",
            ],
        )
    sheet = new_sheet(book, "工作汇报", ["教师", "状态", "汇报内容", "管理组评语"])
    for r in context["reports"]:
        append(sheet, [r.staff.name, r.state_label, r.body, r.review])
    fill_sheet(book.create_sheet("评估"), context["results"])
    book.save(path)


def files_of(semester: Semester) -> list[tuple[str, Path]]:
    """(name in the zip, file on disk) of the semester's photos, files and certificates."""
    used: set[str] = set()

    def name(folder: str, stem: str, attachment: Attachment) -> str:
        """A name no other entry has: 照片.jpg, 照片_2.jpg, … checked on the whole name."""
        base, suffix = f"{folder}/{safe_name(stem)}", attachment.suffix
        candidate, n = f"{base}{suffix}", 1
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}{suffix}"
        used.add(candidate)
        return candidate

    found = []
    for day, theme, attachment in db.session.execute(
        select(Activity.date, Activity.theme, Attachment)
        .join(activity_attachment, activity_attachment.c.activity_id == Activity.id)
        .join(Attachment, Attachment.id == activity_attachment.c.attachment_id)
        .where(Activity.semester_id == semester.id, Activity.deleted_at.is_(None))
        .order_by(Activity.date)
    ):
        folder = (
            f"{'活动照片' if attachment.is_image else '活动资料'}/{day:%m%d} {safe_name(theme, 40)}"
        )
        stem = "照片" if attachment.is_image else Path(attachment.label).stem
        found.append((name(folder, stem, attachment), attachment.path))
    for achievement in db.session.scalars(_achievements(semester)):
        for attachment in achievement.attachments:
            folder = f"成果证书/{person_folder(achievement.staff)}"
            found.append((name(folder, achievement.title, attachment), attachment.path))
    for report in db.session.scalars(
        select(WorkReport).where(WorkReport.semester_id == semester.id)
    ):
        if not report.counts_as_submitted:
            continue  # a draft is still its author's
        for attachment in report.attachments:
            folder = f"工作汇报附件/{person_folder(report.staff)}"
            found.append((name(folder, Path(attachment.label).stem, attachment), attachment.path))
    return found


class _Pipe(io.RawIOBase):
    """A write-only, unseekable sink: zipfile writes into it, the generator hands on what
    accumulated. Being unseekable makes zipfile use data descriptors, as a stream needs."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def stream_zip(workbook: Path, workbook_name: str, report_html: str, files):
    """Yield the archive in pieces; removes the temporary workbook when done."""
    pipe = _Pipe()
    try:
        with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(workbook, workbook_name)
            yield pipe.drain()
            archive.writestr("资料附录报告.html", report_html)
            yield pipe.drain()
            for name, path in files:
                if path.exists():
                    # Photos and PDFs are compressed already: store them as they are.
                    archive.write(path, name, compress_type=zipfile.ZIP_STORED)
                    yield pipe.drain()
        yield pipe.drain()
    finally:
        workbook.unlink(missing_ok=True)


def temporary_workbook(context: dict) -> Path:
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    write_workbook(context, path)
    return path
