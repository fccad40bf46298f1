"""SQL statements built once and sent many times.

A page that sends a large statement (the dashboard's tallies: some thirty grouped counts in one
union) spent more time building it and working out its key for SQLAlchemy's compiled cache
than the database spent running it. A statement is an immutable value tied to no connection,
and SQLAlchemy keeps its cache key on it, so one built from the same values can be sent again.
"""

from functools import wraps

from intranet.clock import school_today

SIZE = 256  # statements kept per builder; full, it starts over


def built_once(key):
    """Decorate a function that builds statements: it is called once per school day and
    `key(*args, **kwargs)`, the values the statement is made of (ids, dates). It must read
    nothing else that changes: not the time of day, not the database, not the user. A list it
    returns comes back as a tuple, so no caller can change what others get."""

    def decorator(build):
        kept: dict = {}

        @wraps(build)
        def cached(*args, **kwargs):
            found_key = (school_today(), key(*args, **kwargs))
            found = kept.get(found_key)
            if found is None:
                if len(kept) >= SIZE:
                    kept.clear()
                found = build(*args, **kwargs)
                found = kept[found_key] = tuple(found) if isinstance(found, list) else found
            return found

        return cached

    return decorator
