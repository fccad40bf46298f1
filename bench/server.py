"""A real studio server for the load and crash scripts: waitress in a subprocess on loopback,
and a small HTTP client that logs in and sends CSRF tokens the way a browser does.

Only loopback addresses are ever contacted.
"""

import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from intranet.clock import DEFAULT_ZONE
from intranet.schedule.services import sign_checkin

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a sentence for load tests"
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def server_today() -> date:
    """The school's today as the server subprocess sees it: it runs on the real clock, whatever
    a test process did to its own (tests pin the app's clock; the server is another process)."""
    return datetime.now(tz=ZoneInfo(os.environ.get("INTRANET_TIME_ZONE", DEFAULT_ZONE))).date()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python wsgi.py` against an instance folder, started and killed at will."""

    def __init__(self, instance: Path, threads: int = 8, command: list[str] | None = None):
        self.instance = instance
        self.command = command or ["wsgi.py"]
        self.port = free_port()
        self.threads = threads
        self.process: subprocess.Popen | None = None
        self.log = instance / "server.log"
        self.env = {
            **os.environ,
            "INTRANET_INSTANCE": str(instance),
            "INTRANET_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijkl",
            "INTRANET_HOST": "127.0.0.1",
            "INTRANET_PORT": str(self.port),
            "INTRANET_THREADS": str(threads),
            "FLASK_APP": "wsgi",
        }
        self.env.pop("INTRANET_DATABASE_URL", None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def flask(self, *args: str, stdin: str | None = None, timeout: float = 300) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return result.stdout

    def prepare(self, users: dict[str, str]) -> None:
        """Migrate an empty instance and create the given accounts {username: role}.

        The first account is made by the real command; the others share its password hash,
        copied in SQL, because hashing at production cost one by one takes a minute."""
        self.flask("db", "upgrade")
        (first, first_role), *others = users.items()
        self.flask(
            "create-user",
            first,
            "--name",
            first,
            "--role",
            first_role,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        db = sqlite3.connect(self.instance / "studio.db")
        with db:
            for n, (username, role) in enumerate(others):
                db.execute(
                    "INSERT INTO staff (username, name, pinyin, pinyin_initials, political_status,"
                    " role, active, password_hash, must_change_password, session_token, ical_token,"
                    " created_at) SELECT ?, ?, ?, '', 'non_party', ?, 1, password_hash, 0, ?, ?,"
                    " created_at FROM staff WHERE username = ?",
                    (username, username, username, role, f"bench-{n}", f"bench-ical-{n}", first),
                )
        db.close()

    def schedule(self, activities: int, today: int) -> dict:
        """A current semester with activities spread over it, `today` of them today; a few
        rows are `contested`: every manager edits the same ones."""
        day = server_today()
        db = sqlite3.connect(self.instance / "studio.db")
        with db:
            semester = db.execute(
                "INSERT INTO semester (name, start, end, is_current) VALUES (?, ?, ?, 1)",
                ("压力测试学期", str(day - timedelta(days=60)), str(day + timedelta(days=60))),
            ).lastrowid
            rows = []
            for n in range(activities):
                when = day if n < today else day + timedelta(days=n % 100 - 50)
                cursor = db.execute(
                    "INSERT INTO activity (semester_id, date, place, level, form, theme, procedure,"
                    " status, summary, checkin_token, version, invite_groups) VALUES"
                    " (?, ?, '', 'school', 'theme_seminar', ?, '', 'planned', '', ?, 1, 'staff')",
                    (semester, str(when), f"活动{n}", f"bench-checkin-{n}"),
                )
                rows.append((cursor.lastrowid, f"bench-checkin-{n}"))
        db.close()
        # Today's check-in links as the projector page shows them: the token and a signed code
        # for the activity's date (intranet.schedule.services.checkin_code).
        secret = self.env["INTRANET_SECRET_KEY"]
        return {
            "today": [
                (n, f"{token}?code={sign_checkin(secret, n, day)}") for n, token in rows[:today]
            ],
            "contested": [row[0] for row in rows[today : today + 4]],
            "day": str(day),
        }

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, *self.command], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start; see " + str(self.log))

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, like a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Client:
    """One person's browser: its own cookies, the page's CSRF token, htmx headers."""

    def __init__(self, base: str):
        self.base = base
        self.username = ""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        self.token = ""
        self.headers = {}  # the last response's headers

    def request(self, method: str, path: str, data=None, htmx: bool = False):
        """Returns (status, body text, seconds). `data`: a dict, or (name, value) pairs where a
        name repeats (a multiple select)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        path = urllib.parse.quote(path, safe="/?=&%")
        request = urllib.request.Request(self.base + path, data=body, method=method)
        if self.token:
            request.add_header("X-CSRFToken", self.token)
        if htmx:
            request.add_header("HX-Request", "true")
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
                self.headers = response.headers
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
            self.headers = error.headers
        return status, text, time.perf_counter() - started

    def login(self, username: str) -> None:
        self.username = username
        status, page, _ = self.request("GET", "/login")
        self.token = CSRF.search(page).group(1)
        status, _, _ = self.request(
            "POST", "/login", {"username": username, "password": PASSWORD, "csrf_token": self.token}
        )
        if status != 302:
            raise RuntimeError(f"login of {username} answered {status}")
        _, page, _ = self.request("GET", "/")
        self.token = CSRF.search(page).group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
