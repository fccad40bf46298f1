"""Benchmark: the leaders' dashboard on a generated school with ten years of data, in-process.

    .venv/bin/python bench/dashboard.py            # 40 rounds
    .venv/bin/python bench/dashboard.py --rounds 10

Generates about 600 staff, 20 semesters, 4,000 activities, 60,000 attendance rows, 5,000
suggestions and 3,000 achievements with bulk inserts, then prints median and p95 server time of
GET /dashboard beside GET /healthz measured in the same run (compare the ratio across machines).
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade
from sqlalchemy import insert
from timing import line, timed

from intranet import create_app
from intranet.achievements.models import Achievement
from intranet.clock import school_today
from intranet.extensions import db
from intranet.people.models import POLITICAL_STATUSES, Staff
from intranet.schedule.models import FORMS, LEVELS, Activity, Attendance, Semester
from intranet.suggestions.models import Suggestion

STAFF, ACTIVITIES, ATTENDANCE, SUGGESTIONS, ACHIEVEMENTS = 600, 4000, 60_000, 5000, 3000


def build(folder: Path):
    rng = random.Random(1)
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "benchmark-secret-key-0123456789-abcdefghij",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'studio.db'}",
        }
    )
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        statuses = list(POLITICAL_STATUSES)
        db.session.execute(
            insert(Staff),
            [
                {
                    "username": f"t{i:04d}",
                    "name": f"教师{i}",
                    "pinyin": f"jiaoshi{i}",
                    "pinyin_initials": "js",
                    "role": "leader" if i == 0 else "teacher",
                    "political_status": statuses[i % len(statuses)],
                    "must_change_password": False,
                    "session_token": f"token-{i}",
                    "ical_token": f"ical-{i}",
                    "active": True,
                    "created_at": school_today(),
                }
                for i in range(STAFF)
            ],
        )
        today = school_today()
        first_year = today.year - 10
        semesters = []
        for year in range(first_year, today.year + 1):
            school_year = f"{year}-{year + 1}学年"
            semesters += [
                (f"{school_year}第一学期", date(year, 9, 1), date(year + 1, 1, 20)),
                (f"{school_year}第二学期", date(year + 1, 2, 20), date(year + 1, 7, 5)),
            ]
        semesters = [s for s in semesters if s[1] <= today][-20:]
        db.session.execute(
            insert(Semester),
            [
                {"name": n, "start": s, "end": e, "is_current": i == len(semesters) - 1}
                for i, (n, s, e) in enumerate(semesters)
            ],
        )
        ids = db.session.scalars(db.select(Semester.id).order_by(Semester.start)).all()
        levels, forms = list(LEVELS), list(FORMS)
        rows = []
        for n in range(ACTIVITIES):
            k = n % len(ids)
            start, end = semesters[k][1], min(semesters[k][2], today)
            day = start + timedelta(days=rng.randrange(max((end - start).days, 1)))
            rows.append(
                {
                    "semester_id": ids[k],
                    "date": day,
                    "theme": f"活动{n}",
                    "level": levels[n % 3],
                    "form": forms[n % len(forms)],
                    "place": "",
                    "procedure": "",
                    "summary": "",
                    "status": "done",
                    "checkin_token": f"c{n}",
                    "version": 1,
                }
            )
        db.session.execute(insert(Activity), rows)
        activity_ids = db.session.scalars(db.select(Activity.id)).all()
        pairs = set()
        while len(pairs) < ATTENDANCE:
            pairs.add((rng.choice(activity_ids), rng.randrange(1, STAFF + 1)))
        db.session.execute(
            insert(Attendance),
            [
                {
                    "activity_id": a,
                    "staff_id": s,
                    "reason": "",
                    "status": "present" if rng.random() < 0.8 else "absent",
                }
                for a, s in pairs
            ],
        )
        db.session.execute(
            insert(Suggestion),
            [
                {
                    "author_id": rng.randrange(1, STAFF + 1),
                    "category": "other",
                    "title": f"建议{n}",
                    "body": "内容",
                    "status": rng.choice(["pending", "adopted", "declined", "done"]),
                    "created_on": today - timedelta(days=rng.randrange(3650)),
                }
                for n in range(SUGGESTIONS)
            ],
        )
        db.session.execute(
            insert(Achievement),
            [
                {
                    "staff_id": rng.randrange(1, STAFF + 1),
                    "kind": "award",
                    "level": rng.choice(["national", "provincial", "city", "district", "school"]),
                    "title": f"成果{n}",
                    "issuer": "",
                    "created_at": today,
                    "awarded_on": today - timedelta(days=rng.randrange(3650)),
                }
                for n in range(ACHIEVEMENTS)
            ],
        )
        db.session.commit()
    print(f"generated in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(_user_id="token-0", _fresh=True, login_at=time.time())
    return app, client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, client = build(Path(folder))
        assert client.get("/dashboard").status_code == 200

        def dashboard():
            assert client.get("/dashboard").status_code == 200

        health = timed(lambda: client.get("/healthz"), args.rounds)
        base = statistics.median(health)
        print(line("GET /healthz", health, base, width=18))
        print(line("GET /dashboard", timed(dashboard, args.rounds), base, width=18))
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
