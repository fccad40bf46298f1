"""Every route, every role: allowed roles get through, the others get 403 (or the login page).

The world (accounts and objects) is built once for the module. A case whose request may write
(an allowed POST, PUT or DELETE) gets its own copy of that database, so its writes never reach
another case; reads and refusals, most of the matrix, use the world itself (a copy per case was
most of the matrix's time, on PostgreSQL above all)."""

import pkgutil
from importlib import import_module

import pytest

import tests.access
from tests.access import ROLES
from tests.conftest import csrf_token, login_as

AREA_MODULES = [
    import_module(f"tests.access.{m.name}") for m in pkgutil.iter_modules(tests.access.__path__)
]
ROUTES = {}
for _module in AREA_MODULES:
    overlap = ROUTES.keys() & _module.ROUTES.keys()
    assert not overlap, f"{_module.__name__} repeats rules for {overlap}"
    ROUTES |= _module.ROUTES


# Allowed, and their job is to send the user to the login page.
ENDS_AT_LOGIN = {"auth.logout"}


@pytest.fixture
def database_url(request, built_world, world_files):
    params = request.node.callspec.params if hasattr(request.node, "callspec") else {}
    route = ROUTES.get(params.get("endpoint"))
    if route and route.method != "GET" and params.get("role", route.owner) in route.allowed:
        return request.getfixturevalue("world_database_url")
    return built_world.url


def build_world(app, make_staff) -> dict:
    """One account per role, a target colleague, and whatever objects the areas ask for."""
    world = {role: make_staff(role=role) for role in ROLES if role != "anonymous"}
    world["staff"] = make_staff(role="teacher", username="target", name="目标教师")
    for module in AREA_MODULES:
        if hasattr(module, "objects"):
            world |= module.objects(app, world)
    return world


def test_every_route_has_a_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        route = ROUTES.get(rule.endpoint)
        methods = rule.methods - {"HEAD", "OPTIONS"}
        if route is None or route.method not in methods:
            missing.append(f"{rule.endpoint} {sorted(methods)} {rule.rule}")
    assert not missing, "routes without an access rule in tests/access/: " + ", ".join(missing)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_role_gets_exactly_what_the_rule_allows(app, client, built_world, endpoint, role):
    route = ROUTES[endpoint]
    world = built_world.ids
    if role != "anonymous":
        login_as(client, app, world[role])
    url = route.url.format(**world)
    data = {}
    if route.method != "GET":
        data["csrf_token"] = csrf_token(client, "/login" if role == "anonymous" else "/password")
    response = client.open(url, method=route.method, data=data)
    assert response.status_code < 500, f"{role} {route.method} {url}: {response.status_code}"
    to_login = response.status_code == 302 and "/login" in response.headers.get("Location", "")
    if role in route.allowed:
        if endpoint in ENDS_AT_LOGIN:
            to_login = False
        assert response.status_code not in (401, 403) and not to_login, (
            f"{role} should reach {route.method} {url}, got {response.status_code}"
        )
    elif role == "anonymous":
        assert to_login or response.status_code == 401, response.status_code
    else:
        assert response.status_code == 403, f"{role} got {response.status_code} on {url}"


OWNED = sorted(endpoint for endpoint, route in ROUTES.items() if route.owner)


@pytest.mark.parametrize("endpoint", OWNED)
def test_owner_reaches_what_only_the_owner_may_use(app, client, built_world, endpoint):
    route = ROUTES[endpoint]
    world = built_world.ids
    login_as(client, app, world[route.owner])
    data = {} if route.method == "GET" else {"csrf_token": csrf_token(client, "/password")}
    response = client.open(route.url.format(**world), method=route.method, data=data)
    assert response.status_code < 500
    assert response.status_code not in (401, 403), f"the owner got {response.status_code}"
