"""Load test: a Monday morning at the studio against the real server (waitress, loopback only).

    .venv/bin/python bench/load.py                       # full: 50 users for 60 s
    .venv/bin/python bench/load.py --users 8 --seconds 4 # short (the test suite runs this)

Simulated people read the home page and the directory, search, and edit; each area adds its
own scenarios below. The run is bounded in time and count and stops by itself. It prints
requests per second, p50/p95/p99 per route and error counts, and checks what must hold: no 5xx,
no "database is locked" in the server's log, and every acknowledged write present afterwards.
"""

import argparse
import random
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


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        # (table, column, value) of each creation the server acknowledged with a 2xx
        self.created: list[tuple[str, str, str]] = []

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
    status, _, seconds = client.request(
        "PUT",
        f"/people/{staff_id}",
        {"name": f"教师{rng.randrange(1000)}", "username": username,
         "political_status": "non_party", "role": "teacher"},
        htmx=True,
    )  # fmt: skip
    recorder.record("PUT /people/<id> (htmx)", status, seconds)


# (weight, role that runs it, scenario). Areas append theirs.
SCENARIOS = [
    (30, "teacher", read_home),
    (20, "teacher", read_directory),
    (20, "teacher", search_directory),
    (3, "admin", admin_edits_staff),
]


def prepare(server: Server, teachers: int) -> dict:
    users = {"admin": "admin"} | {f"t{i:03d}": "teacher" for i in range(teachers)}
    server.prepare(users)
    db = sqlite3.connect(server.instance / "studio.db")
    ids = dict(db.execute("SELECT username, id FROM staff"))
    db.close()
    return {"teachers": [u for u in users if u != "admin"], "ids": ids}


def person(server, role, username, world, recorder, rng, clock, gate):
    client = Client(server.url)
    client.login(username)
    choices = [(w, s) for w, r, s in SCENARIOS if r == role]
    gate.wait()
    for _ in range(MAX_REQUESTS_PER_USER):
        if time.monotonic() >= clock["deadline"]:
            return
        scenario = rng.choices([s for _, s in choices], weights=[w for w, _ in choices])[0]
        try:
            scenario(client, rng, world, recorder)
        except (OSError, HTTPException) as error:  # a broken connection counts against the server
            recorder.record(f"connection error ({type(error).__name__})", 599, 0.0)
        time.sleep(rng.uniform(0.05, 0.3))  # a person reads before clicking again


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
        world = prepare(server, teachers=users)
        server.start()
        try:
            admins = max(1, users // 25)
            people = [("admin", "admin")] * admins + [
                ("teacher", name) for name in world["teachers"][: users - admins]
            ]
            gate = threading.Barrier(len(people), action=start_clock)
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
                    ),
                    daemon=True,
                )
                for role, username in people
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=seconds + 300)
            elapsed = time.monotonic() - clock["started"]
        finally:
            server.stop()
        log = server.log.read_text(errors="replace")
        missing = check_writes(server, recorder)
    return summarize(recorder, elapsed, log) | {"missing_writes": missing}


def check_writes(server: Server, recorder: Recorder) -> int:
    """How many acknowledged creations are not in the database."""
    db = sqlite3.connect(server.instance / "studio.db")
    try:
        return sum(
            db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (value,)).fetchone()[0]
            == 0
            for table, column, value in recorder.created
        )
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
    print(f"load: {users} users, {result['seconds']:.0f} s, {result['requests']} requests, "
          f"{result['rps']:.1f} req/s, 5xx: {result['errors_5xx']}, "
          f"database is locked: {result['database_locked']}, "
          f"acknowledged writes missing: {result['missing_writes']}")  # fmt: skip
    print(f"{'route':<34}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for route, row in result["routes"].items():
        print(f"{route:<34}{row['count']:>7}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
              f"{row['p99_ms']:>9.1f}  {row['statuses']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    result = run(args.users, args.seconds)
    print_report(result, args.users)
    if result["errors_5xx"] or result["database_locked"] or result["missing_writes"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
