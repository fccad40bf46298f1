"""Achievements, work reports and the evaluation: who may do what, bad input kept with a Chinese
message, conflicts on a report, and a small hand-made semester scored as by hand."""

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image

from intranet.achievements.models import Achievement, EvaluationScheme, WorkReport
from intranet.achievements.services import evaluate
from intranet.clock import school_today
from intranet.extensions import db
from intranet.mentoring.models import Observation, ObservationScore, RubricItem
from intranet.schedule.models import Activity, Attendance, Semester
from tests.conftest import as_user, send

TODAY = school_today()


@pytest.fixture
def school(app, make_staff):
    ids = {
        "manager": make_staff(role="manager", username="guanli", name="徐丽萍"),
        "leader": make_staff(role="leader", username="xiaozhang", name="周文华"),
        "teacher": make_staff(username="t1", name="王晓燕"),
        "other": make_staff(username="t2", name="顾雅琴"),
    }
    with app.app_context():
        semester = Semester(
            name="本学期",
            start=TODAY - timedelta(days=60),
            end=TODAY + timedelta(days=60),
            is_current=True,
        )
        db.session.add(semester)
        db.session.commit()
        ids["semester"] = semester.id
    return ids


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return out.getvalue()


def achievement_data(**changes):
    return {
        "kind": "award",
        "level": "district",
        "title": "优质课一等奖",
        "awarded_on": (TODAY - timedelta(days=5)).isoformat(),
        "issuer": "六合区教育局",
        **changes,
    }


def add_achievement(app, staff_id, verified=False, **fields):
    with app.app_context():
        values = {"kind": "award", "level": "city", "title": "论文", "awarded_on": TODAY, **fields}
        achievement = Achievement(staff_id=staff_id, **values)
        if verified:
            achievement.verified_at = datetime.now(UTC)
        db.session.add(achievement)
        db.session.commit()
        return achievement.id


def test_teacher_records_an_achievement_with_a_certificate(app, school):
    teacher = as_user(app, school["teacher"])
    data = achievement_data(certificate=(io.BytesIO(jpeg()), "证书.jpg"))
    r = send(teacher, "POST", "/achievements", data, content_type="multipart/form-data")
    assert (
        r.status_code == 200 and "已记录" in json.loads(r.headers["HX-Trigger"])["toast"]["message"]
    )
    with app.app_context():
        found = db.session.scalar(db.select(Achievement))
        assert found.staff_id == school["teacher"] and not found.is_verified
        assert found.certificate.kind == "image"
        achievement_id = found.id
    assert teacher.get(f"/achievements/{achievement_id}/certificate").mimetype == "image/jpeg"


def test_a_bad_certificate_gets_a_chinese_message_and_keeps_what_was_typed(app, school):
    teacher = as_user(app, school["teacher"])
    data = achievement_data(title="我填写的名称", certificate=(io.BytesIO(b"<html>x"), "a.jpg"))
    r = send(teacher, "POST", "/achievements", data, content_type="multipart/form-data")
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "无法识别这个文件" in body and "我填写的名称" in body and "六合区教育局" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Achievement.id))) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "请填写成果名称"),
        ({"awarded_on": (TODAY + timedelta(days=3)).isoformat()}, "获得日期不能晚于今天"),
        ({"awarded_on": "去年"}, "请按“年-月-日”填写日期"),
        ({"level": "galaxy"}, "不是有效的选择"),
    ],
)
def test_invalid_achievement_gets_422_beside_the_field(app, school, changes, message):
    teacher = as_user(app, school["teacher"])
    r = send(teacher, "POST", "/achievements", achievement_data(**changes))
    assert r.status_code == 422 and message in r.get_data(as_text=True)


def test_owner_edits_until_verified_then_only_managers(app, school):
    achievement_id = add_achievement(app, school["teacher"])
    teacher, other = as_user(app, school["teacher"]), as_user(app, school["other"])
    assert (
        send(other, "PUT", f"/achievements/{achievement_id}", achievement_data()).status_code == 403
    )
    assert other.get(f"/achievements/{achievement_id}/certificate").status_code == 403
    r = send(teacher, "PUT", f"/achievements/{achievement_id}", achievement_data(title="改过"))
    assert r.status_code == 200
    assert send(teacher, "POST", f"/achievements/{achievement_id}/verify").status_code == 403
    manager = as_user(app, school["manager"])
    assert send(manager, "POST", f"/achievements/{achievement_id}/verify").status_code == 200
    r = send(teacher, "PUT", f"/achievements/{achievement_id}", achievement_data(title="再改"))
    assert r.status_code == 403
    with app.app_context():
        stored = db.session.get(Achievement, achievement_id)
        assert stored.title == "改过" and stored.verified_by_id == school["manager"]


def test_report_is_private_until_published(app, school):
    teacher, other = as_user(app, school["teacher"]), as_user(app, school["other"])
    r = send(
        teacher, "POST", "/achievements/reports/mine", {"body": "我的汇报", "action": "submit"}
    )
    assert r.status_code == 200
    with app.app_context():
        report = db.session.scalar(db.select(WorkReport))
        report_id, version = report.id, report.version
        assert report.state == "submitted" and report.staff_id == school["teacher"]
    assert other.get(f"/achievements/reports/{report_id}").status_code == 403
    assert (
        as_user(app, school["leader"]).get(f"/achievements/reports/{report_id}").status_code == 200
    )
    manager = as_user(app, school["manager"])
    review = {"review": "很好", "decision": "publish", "version": version}
    assert (
        send(manager, "POST", f"/achievements/reports/{report_id}/review", review).status_code
        == 200
    )
    assert other.get(f"/achievements/reports/{report_id}").status_code == 200
    r = send(teacher, "POST", "/achievements/reports/mine", {"body": "偷偷改", "action": "save"})
    assert r.status_code == 422 and "不能再修改" in r.get_data(as_text=True)


def test_returning_a_report_needs_a_reason_and_reopens_it(app, school):
    teacher = as_user(app, school["teacher"])
    send(teacher, "POST", "/achievements/reports/mine", {"body": "汇报", "action": "submit"})
    with app.app_context():
        report = db.session.scalar(db.select(WorkReport))
        report_id, version = report.id, report.version
    manager = as_user(app, school["manager"])
    url = f"/achievements/reports/{report_id}/review"
    r = send(manager, "POST", url, {"review": "", "decision": "return", "version": version})
    assert r.status_code == 422 and "请写明修改意见" in r.get_data(as_text=True)
    r = send(manager, "POST", url, {"review": "补充反思", "decision": "return", "version": version})
    assert r.status_code == 200
    r = send(
        teacher,
        "POST",
        "/achievements/reports/mine",
        {"body": "改好了", "action": "save", "version": version + 1},
    )
    assert r.status_code == 200
    with app.app_context():
        assert db.session.get(WorkReport, report_id).body == "改好了"


def test_author_editing_an_old_version_gets_409_with_both_texts(app, school):
    teacher = as_user(app, school["teacher"])
    send(teacher, "POST", "/achievements/reports/mine", {"body": "第一稿", "action": "save"})
    with app.app_context():
        version = db.session.scalar(db.select(WorkReport.version))
    send(
        teacher,
        "POST",
        "/achievements/reports/mine",
        {"body": "在另一台电脑上改的", "action": "save", "version": version},
    )
    r = send(
        teacher,
        "POST",
        "/achievements/reports/mine",
        {"body": "在手机上改的", "action": "save", "version": version},
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 409 and "在另一台电脑上改的" in body and "在手机上改的" in body


def test_teacher_sees_only_their_own_score(app, school):
    teacher = as_user(app, school["teacher"])
    assert teacher.get(f"/achievements/evaluation/{school['teacher']}").status_code == 200
    assert teacher.get(f"/achievements/evaluation/{school['other']}").status_code == 403
    assert teacher.get("/achievements/evaluation").status_code == 403
    assert teacher.get("/achievements/evaluation/export.xlsx").status_code == 403
    leader = as_user(app, school["leader"])
    assert leader.get(f"/achievements/evaluation/{school['other']}").status_code == 200
    assert leader.get("/achievements/evaluation").status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"attendance": "两分"}, "请填写数字"),
        ({"attendance": "-1"}, "分值应在 0 到 100 之间"),
        ({"observation_weight": "50"}, "分值应在 0 到 10 之间"),
        ({"report": ""}, "请填写“按时提交工作汇报”的分值"),
        ({"attendance": "NaN"}, "请填写数字"),
    ],
)
def test_bad_scheme_values_get_a_chinese_message_and_keep_the_rest(app, school, changes, message):
    manager = as_user(app, school["manager"])
    data = {"attendance": "2", "lesson_school": "3.5", "report": "5", **changes}
    r = send(manager, "POST", "/achievements/evaluation/scheme", data)
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and message in body and 'value="3.5"' in body
    with app.app_context():
        assert db.session.scalar(db.select(EvaluationScheme)) is None


def hand_made_semester(app, school):
    """Wang (teacher): 3 activities attended, one school report lesson and one cluster demo
    lesson given, a verified city achievement (and an unverified provincial one, which does not
    count), an on-time report, two observations at 40/50 and 45/50."""
    wang, gu = school["teacher"], school["other"]
    with app.app_context():
        semester = db.session.get(Semester, school["semester"])
        day = TODAY - timedelta(days=10)
        held = [
            Activity(semester=semester, date=day, theme=f"活动{n}", status="done") for n in range(3)
        ]
        held[0].form, held[0].level = "report_lesson", "school"
        held[1].form, held[1].level = "demo_lesson", "cluster"
        from intranet.people.models import Staff

        held[0].presenters = held[1].presenters = [db.session.get(Staff, wang)]
        planned = Activity(semester=semester, date=day, theme="未开展", status="planned")
        db.session.add_all([*held, planned])
        db.session.flush()
        db.session.add_all(Attendance(activity_id=a.id, staff_id=wang) for a in held)
        db.session.add(Attendance(activity_id=held[0].id, staff_id=gu, status="absent"))
        db.session.add(Attendance(activity_id=planned.id, staff_id=wang))
        rubric = [RubricItem(name="目标", max_score=20), RubricItem(name="过程", max_score=30)]
        db.session.add_all(rubric)
        for observer, scores in ((gu, (15, 25)), (school["manager"], (20, 25))):
            observation = Observation(activity_id=held[0].id, observer_id=observer, teacher_id=wang)
            observation.scores = [
                ObservationScore(rubric_item=r, score=s)
                for r, s in zip(rubric, scores, strict=True)
            ]
            db.session.add(observation)
        db.session.add(
            WorkReport(
                staff_id=wang,
                semester=semester,
                body="汇报",
                state="submitted",
                submitted_at=datetime.now(UTC),
            )
        )
        db.session.commit()
    add_achievement(app, wang, verified=True, level="city", awarded_on=TODAY - timedelta(days=3))
    add_achievement(app, wang, verified=False, level="provincial")


def test_a_hand_made_semester_scores_as_computed_by_hand(app, school):
    hand_made_semester(app, school)
    # attendance 3×1 + school lesson 1×3 + cluster lesson 1×5 + city achievement 1×10
    # + report 5 + observations mean(40/50, 45/50)=85% → 85×0.2=17  = 43
    with app.app_context():
        results = {r.staff.id: r for r in evaluate(db.session.get(Semester, school["semester"]))}
    wang = results[school["teacher"]]
    assert wang.total == 43
    assert [line.subtotal for line in wang.lines] == [3, 3, 5, 0, 0, 0, 10, 0, 0, 5, 17]
    assert wang.rank == 1
    assert school["other"] not in results or results[school["other"]].total == 0


def test_the_ranking_columns_add_up_the_breakdown_by_kind(app, school):
    hand_made_semester(app, school)
    body = as_user(app, school["leader"]).get("/achievements/evaluation").get_data(as_text=True)
    row = body[body.index(f'id="evaluation-{school["teacher"]}"') :]
    cells = re.findall(r"<td>([\d.]+)</td>", row[: row.index("</tr>")])
    # 活动 3, 上课 3+5, 成果 10, 汇报 5, 听课评分 17
    assert cells[1:] == ["3", "8", "10", "5", "17"]


def test_changing_the_scheme_recomputes_the_scores(app, school):
    hand_made_semester(app, school)
    manager = as_user(app, school["manager"])
    values = {
        "attendance": "2",
        "lesson_school": "3",
        "lesson_cluster": "5",
        "lesson_district": "8",
        "achievement_national": "20",
        "achievement_provincial": "15",
        "achievement_city": "10",
        "achievement_district": "6",
        "achievement_school": "3",
        "report": "5",
        "observation_weight": "0",
    }
    assert send(manager, "POST", "/achievements/evaluation/scheme", values).status_code == 200
    r = manager.get(f"/achievements/evaluation/{school['teacher']}")
    assert "没有听课评分记录" not in r.get_data(as_text=True)
    with app.app_context():
        results = {r.staff.id: r for r in evaluate(db.session.get(Semester, school["semester"]))}
    assert results[school["teacher"]].total == 43 + 3 - 17


def test_zero_observations_say_so_in_the_breakdown(app, school):
    teacher = as_user(app, school["teacher"])
    r = teacher.get("/achievements/evaluation/mine", follow_redirects=True)
    assert r.status_code == 200 and "本学期没有听课评分记录，此项计 0 分" in r.get_data(
        as_text=True
    )


def test_evaluation_exports_to_xlsx(app, school):
    hand_made_semester(app, school)
    r = as_user(app, school["leader"]).get("/achievements/evaluation/export.xlsx")
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["评估结果", "评估方案"]
    assert book["评估结果"]["B2"].value == "王晓燕" and book["评估结果"].cell(2, 16).value == 43


def test_a_draft_cannot_be_published_or_scored_and_nobody_reviews_their_own(app, school):
    teacher, manager = as_user(app, school["teacher"]), as_user(app, school["manager"])
    send(teacher, "POST", "/achievements/reports/mine", {"body": "还没写完", "action": "save"})
    with app.app_context():
        report = db.session.scalar(db.select(WorkReport))
        report_id, version = report.id, report.version
    r = send(
        manager,
        "POST",
        f"/achievements/reports/{report_id}/review",
        {"review": "", "decision": "publish", "version": version},
    )
    assert r.status_code == 422 and "只有已提交的汇报才能退回或公开" in r.get_data(as_text=True)
    other = as_user(app, school["other"])
    assert other.get(f"/achievements/reports/{report_id}").status_code == 403

    send(
        manager, "POST", "/achievements/reports/mine", {"body": "管理组的汇报", "action": "submit"}
    )
    with app.app_context():
        own = db.session.scalar(
            db.select(WorkReport).where(WorkReport.staff_id == school["manager"])
        )
        own_id, own_version = own.id, own.version
    r = send(
        manager,
        "POST",
        f"/achievements/reports/{own_id}/review",
        {"review": "自评", "decision": "publish", "version": own_version},
    )
    assert r.status_code == 403


def test_a_manager_neither_verifies_nor_keeps_verified_their_own_achievement(app, school):
    manager = as_user(app, school["manager"])
    own = add_achievement(app, school["manager"])
    assert send(manager, "POST", f"/achievements/{own}/verify").status_code == 403
    verified = add_achievement(app, school["manager"], verified=True)
    r = send(manager, "PUT", f"/achievements/{verified}", achievement_data(level="national"))
    assert r.status_code == 200
    with app.app_context():
        assert db.session.get(Achievement, verified).verified_at is None


def test_the_author_takes_a_file_back_out_of_a_report_until_submitting(app, school):
    """A draft's author deletes one of its files: the row and the file go, the answer is the
    list alone (the text being typed stays in the page), and a toast names the file. Nobody
    else may, nor the author once the report is submitted."""
    teacher = as_user(app, school["teacher"])
    files = [(io.BytesIO(jpeg()), "现场.jpg"), (io.BytesIO(b"%PDF-1.4\n"), "教案.pdf")]
    r = send(teacher, "POST", "/achievements/reports/mine", {"body": "草稿", "files": files})
    assert r.status_code == 200
    with app.app_context():
        report = db.session.scalar(db.select(WorkReport))
        photo, plan = sorted(report.attachments, key=lambda a: a.original_name != "现场.jpg")
        report_id, photo_id, path = report.id, photo.id, photo.path
    assert path.exists()
    url = f"/achievements/reports/{report_id}/attachments/{photo_id}/delete"
    for someone in ("other", "manager", "leader"):
        assert send(as_user(app, school[someone]), "POST", url).status_code == 403

    r = send(teacher, "POST", url)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "现场.jpg" not in body and "教案.pdf" in body
    assert "<form" not in body and 'id="report-files-' in body
    assert "已删除附件" in json.loads(r.headers["HX-Trigger"])["toast"]["message"]
    with app.app_context():
        report = db.session.get(WorkReport, report_id)
        assert [a.original_name for a in report.attachments] == ["教案.pdf"]
        assert db.session.get(type(photo), photo_id) is None
    assert not path.exists()
    assert send(teacher, "POST", url).status_code == 404

    with app.app_context():
        version = db.session.get(WorkReport, report_id).version
    submit = {"body": "定稿", "action": "submit", "version": version}
    assert send(teacher, "POST", "/achievements/reports/mine", submit).status_code == 200
    left = f"/achievements/reports/{report_id}/attachments/{plan.id}/delete"
    assert send(teacher, "POST", left).status_code == 403
