"""Access rules of the foundation: auth, home, the staff directory."""

from tests.access import ADMIN, EVERYONE, LEADERS, PUBLIC, SIGNED_IN, STUDIO, Route

ROUTES = {
    "auth.login": Route("GET", "/login", PUBLIC),
    "auth.create_session": Route("POST", "/login", PUBLIC),
    "auth.logout": Route("POST", "/logout", SIGNED_IN),
    "auth.password": Route("GET", "/password", SIGNED_IN),
    "auth.update_password": Route("POST", "/password", SIGNED_IN),
    "home.index": Route("GET", "/", SIGNED_IN),
    "home.todo_count": Route("GET", "/todo/count", SIGNED_IN),
    "home.healthz": Route("GET", "/healthz", PUBLIC),
    "people.index": Route("GET", "/people", EVERYONE),
    "people.show": Route("GET", "/people/{staff}", EVERYONE),
    "people.edit": Route("GET", "/people/{staff}/edit", ADMIN),
    "people.update": Route("PUT", "/people/{staff}", ADMIN),
    "people.create": Route("POST", "/people", ADMIN),
    "people.reset_password": Route("POST", "/people/{staff}/password", ADMIN),
    "people.disable": Route("POST", "/people/{staff}/disable", ADMIN),
    "people.enable": Route("POST", "/people/{staff}/enable", ADMIN),
    "people.end_sessions": Route("POST", "/people/{staff}/sessions", ADMIN),
    "people.export": Route("GET", "/people/export.xlsx", STUDIO),
    "people.new_import": Route("GET", "/people/import", ADMIN),
    "people.preview_import": Route("POST", "/people/import", ADMIN),
    "people.confirm_import": Route("POST", "/people/import/confirm", ADMIN),
    "people.roster_template": Route("GET", "/people/import/template.csv", ADMIN),
    # 政治面貌 history (sensitive): the person reads their own, leaders and admins anyone's
    "people.status_history": Route("GET", "/people/{staff}/political", LEADERS, owner="staff"),
    "people.change_status": Route("POST", "/people/{staff}/political", ADMIN),
    "people.political": Route("GET", "/people/political", LEADERS),
    "people.demo_data": Route("GET", "/people/demo", ADMIN),
    "people.clear_demo": Route("POST", "/people/demo", ADMIN),
}
