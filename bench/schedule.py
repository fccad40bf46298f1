"""Benchmark: the schedule page and a row save at 200 and 2,000 activities, in-process.

    .venv/bin/python bench/schedule.py            # 200 and 2,000 activities, 40 rounds each
    .venv/bin/python bench/schedule.py --rounds 5 # quicker

Prints median and p95 server time of GET /schedule, of the htmx filter request, and of a row
save (PUT), each beside GET /healthz measured in the same run (the ratio is what to compare
across machines, which are shared and noisy), and the bytes of a row partial against the
whole page: the reason inline editing feels instant on a phone.
"""

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade
from timing import line, timed

from intranet import create_app
from intranet.clock import school_today
from intranet.extensions import db
from intranet.people.models import Staff
from intranet.schedule.models import FORMS, LEVELS, Activity, PartnerSchool, Semester

VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def build(folder: Path, activities: int):
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "benchmark-secret-key-0123456789-abcdefghij",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'studio.db'}",
        }
    )
    with app.app_context():
        upgrade()
        staff = [Staff(username=f"t{i:03d}", name=f"教师{i}", role="teacher") for i in range(60)]
        manager = Staff(
            username="manager", name="管理组", role="manager", must_change_password=False
        )
        school = PartnerSchool(name="程桥中心小学")
        today = school_today()
        semester = Semester(
            name="测试学期",
            start=today - timedelta(days=100),
            end=today + timedelta(days=100),
            is_current=True,
        )
        db.session.add_all([*staff, manager, school, semester])
        db.session.flush()
        levels, forms = list(LEVELS), list(FORMS)
        db.session.add_all(
            Activity(
                semester_id=semester.id,
                date=semester.start + timedelta(days=i % 200),
                level=levels[i % 3],
                form=forms[i % len(forms)],
                theme=f"活动主题{i}",
                procedure="导师执教\n评课研讨",
                place="录播教室",
                responsible_id=staff[i % 60].id,
                partner_school_id=school.id if i % 3 == 1 else None,
                presenters=[staff[(i + 1) % 60], staff[(i + 7) % 60]],
            )
            for i in range(activities)
        )
        db.session.commit()
        first = db.session.scalar(db.select(Activity.id).order_by(Activity.id))
        token = manager.session_token
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(_user_id=token, _fresh=True, login_at=time.time())
    return app, client, first


def measure(activities: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, client, activity_id = build(Path(folder), activities)
        page = client.get("/schedule")
        assert page.status_code == 200
        headers = {
            "X-CSRFToken": CSRF.search(page.get_data(as_text=True)).group(1),
            "HX-Request": "true",
        }
        health = statistics.median(timed(lambda: client.get("/healthz"), rounds))

        def save():
            form = client.get(f"/schedule/activities/{activity_id}/edit", headers=headers)
            version = VERSION.search(form.get_data(as_text=True)).group(1)
            r = client.put(
                f"/schedule/activities/{activity_id}",
                headers=headers,
                data={
                    "date": school_today().isoformat(),
                    "level": "school",
                    "kind": "demo_lesson",
                    "theme": f"保存{time.perf_counter()}",
                    "status": "planned",
                    "version": version,
                },
            )
            assert r.status_code == 200, r.status_code

        saved = client.get(f"/schedule/activities/{activity_id}", headers=headers)
        print(f"{activities} activities (GET /healthz median {1000 * health:.2f} ms)")
        print(line("GET /schedule", timed(lambda: client.get("/schedule"), rounds), health))
        print(
            line(
                "GET /schedule?level (htmx)",
                timed(lambda: client.get("/schedule?level=cluster", headers=headers), rounds),
                health,
            )
        )
        print(line("edit + PUT a row", timed(save, rounds), health))
        print(
            f"  bytes: row partial {len(saved.data):,} vs whole page {len(page.data):,}"
            f" ({len(page.data) / len(saved.data):.0f}×)"
        )
        with app.app_context():
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    for activities in (200, 2000):
        measure(activities, args.rounds)


if __name__ == "__main__":
    main()
