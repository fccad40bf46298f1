"""Screens that stay true after an action (issue 12 §7) and the smaller fixes of §8, over HTTP;
tests/browser/test_screens_browser.py drives the same in a browser."""

import json

from intranet.extensions import db
from intranet.schedule.models import Attendance
from intranet.suggestions.models import Suggestion
from tests.conftest import as_user, send
from tests.test_achievements import school  # noqa: F401  (fixture)
from tests.test_mentoring import studio  # noqa: F401  (fixture)
from tests.test_schedule import add_activity
from tests.test_schedule import school as schedule  # noqa: F401  (fixture)

# --- suggestions: the list and its counts follow the detail's actions ---------------------


def named_suggestion(app, make_staff) -> tuple[int, str]:
    leader = make_staff(role="leader", username="principal", name="周校长")
    author = make_staff(username="t9", name="提建议的老师")
    client = as_user(app, author, "/suggestions/new")
    data = {
        "category": "activities",
        "title": "活动太多",
        "body": "希望减少重复的听课活动。",
        "identity": "named",
    }
    assert send(client, "POST", "/suggestions", data).status_code == 200
    with app.app_context():
        return leader, db.session.scalar(db.select(Suggestion)).ref


def test_a_reply_or_status_change_tells_the_box_list_to_refresh(app, make_staff):
    leader_id, ref = named_suggestion(app, make_staff)
    leader = as_user(app, leader_id, "/suggestions")
    box = leader.get("/suggestions").get_data(as_text=True)
    assert 'hx-trigger="suggestions-changed from:body"' in box
    for url, data in [
        (f"/suggestions/{ref}/replies", {"reply-body": "收到，下周讨论。"}),
        (f"/suggestions/{ref}/status", {"status": "adopted"}),
        (f"/suggestions/{ref}/public", {}),
    ]:
        r = send(leader, "POST", url, data)
        assert r.status_code == 200
        assert "suggestions-changed" in json.loads(r.headers["HX-Trigger"]), url


def test_the_refreshed_box_list_brings_its_counts_out_of_band(app, make_staff):
    leader_id, ref = named_suggestion(app, make_staff)
    leader = as_user(app, leader_id, "/suggestions")
    send(leader, "POST", f"/suggestions/{ref}/replies", {"reply-body": "收到。"})
    r = send(leader, "GET", "/suggestions?status=in_progress")
    body = r.get_data(as_text=True)
    assert "<html" not in body and 'id="box-results"' in body
    assert 'id="box-stats"' in body and 'hx-swap-oob="true"' in body
    assert "处理中" in body and "活动太多" in body
    # The list asks again with its own filters.
    assert 'hx-get="/suggestions?status=in_progress' in body


# --- a published report's header ----------------------------------------------------------


def test_publishing_a_report_updates_its_header_out_of_band(app, school):  # noqa: F811
    teacher = as_user(app, school["teacher"])
    send(teacher, "POST", "/achievements/reports/mine", {"body": "我的汇报", "action": "submit"})
    with app.app_context():
        from intranet.achievements.models import WorkReport

        report = db.session.scalar(db.select(WorkReport))
        report_id, version = report.id, report.version
    manager = as_user(app, school["manager"])
    page = manager.get(f"/achievements/reports/{report_id}").get_data(as_text=True)
    assert f'id="report-head-{report_id}"' in page and "已提交" in page
    r = send(
        manager,
        "POST",
        f"/achievements/reports/{report_id}/review",
        {"review": "很好", "decision": "publish", "version": version},
    )
    body = r.get_data(as_text=True)
    head = body[body.index(f'id="report-head-{report_id}"') :]
    assert 'hx-swap-oob="true"' in head and "已公开" in head.split("</p>")[0]


# --- the reports list names who has not started -------------------------------------------


def test_reports_list_names_members_who_have_not_started(app, school):  # noqa: F811
    teacher = as_user(app, school["teacher"])
    send(teacher, "POST", "/achievements/reports/mine", {"body": "我的汇报", "action": "submit"})
    page = as_user(app, school["manager"]).get("/achievements/reports").get_data(as_text=True)
    row = page[page.index(f'id="report-missing-{school["other"]}"') :].split("</tr>")[0]
    assert "顾雅琴" in row and "未开始" in row
    assert f'id="report-missing-{school["teacher"]}"' not in page
    assert page.count("未开始") == 1 + 3  # my own card's state, and 3 who have not started
    # A teacher reads published reports only: nobody's missing report is shown to them.
    assert "report-missing" not in teacher.get("/achievements/reports").get_data(as_text=True)


# --- the projector's check-in count --------------------------------------------------------


def test_the_projector_count_refreshes_itself(app, schedule):  # noqa: F811
    activity_id = add_activity(app, schedule)
    responsible = as_user(app, schedule["responsible"])
    page = responsible.get(f"/schedule/activities/{activity_id}/checkin-code").get_data(
        as_text=True
    )
    assert f'hx-get="/schedule/activities/{activity_id}/checkin-count"' in page
    assert 'hx-trigger="every 5s"' in page
    with app.app_context():
        db.session.add(
            Attendance(activity_id=activity_id, staff_id=schedule["teacher"], status="present")
        )
        db.session.commit()
    r = responsible.get(f"/schedule/activities/{activity_id}/checkin-count")
    assert r.status_code == 200 and "<html" not in r.get_data(as_text=True)
    assert ">1</strong>" in r.get_data(as_text=True)
    assert (
        as_user(app, schedule["teacher"])
        .get(f"/schedule/activities/{activity_id}/checkin-count")
        .status_code
        == 403
    )


# --- the printed 一览表 --------------------------------------------------------------------


def test_the_printed_plan_names_a_partner_school_place_once(app, schedule):  # noqa: F811
    add_activity(app, schedule, place="程桥中心小学", partner_school_id=schedule["partner"])
    add_activity(
        app, schedule, place="录播教室", theme="送教", partner_school_id=schedule["partner"]
    )
    printed = as_user(app, schedule["teacher"]).get("/schedule/print").get_data(as_text=True)
    assert "程桥中心小学<br>程桥中心小学" not in printed
    assert printed.count("程桥中心小学") == 2  # once as a place, once beside 录播教室


# --- the archive's printable report shows each activity's photos -----------------------------


def test_the_archive_report_shows_each_activitys_photos(app, schedule, make_staff):  # noqa: F811
    from intranet.schedule.models import Activity
    from intranet.uploads import Attachment

    leader = make_staff(role="leader", username="xiaozhang", name="周文华")
    with_photo = add_activity(app, schedule, theme="有照片的活动")
    add_activity(app, schedule, theme="没有照片的活动")
    with app.app_context():
        activity = db.session.get(Activity, with_photo)
        activity.attachments += [
            Attachment(id="p" * 32, kind="image", size=3),
            Attachment(id="d" * 32, kind="pdf", size=3),
        ]
        db.session.commit()
    page = (
        as_user(app, leader).get(f"/archive/{schedule['semester']}/report").get_data(as_text=True)
    )
    assert page.count("<img ") == 1
    assert f'src="/schedule/attachments/{"p" * 32}?thumb=1"' in page
    assert 'alt="有照片的活动 照片 1"' in page


# --- development plans: the owner's goals, and what they record themselves ------------------


def reading_plan(app, studio) -> tuple[int, int]:  # noqa: F811
    from intranet.mentoring.models import DevelopmentPlan, PlanItem
    from intranet.mentoring.services import school_year

    with app.app_context():
        year = school_year()
        plan = DevelopmentPlan(
            staff_id=studio["apprentice"],
            start_year=year,
            end_year=year + 1,
            goals="三年内成为区级骨干教师。",
        )
        plan.items.append(PlanItem(semester_id=studio["semester"], kind="reading", target=2))
        db.session.add(plan)
        db.session.commit()
        return plan.id, plan.items[0].id


def test_the_owner_reads_their_own_goals_on_their_plan(app, studio):  # noqa: F811
    reading_plan(app, studio)
    page = as_user(app, studio["apprentice"]).get(f"/mentoring/plans/{studio['apprentice']}")
    card = page.get_data(as_text=True).split("学年发展目标</h2>")[1].split("</div>")[0]
    assert "三年内成为区级骨干教师。" in card


def test_the_owner_records_a_book_read_with_a_note_or_a_file(app, studio):  # noqa: F811
    import io

    from intranet.mentoring.models import PlanRecord
    from tests.test_achievements import jpeg

    _plan, item = reading_plan(app, studio)
    owner = as_user(app, studio["apprentice"])
    url = f"/mentoring/plans/{studio['apprentice']}/items/{item}/records"
    page = owner.get(f"/mentoring/plans/{studio['apprentice']}").get_data(as_text=True)
    assert f'hx-post="{url}"' in page and "0 / 2" in page

    r = send(owner, "POST", url, {"note": "  "})
    assert r.status_code == 422 and "请写下记录" in r.get_data(as_text=True)
    r = send(owner, "POST", url, {"note": "《给教师的建议》"})
    assert r.status_code == 200 and "1 / 2" in r.get_data(as_text=True)
    assert "《给教师的建议》" in r.get_data(as_text=True)
    r = send(
        owner,
        "POST",
        url,
        {"note": "", "evidence": (io.BytesIO(jpeg()), "读书笔记.jpg")},
        content_type="multipart/form-data",
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "2 / 2" in body and "已完成" in body
    with app.app_context():
        record = db.session.scalars(db.select(PlanRecord).order_by(PlanRecord.id)).all()[-1]
        record_id = record.id
        assert record.attachment is not None and record.attachment.is_image
    evidence = f"/mentoring/plans/{studio['apprentice']}/records/{record_id}/evidence"
    assert owner.get(evidence).status_code == 200
    assert as_user(app, studio["other"]).get(evidence).status_code == 403
    # Somebody else's plan is not theirs to record in.
    other = as_user(app, studio["other"])
    assert send(other, "POST", url, {"note": "冒充"}).status_code == 403


def test_a_bad_evidence_file_is_refused_and_the_note_kept(app, studio):  # noqa: F811
    import io

    _plan, item = reading_plan(app, studio)
    owner = as_user(app, studio["apprentice"])
    url = f"/mentoring/plans/{studio['apprentice']}/items/{item}/records"
    r = send(
        owner,
        "POST",
        url,
        {"note": "读后感", "evidence": (io.BytesIO(b"MZ..."), "a.exe")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "读后感" in r.get_data(as_text=True)
    assert "0 / 2" in r.get_data(as_text=True)
