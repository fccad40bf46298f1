"""Access rules of achievements, work reports and the evaluation: everyone records their own
achievements and report; managers verify and review; leaders, managers and admins see every
member's score, a teacher only their own (the world's records belong to the target teacher)."""

from datetime import timedelta

from intranet.clock import school_today
from intranet.extensions import db
from tests.access import EVERYONE, MANAGERS, STUDIO, Route

ACHIEVEMENT = "/achievements/{achievement}"
REPORT = "/achievements/reports/{report}"

ROUTES = {
    "achievements.index": Route("GET", "/achievements", EVERYONE),
    "achievements.create": Route("POST", "/achievements", EVERYONE),
    "achievements.show": Route("GET", ACHIEVEMENT, STUDIO, owner="staff"),
    "achievements.edit": Route("GET", ACHIEVEMENT + "/edit", MANAGERS, owner="staff"),
    "achievements.update": Route("PUT", ACHIEVEMENT, MANAGERS, owner="staff"),
    "achievements.verify": Route("POST", ACHIEVEMENT + "/verify", MANAGERS),
    "achievements.delete": Route("DELETE", ACHIEVEMENT, MANAGERS, owner="staff"),
    "achievements.certificate": Route("GET", ACHIEVEMENT + "/certificate", STUDIO, owner="staff"),
    "achievements.reports.index": Route("GET", "/achievements/reports", EVERYONE),
    "achievements.reports.edit": Route("GET", "/achievements/reports/mine", EVERYONE),
    "achievements.reports.update": Route("POST", "/achievements/reports/mine", EVERYONE),
    "achievements.reports.show": Route("GET", REPORT, STUDIO, owner="staff"),
    "achievements.reports.review": Route("POST", REPORT + "/review", MANAGERS),
    "achievements.reports.attachment": Route(
        "GET", REPORT + "/attachments/nothing", STUDIO, owner="staff"
    ),
    # The access world's report is submitted: nobody, its author included, takes files out.
    "achievements.reports.delete_attachment": Route(
        "POST", REPORT + "/attachments/nothing/delete", frozenset()
    ),
    "achievements.evaluation.index": Route("GET", "/achievements/evaluation", STUDIO),
    "achievements.evaluation.mine": Route("GET", "/achievements/evaluation/mine", EVERYONE),
    "achievements.evaluation.show": Route(
        "GET", "/achievements/evaluation/{staff}", STUDIO, owner="staff"
    ),
    "achievements.evaluation.export": Route("GET", "/achievements/evaluation/export.xlsx", STUDIO),
    "achievements.evaluation.scheme": Route("GET", "/achievements/evaluation/scheme", MANAGERS),
    "achievements.evaluation.update_scheme": Route(
        "POST", "/achievements/evaluation/scheme", MANAGERS
    ),
}


def objects(app, world) -> dict:
    """An unverified achievement with a certificate and a submitted (unpublished) report, both
    the target teacher's."""
    from intranet.achievements.models import Achievement, WorkReport
    from intranet.schedule.models import Semester
    from intranet.uploads import Attachment

    with app.app_context():
        today = school_today()
        # Not current: the schedule's objects (built after these) add the current semester.
        semester = Semester(
            name="上学期", start=today - timedelta(days=200), end=today - timedelta(days=100)
        )
        certificate = Attachment(id="c" * 32, kind="pdf", size=9, original_name="证书.pdf")
        achievement = Achievement(
            staff_id=world["staff"],
            kind="award",
            level="district",
            title="优质课一等奖",
            awarded_on=school_today(),
            attachments=[certificate],
        )
        report = WorkReport(
            staff_id=world["staff"], semester=semester, body="本学期工作", state="submitted"
        )
        db.session.add_all([achievement, report])
        db.session.commit()
        path = certificate.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4\n")
        return {"achievement": achievement.id, "report": report.id}
