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


def toast(body, message: str, level: str = "success", events: tuple[str, ...] = ()):
    """Ask the page to show a short message (handled in static/js/app.js), and announce
    `events` that far-away parts of the page listen for (`hx-trigger="<event> from:body"`)."""
    response = make_response(body)
    triggers = {"toast": {"message": message, "level": level}} | dict.fromkeys(events, True)
    # ASCII-escaped JSON: header values must be Latin-1, htmx decodes the escapes.
    response.headers["HX-Trigger"] = json.dumps(triggers)
    return response
