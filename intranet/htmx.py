"""HTMX helpers: one place decides "fragment or whole page", and how to tell the user things."""

import json

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render(page: str, partial: str, status: int = 200, headers=None, **context) -> Response:
    """Render the partial for an htmx request and the whole page otherwise."""
    return partial_response(partial if is_htmx() else page, status, headers, **context)


def partial_response(template: str, status: int = 200, headers=None, **context) -> Response:
    """A rendered template as a response, so callers add headers instead of unpacking tuples."""
    return make_response(render_template(template, **context), status, headers or {})


def toast(body, message: str, level: str = "success"):
    """Ask the page to show a short message (handled in static/js/app.js)."""
    response = make_response(body)
    # ASCII-escaped JSON: header values must be Latin-1, htmx decodes the escapes.
    response.headers["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response
