"""Demo achievements, work reports and an evaluation scheme for every demo semester, so the
dashboard and the evaluation show something on first run. A few certificates are small
generated images, stored as uploads are."""

import io
import secrets
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from intranet.achievements.models import (
    KINDS,
    SCHEME_FIELDS,
    Achievement,
    EvaluationScheme,
    WorkReport,
)
from intranet.clock import school_today
from intranet.extensions import db
from intranet.files import make_private, private_dir
from intranet.people.models import Staff
from intranet.schedule.models import Semester
from intranet.uploads import IMAGE, Attachment

TITLES = {
    "award": ["优质课评比一等奖", "基本功大赛二等奖", "教学设计评比一等奖", "微课比赛三等奖"],
    "paper": ["论文《低年级识字教学的有效策略》发表", "论文《“双减”背景下的作业设计》获奖"],
    "open_lesson": ["公开课《秋天的雨》", "公开课《圆的认识》", "送教示范课《认识人民币》"],
    "project": ["课题《整本书阅读的推进策略》结题", "课题《农村小学作业设计研究》立项"],
    "honour": ["优秀教师", "教坛新秀", "优秀共产党员", "学科带头人"],
    "other": ["指导学生作文获奖", "编写校本教材"],
}
ISSUERS = {
    "national": "中国教育学会",
    "provincial": "江苏省教育厅",
    "city": "南京市教育局",
    "district": "六合区教育局",
    "school": "六合区实验小学",
}
REPORT = (
    "本学期我认真参加工作室组织的各项活动，完成了汇报课一节，听课评课十余节。"
    "在导师指导下，重点研究了课堂提问的设计，学生参与度明显提高。\n"
    "不足：读书笔记还不够系统。下学期打算：继续打磨一节区级公开课，撰写一篇教学论文。"
)


def _certificate(title: str) -> Attachment:
    image = Image.new("RGB", (480, 340), "#fdf6e3")
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 468, 328), outline="#b3261e", width=6)
    draw.text((40, 150), "CERTIFICATE", fill="#b3261e")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    attachment = Attachment(
        id=secrets.token_hex(16), kind=IMAGE, size=out.tell(), original_name=f"{title}.jpg"
    )
    folder = private_dir(current_app.config["UPLOAD_FOLDER"])
    attachment.path.write_bytes(out.getvalue())
    attachment.thumb_path.write_bytes(out.getvalue())
    make_private(folder, attachment.path, attachment.thumb_path)
    return attachment


def seed(rng) -> dict:
    today = school_today()
    semesters = db.session.scalars(select(Semester).order_by(Semester.start)).all()
    staff = db.session.scalars(select(Staff).where(Staff.active).order_by(Staff.id)).all()
    managers = [s for s in staff if s.role == "manager"] or staff[:1]
    teachers = [s for s in staff if s.role in ("teacher", "manager")]
    levels = ["national", "provincial", "city", "district", "school"]
    made, certificates = 0, 0
    for semester in semesters:
        scheme = EvaluationScheme(
            semester_id=semester.id, report_deadline=semester.end - timedelta(days=10)
        )
        for name, _label, default in SCHEME_FIELDS:
            setattr(scheme, name, default)
        db.session.add(scheme)
        last_day = min(semester.end, today)
        span = max((last_day - semester.start).days, 1)
        current = semester is semesters[-1]
        for _ in range(10 if current else 24):
            kind = rng.choice(list(KINDS))
            level = rng.choices(levels, weights=[1, 3, 6, 10, 8])[0]
            title = rng.choice(TITLES[kind])
            achievement = Achievement(
                staff_id=rng.choice(teachers).id,
                kind=kind,
                level=level,
                title=title,
                awarded_on=semester.start + timedelta(days=rng.randrange(span)),
                issuer=ISSUERS[level],
            )
            if rng.random() < (0.4 if current else 0.85):
                achievement.verified_by_id = rng.choice(managers).id
                achievement.verified_at = datetime.combine(last_day, time(9), UTC)
            if certificates < 8 and kind in ("award", "honour"):
                achievement.attachments = [_certificate(title)]
                certificates += 1
            db.session.add(achievement)
            made += 1
        for person in rng.sample(teachers, k=min(len(teachers), 12 if current else 20)):
            state = rng.choice(["draft", "submitted", "returned"]) if current else "published"
            report = WorkReport(
                staff_id=person.id, semester_id=semester.id, body=REPORT, state=state
            )
            if state != "draft":
                report.submitted_at = datetime.combine(last_day - timedelta(days=3), time(8), UTC)
            if state in ("returned", "published"):
                report.review = (
                    "内容扎实。请补充本学期汇报课的反思。"
                    if state == "returned"
                    else "条理清楚，成效明显。"
                )
                report.reviewed_by_id = rng.choice(managers).id
            db.session.add(report)
    return {"achievements": made}
