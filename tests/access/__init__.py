"""The role x route matrix: each area lists who may open each of its routes.

Every rule in the app's url_map must appear in exactly one area file here, so a new route
without a rule fails tests/test_access.py. URLs may hold placeholders ({staff}, ...) that the
central test fills with ids of objects it creates; an area file may add its own objects with
a function `objects(app, world) -> dict`. A route that only an object's owner may use (an
author's follow-up, an apprentice's own plan) names that owner's world key in `owner`.
"""

from typing import NamedTuple

ADMIN = frozenset({"admin"})
LEADERS = frozenset({"admin", "leader"})
STUDIO = frozenset({"admin", "leader", "manager"})
MANAGERS = frozenset({"admin", "manager"})
EVERYONE = frozenset({"admin", "leader", "manager", "teacher"})  # every colleague
# 外聘导师: an external mentor's account. Not in EVERYONE: a route lets them in only by naming
# them (their home, their password, the pairing list); everything else refuses them.
MENTOR_GUEST = "mentor_guest"
SIGNED_IN = EVERYONE | {MENTOR_GUEST}
PUBLIC = SIGNED_IN | {"anonymous"}
ROLES = ("anonymous", MENTOR_GUEST, "teacher", "manager", "leader", "admin")


class Route(NamedTuple):
    method: str
    url: str
    allowed: frozenset  # roles that may use the route on anyone's object
    owner: str | None = None  # the world key of the one account that may use it on its own object
