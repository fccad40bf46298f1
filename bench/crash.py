"""Crash test: writes under way, the server killed with SIGKILL at random moments, restarted;
the database must pass `PRAGMA integrity_check` and hold every write that was acknowledged.

    .venv/bin/python bench/crash.py            # full: 20 kills
    .venv/bin/python bench/crash.py --rounds 3 # short (the test suite runs this)

With synchronous=FULL (intranet/db.py) every acknowledged commit is on disk before the answer,
so it survives a process crash and a power cut alike. An application crash like this one would
be survived at any synchronous level; a power cut is not something a script can simulate.
"""

import argparse
import random
import sqlite3
import sys
import tempfile
import threading
import time
from http.client import HTTPException
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import Client, Server

WRITERS = 4


def write_until_killed(client: Client, name: str, acknowledged: list[str], stop: threading.Event):
    n = 0
    while not stop.is_set():
        username = f"{name}-{n}"
        n += 1
        try:
            status, _, _ = client.request(
                "POST",
                "/people",
                {
                    "name": "崩溃测试",
                    "username": username,
                    "political_status": "non_party",
                    "role": "teacher",
                },
                htmx=True,
            )
        except (OSError, HTTPException):
            return  # the server is gone: this write was never acknowledged
        if status == 200:
            acknowledged.append(username)
        elif status >= 500:
            raise RuntimeError(f"server answered {status}")


def run(rounds: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        server = Server(instance)
        server.prepare({"admin": "admin"})
        acknowledged: list[str] = []
        server.start()
        # Logged in once: sessions live in signed cookies and the database, so they outlive crashes.
        clients = [Client(server.url) for _ in range(WRITERS)]
        for client in clients:
            client.login("admin")
        for round_number in range(rounds):
            if round_number:
                server.start()
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=write_until_killed,
                    args=(client, f"r{round_number}w{i}", acknowledged, stop),
                )
                for i, client in enumerate(clients)
            ]
            before = len(acknowledged)
            for thread in threads:
                thread.start()
            # Killed while writes flow: on a busy machine the first one can take seconds (a new
            # account's password is hashed), and a round that wrote nothing proves nothing.
            deadline = time.monotonic() + 60
            while len(acknowledged) == before:
                if time.monotonic() > deadline or not any(t.is_alive() for t in threads):
                    server.kill()
                    raise RuntimeError(f"round {round_number}: no write acknowledged")
                time.sleep(0.05)
            time.sleep(rng.uniform(0.2, 1.5))
            server.kill()
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            check = sqlite3.connect(instance / "studio.db")
            try:
                integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
                present = {row[0] for row in check.execute("SELECT username FROM staff")}
            finally:
                check.close()
            missing = [u for u in acknowledged if u not in present]
            if integrity != "ok" or missing:
                raise AssertionError(f"round {round_number}: {integrity}, missing {missing[:5]}")
        return {"rounds": rounds, "acknowledged_writes": len(acknowledged), "integrity": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    started = time.monotonic()
    result = run(args.rounds)
    print(
        f"crash test: {result['rounds']} SIGKILLs, {result['acknowledged_writes']} acknowledged"
        f" writes, all present; integrity_check {result['integrity']}"
        f" ({time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
