"""Entry point: `flask --app wsgi ...` for commands, `python wsgi.py` to serve with waitress."""

import gc
import os

from intranet import create_app

app = create_app()


def serve_app(wsgi_app) -> None:
    from waitress import serve

    # Everything loaded at start (modules, templates, the app) lives as long as the process:
    # moving it out of the collector's generations spares every collection from scanning it.
    gc.collect()
    gc.freeze()
    # Threads bound concurrent password hashes and SQLite writers; see README "Running it for real".
    serve(
        wsgi_app,
        host=os.environ.get("INTRANET_HOST", "0.0.0.0"),
        port=int(os.environ.get("INTRANET_PORT", "8000")),
        threads=int(os.environ.get("INTRANET_THREADS", "8")),
        ident="studio",
    )


if __name__ == "__main__":
    serve_app(app)
