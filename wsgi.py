"""Entry point: `flask --app wsgi ...` for commands, `python wsgi.py` to serve with waitress."""

import os

from intranet import create_app

app = create_app()

if __name__ == "__main__":
    from waitress import serve

    # Threads bound concurrent password hashes and SQLite writers; see README "Running it for real".
    serve(
        app,
        host=os.environ.get("INTRANET_HOST", "0.0.0.0"),
        port=int(os.environ.get("INTRANET_PORT", "8000")),
        threads=int(os.environ.get("INTRANET_THREADS", "8")),
        ident="studio",
    )
