"""The studio as `python wsgi.py` serves it, plus what only the benchmarks need, under the same
waitress: /bench-bare, a bare Flask app's route (what a request costs with nothing of ours in
it), and an X-Bench-Queries header counting the SQL statements each request ran.

    python bench/benchapp.py            # as wsgi.py, with gc.freeze()
    python bench/benchapp.py --no-freeze
"""

import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask, g, has_app_context
from sqlalchemy import event

import wsgi
from intranet.extensions import db

BARE_PATH = "/bench-bare"


def bench_app(app):
    with app.app_context():

        @event.listens_for(db.engine, "before_cursor_execute")
        def count(*_args):
            if has_app_context():
                g.bench_queries = g.get("bench_queries", 0) + 1

    @app.after_request
    def queries_header(response):
        response.headers["X-Bench-Queries"] = str(g.get("bench_queries", 0))
        return response

    bare = Flask("bare")

    @bare.get(BARE_PATH)
    def bare_route():
        return {"status": "ok"}

    def dispatch(environ, start_response):
        if environ.get("PATH_INFO") == BARE_PATH:
            return bare.wsgi_app(environ, start_response)
        return app.wsgi_app(environ, start_response)

    return dispatch


if __name__ == "__main__":
    if "--no-freeze" in sys.argv:
        gc.freeze = lambda: None
    wsgi.serve_app(bench_app(wsgi.app))
