"""Load test: a Monday morning at the studio against the real server (waitress, loopback only).

    .venv/bin/python bench/load.py                       # full: 50 users for 60 s
    .venv/bin/python bench/load.py --users 8 --seconds 4 # short (the test suite runs this)

Simulated people read the home page, the directory and the schedule, search, check in to
today's activities and write suggestions; managers edit schedule rows that other managers edit
too. Each area adds its own scenarios below. The run is bounded in time and count and stops by
itself. It prints requests per second, p50/p95/p99 per route and error counts, and checks what
must hold: no 5xx, no "database is locked" in the server's log, every acknowledged write present
afterwards, and no lost update: two saves of a schedule row from the same version never both
succeed, so a lost race is answered 409 and nobody's row is silently overwritten.
"""

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from http.client import HTTPException
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import Client, Server

MAX_REQUESTS_PER_USER = 10_000
# Every wait is bounded: a client whose login hangs breaks the start barrier for everyone after
# this long (or at once, when its login fails), and the run fails saying so.
START_TIMEOUT = 120


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        # (table, {column: value}) of each creation the server acknowledged with a 2xx
        self.created: list[tuple[str, dict]] = []
        # (activity id, version the form carried) of each row save answered 200
        self.saved_versions: list[tuple[int, int]] = []
        # per writing scenario: how many writes it attempted, and how many were acknowledged
        self.meant: dict[str, int] = defaultdict(int)
        self.wrote: dict[str, int] = defaultdict(int)
        self.died: list[str] = []  # "username: why" of each simulated person that stopped early

    def meant_to_write(self, scenario: str) -> None:
        with self.lock:
            self.meant[scenario] += 1

    def acknowledged(self, scenario: str) -> None:
        with self.lock:
            self.wrote[scenario] += 1

    def death(self, username: str, why: str) -> None:
        with self.lock:
            self.died.append(f"{username}: {why}")

    def created_row(self, table: str, **columns) -> None:
        with self.lock:
            self.created.append((table, columns))

    def record(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.times[route].append(seconds)
            self.statuses[route][status] += 1


def read_home(client, rng, world, recorder):
    status, _, seconds = client.request("GET", "/")
    recorder.record("GET /", status, seconds)


def read_directory(client, rng, world, recorder):
    status, _, seconds = client.request("GET", "/people")
    recorder.record("GET /people", status, seconds)


def search_directory(client, rng, world, recorder):
    q = rng.choice(["z", "zh", "wang", "l", "t0", "张", "李"])
    status, _, seconds = client.request("GET", f"/people?q={q}", htmx=True)
    recorder.record("GET /people?q (htmx)", status, seconds)


def admin_edits_staff(client, rng, world, recorder):
    username = rng.choice(world["teachers"])
    staff_id = world["ids"][username]
    recorder.meant_to_write("admin_edits_staff")
    status, _, seconds = client.request(
        "PUT",
        f"/people/{staff_id}",
        {
            "name": f"教师{rng.randrange(1000)}",
            "username": username,
            "political_status": "non_party",
            "role": "teacher",
        },
        htmx=True,
    )
    recorder.record("PUT /people/<id> (htmx)", status, seconds)
    if status == 200:
        recorder.acknowledged("admin_edits_staff")


def read_schedule(client, rng, world, recorder):
    status, _, seconds = client.request("GET", "/schedule")
    recorder.record("GET /schedule", status, seconds)


def filter_schedule(client, rng, world, recorder):
    level = rng.choice(["school", "cluster", "district"])
    status, _, seconds = client.request("GET", f"/schedule?level={level}", htmx=True)
    recorder.record("GET /schedule?level (htmx)", status, seconds)


def check_in(client, rng, world, recorder):
    activity_id, token = rng.choice(world["today"])
    recorder.meant_to_write("check_in")
    status, _, seconds = client.request("POST", f"/schedule/checkin/{token}", {}, htmx=True)
    recorder.record("POST /schedule/checkin/<token>", status, seconds)
    if 200 <= status < 300:
        recorder.acknowledged("check_in")
        staff_id = world["ids"][client.username]
        recorder.created_row("attendance", activity_id=activity_id, staff_id=staff_id)


VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def manager_edits_row(client, rng, world, recorder):
    """Open a row, think, save: managers share a few rows, so some saves race and must 409."""
    activity_id = rng.choice(world["contested"])
    status, form, seconds = client.request(
        "GET", f"/schedule/activities/{activity_id}/edit", htmx=True
    )
    recorder.record("GET /schedule/activities/<id>/edit", status, seconds)
    if status != 200:
        return
    version = int(VERSION.search(form).group(1))
    time.sleep(rng.uniform(0.0, 0.4))
    theme = f"研讨课{rng.randrange(10**6)}"
    recorder.meant_to_write("manager_edits_row")
    status, _, seconds = client.request(
        "PUT",
        f"/schedule/activities/{activity_id}",
        {
            "date": world["day"],
            "level": "school",
            "kind": "theme_seminar",
            "theme": theme,
            "status": "planned",
            "version": str(version),
        },
        htmx=True,
    )
    recorder.record("PUT /schedule/activities/<id> (htmx)", status, seconds)
    if status == 200:
        recorder.acknowledged("manager_edits_row")
        with recorder.lock:
            recorder.saved_versions.append((activity_id, version))


def submit_suggestion(client, rng, world, recorder):
    title = f"建议{rng.randrange(10**9)}"
    identity = rng.choice(["named", "anonymous"])
    recorder.meant_to_write("submit_suggestion")
    status, _, seconds = client.request(
        "POST",
        "/suggestions",
        {
            "category": "activities",
            "title": title,
            "body": "希望活动形式更多样。",
            "identity": identity,
        },
        htmx=True,
    )
    recorder.record(f"POST /suggestions ({identity})", status, seconds)
    if 200 <= status < 300:
        recorder.acknowledged("submit_suggestion")
        table = "suggestion" if identity == "named" else "anonymous_suggestion"
        recorder.created_row(table, title=title)


# (weight, role that runs it, scenario). Areas append theirs.
SCENARIOS = [
    (20, "teacher", read_home),
    (10, "teacher", read_directory),
    (10, "teacher", search_directory),
    (20, "teacher", read_schedule),
    (10, "teacher", filter_schedule),
    (8, "teacher", check_in),
    (3, "teacher", submit_suggestion),
    (3, "admin", admin_edits_staff),
    (10, "manager", manager_edits_row),
    (3, "manager", read_schedule),
]
# Scenarios that write: each must have written something by the end of a run.
WRITERS = {admin_edits_staff, check_in, manager_edits_row, submit_suggestion}


def prepare(server: Server, teachers: int, managers: int) -> dict:
    users = (
        {"admin": "admin"}
        | {f"m{i:03d}": "manager" for i in range(managers)}
        | {f"t{i:03d}": "teacher" for i in range(teachers)}
    )
    server.prepare(users)
    db = sqlite3.connect(server.instance / "studio.db")
    ids = dict(db.execute("SELECT username, id FROM staff"))
    schedule = server.schedule(activities=60, today=6)
    db.close()
    return {
        "teachers": [u for u, role in users.items() if role == "teacher"],
        "managers": [u for u, role in users.items() if role == "manager"],
        "ids": ids,
        **schedule,
    }


def person(server, role, username, world, recorder, rng, clock, gate, turn):
    """One simulated person. Anything that stops them early is recorded (the run then fails),
    and breaks the start barrier so nobody waits for someone who will never arrive."""
    try:
        client = Client(server.url)
        client.login(username)
    except Exception as error:
        recorder.death(username, f"login failed ({type(error).__name__}: {error})")
        gate.abort()
        return
    choices = [(w, s) for w, r, s in SCENARIOS if r == role]
    # Each person's first act is one of their role's writing scenarios, in turn, so a short run
    # exercises every writer and "a scenario wrote nothing" means a real failure.
    writers = [s for _, s in choices if s in WRITERS]
    first = [writers[turn % len(writers)]] if writers else []
    try:
        gate.wait(timeout=START_TIMEOUT)
    except threading.BrokenBarrierError:
        recorder.death(username, "the start barrier broke (another client did not log in)")
        return
    try:
        for n in range(MAX_REQUESTS_PER_USER):
            if time.monotonic() >= clock["deadline"]:
                return
            if n < len(first):
                scenario = first[n]
            else:
                scenario = rng.choices([s for _, s in choices], weights=[w for w, _ in choices])[0]
            try:
                scenario(client, rng, world, recorder)
            except (OSError, HTTPException) as error:  # a broken connection counts against it
                recorder.record(f"connection error ({type(error).__name__})", 599, 0.0)
            time.sleep(rng.uniform(0.05, 0.3))  # a person reads before clicking again
    except Exception as error:
        recorder.death(username, f"stopped ({type(error).__name__}: {error})")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(users: int = 50, seconds: float = 60, seed: int = 1) -> dict:
    rng = random.Random(seed)
    recorder = Recorder()
    clock = {"deadline": float("inf")}

    def start_clock():  # once everyone has logged in (scrypt is slow on purpose)
        clock["started"] = time.monotonic()
        clock["deadline"] = clock["started"] + seconds

    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder), threads=8)
        admins, managers = max(1, users // 25), max(2, users // 10)
        world = prepare(server, teachers=users, managers=managers)
        server.start()
        try:
            people = (
                [("admin", "admin")] * admins
                + [("manager", name) for name in world["managers"]]
                + [("teacher", name) for name in world["teachers"][: users - admins - managers]]
            )
            gate = threading.Barrier(len(people), action=start_clock, timeout=START_TIMEOUT)
            threads = [
                threading.Thread(
                    target=person,
                    args=(
                        server,
                        role,
                        username,
                        world,
                        recorder,
                        random.Random(rng.random()),
                        clock,
                        gate,
                        turn,
                    ),
                    daemon=True,
                )
                for turn, (role, username) in enumerate(people)
            ]
            for thread in threads:
                thread.start()
            # One deadline for all: the start barrier's, the run, and a minute to finish.
            end = time.monotonic() + START_TIMEOUT + seconds + 60
            for thread in threads:
                thread.join(timeout=max(0.0, end - time.monotonic()))
            hung = sum(thread.is_alive() for thread in threads)
            if hung:
                recorder.death(f"{hung} clients", "still running after the deadline")
            elapsed = time.monotonic() - clock.get("started", time.monotonic())
        finally:
            server.stop()
        log = server.log.read_text(errors="replace")
        missing = check_writes(server, recorder)
        lost = lost_updates(server, recorder)
    silent = sorted(
        scenario.__name__ for scenario in WRITERS if not recorder.wrote.get(scenario.__name__)
    )
    return summarize(recorder, elapsed, log) | {
        "missing_writes": missing,
        "lost_updates": lost,
        "clients_died": list(recorder.died),
        "silent_writers": silent,
        "writes": {name: (recorder.meant[name], recorder.wrote[name]) for name in recorder.meant},
    }


FAILURES = (
    "errors_5xx",
    "database_locked",
    "missing_writes",
    "lost_updates",
    "clients_died",
    "silent_writers",
)


def failed(result: dict) -> list[str]:
    """What went wrong, in words; empty when the run passed."""
    return [name for name in FAILURES if result[name]]


def check_writes(server: Server, recorder: Recorder) -> int:
    """How many acknowledged creations are not in the database."""
    db = sqlite3.connect(server.instance / "studio.db")
    try:
        missing = 0
        for table, columns in recorder.created:
            where = " AND ".join(f"{column} = ?" for column in columns)
            query = f"SELECT count(*) FROM {table} WHERE {where}"
            missing += db.execute(query, tuple(columns.values())).fetchone()[0] == 0
        return missing
    finally:
        db.close()


def lost_updates(server: Server, recorder: Recorder) -> int:
    """Saves that overwrote another: two successes from one version of a row, or a row whose
    version does not count exactly its successful saves."""
    seen = set(recorder.saved_versions)
    lost = len(recorder.saved_versions) - len(seen)
    db = sqlite3.connect(server.instance / "studio.db")
    try:
        for activity_id in {activity for activity, _ in seen}:
            version = db.execute("SELECT version FROM activity WHERE id = ?", (activity_id,))
            saves = sum(1 for activity, _ in seen if activity == activity_id)
            lost += version.fetchone()[0] - 1 != saves
        return lost
    finally:
        db.close()


def summarize(recorder: Recorder, elapsed: float, log: str) -> dict:
    total = sum(len(v) for v in recorder.times.values())
    errors_5xx = sum(
        count
        for codes in recorder.statuses.values()
        for code, count in codes.items()
        if code >= 500
    )
    routes = {
        route: {
            "count": len(times),
            "p50_ms": 1000 * statistics.median(times),
            "p95_ms": 1000 * percentile(times, 0.95),
            "p99_ms": 1000 * percentile(times, 0.99),
            "statuses": dict(recorder.statuses[route]),
        }
        for route, times in sorted(recorder.times.items())
    }
    return {
        "requests": total,
        "seconds": elapsed,
        "rps": total / elapsed if elapsed else 0.0,
        "errors_5xx": errors_5xx,
        "database_locked": log.count("database is locked"),
        "routes": routes,
    }


def print_report(result: dict, users: int) -> None:
    print(
        f"load: {users} users, {result['seconds']:.0f} s, {result['requests']} requests, "
        f"{result['rps']:.1f} req/s, 5xx: {result['errors_5xx']}, "
        f"database is locked: {result['database_locked']}, "
        f"acknowledged writes missing: {result['missing_writes']}, "
        f"lost updates: {result['lost_updates']}"
    )
    for name, (meant, wrote) in sorted(result["writes"].items()):
        print(f"  writes by {name}: {wrote} acknowledged of {meant} attempted")
    for death in result["clients_died"]:
        print(f"  CLIENT DIED: {death}")
    for name in result["silent_writers"]:
        print(f"  SCENARIO WROTE NOTHING: {name}")
    print(f"{'route':<40}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for route, row in result["routes"].items():
        print(
            f"{route:<40}{row['count']:>7}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
            f"{row['p99_ms']:>9.1f}  {row['statuses']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    result = run(args.users, args.seconds)
    print_report(result, args.users)
    if problems := failed(result):
        print("FAILED: " + ", ".join(problems))
        sys.exit(1)
    print("passed")


if __name__ == "__main__":
    main()
