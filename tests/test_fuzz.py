"""Hostile and random input on every route: never a 5xx, and text always comes back escaped.

Field names come from every form class of the app, so a new form is fuzzed without a change
here; URLs and objects come from the access matrix in tests/access/.
"""

import inspect
import pkgutil
from importlib import import_module

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intranet
from intranet.forms import Form
from tests.access import ROLES
from tests.conftest import csrf_token, login_as
from tests.test_access import ROUTES, build_world  # noqa: F401 (built_world runs it)

CANARY = "<b hx-get=/logout>x</b>"
HOSTILE = [
    CANARY,
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "'; DROP TABLE staff; --",
    "\x00\x01\x1b[31m",
    "\u202e\u200b",
    "🌟" * 50,
    " " * 10,
    "",
    "x" * 5000,
    "99999999999999999999999",
    "-1",
    "0",
    "1e308",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "2025-02-30",
    "25:61",
    "../../etc/passwd",
]
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60))


def form_field_names() -> list[str]:
    names = set()
    for module_info in pkgutil.walk_packages(intranet.__path__, "intranet."):
        if not module_info.name.endswith(".forms"):
            continue
        module = import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls is not Form:
                names |= {
                    name
                    for name, value in vars(cls).items()
                    if hasattr(value, "field_class") and name != "csrf_token"
                }
    return sorted(names)


FIELDS = form_field_names()
WRITES = sorted(e for e, r in ROUTES.items() if r.method != "GET" and "anonymous" not in r.allowed)
READS = sorted(e for e, r in ROUTES.items() if r.method == "GET")


@pytest.fixture
def database_url(request, built_world, world_files):
    """The access matrix's world, built once for the module: a write route's examples work on
    a copy of their own, the pages read the world itself."""
    if ROUTES[request.node.callspec.params["endpoint"]].method != "GET":
        return request.getfixturevalue("world_database_url")
    return built_world.url


def most_powerful_user(route, world) -> int:
    """The owner for owner-only routes, else the strongest role the route allows."""
    if route.owner:
        return world[route.owner]
    return world[next(role for role in reversed(ROLES) if role in route.allowed)]


def assert_safe(response, sent: dict):
    assert response.status_code < 500, f"{response.status_code} for {sent!r}"
    if response.mimetype == "text/html":
        assert CANARY not in response.get_data(as_text=True), "hostile text came back unescaped"


@pytest.mark.parametrize("endpoint", WRITES)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.dictionaries(st.sampled_from(FIELDS), values, max_size=8))
def test_no_write_route_breaks_on_hostile_input(app, built_world, endpoint, data):
    route = ROUTES[endpoint]
    world = built_world.ids
    client = app.test_client()
    login_as(client, app, most_powerful_user(route, world))
    token = csrf_token(client, "/password")
    response = client.open(
        route.url.format(**world),
        method=route.method,
        data={**data, "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert_safe(response, data)


@pytest.mark.parametrize("endpoint", READS)
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.dictionaries(st.sampled_from([*FIELDS, "q", "page", "month", "next"]), values))
def test_no_page_breaks_on_hostile_query_strings(app, built_world, endpoint, query):
    route = ROUTES[endpoint]
    world = built_world.ids
    client = app.test_client()
    if "anonymous" not in route.allowed:
        login_as(client, app, most_powerful_user(route, world))
    response = client.get(route.url.format(**world), query_string=query)
    assert_safe(response, query)
