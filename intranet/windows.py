"""Long lists are sent a window at a time: the first PAGE rows with the page, then 更多 fetches
the next PAGE in place of its button (htmx), or opens the list from that row without JavaScript.
The count beside a list comes from SQL, never from the rows sent."""

from urllib.parse import urlencode

from flask import request, url_for

from intranet.forms import whole_number

PAGE = 50


def offset_arg() -> int:
    """Where this window starts (?offset=); anything that is not a number means the start."""
    return min(whole_number(request.args.get("offset")) or 0, 10**9)


def next_window_url(endpoint: str, offset: int, **args) -> str:
    """The URL of the window after the one starting at `offset`, keeping the list's filters."""
    query = {name: value for name, value in args.items() if value}
    return url_for(endpoint) + "?" + urlencode({**query, "offset": offset + PAGE})
