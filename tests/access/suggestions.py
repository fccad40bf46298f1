"""Access rules of the suggestion box."""

from datetime import timedelta

from intranet.extensions import db
from tests.access import EVERYONE, LEADERS, Route

ROUTES = {
    "suggestions.new": Route("GET", "/suggestions/new", EVERYONE),
    "suggestions.create": Route("POST", "/suggestions", EVERYONE),
    "suggestions.mine": Route("GET", "/suggestions/mine", EVERYONE),
    # Only the author may follow up: the world's named suggestion belongs to the target teacher.
    "suggestions.follow_up": Route(
        "POST", "/suggestions/mine/{named_key}/follow-up", frozenset(), owner="staff"
    ),
    "suggestions.track": Route("GET", "/suggestions/track", EVERYONE),
    "suggestions.lookup": Route("POST", "/suggestions/track", EVERYONE),
    "suggestions.anonymous_follow_up": Route("POST", "/suggestions/track/follow-up", EVERYONE),
    "suggestions.public": Route("GET", "/suggestions/public", EVERYONE),
    "suggestions.support": Route("POST", "/suggestions/{named}/support", EVERYONE),
    "suggestions.index": Route("GET", "/suggestions", LEADERS),
    "suggestions.show": Route("GET", "/suggestions/{anonymous}", LEADERS),
    "suggestions.update_status": Route("POST", "/suggestions/{anonymous}/status", LEADERS),
    "suggestions.create_reply": Route("POST", "/suggestions/{anonymous}/replies", LEADERS),
    "suggestions.create_note": Route("POST", "/suggestions/{named}/notes", LEADERS),
    "suggestions.mark_duplicate": Route("POST", "/suggestions/{anonymous}/duplicate", LEADERS),
    "suggestions.toggle_public": Route("POST", "/suggestions/{named}/public", LEADERS),
    "suggestions.attachment": Route("GET", "/suggestions/{named}/attachment", LEADERS),
}


def objects(app, world) -> dict:
    from intranet.people.models import Staff
    from intranet.suggestions import services
    from intranet.suggestions.models import AnonymousSuggestion, Suggestion

    with app.app_context():
        author = db.session.get(Staff, world["staff"])
        named = services.submit_named(
            author, {"category": "other", "title": "实名", "body": "内容"}
        )
        named.is_public = True
        services.submit_anonymous({"category": "other", "title": "匿名", "body": "内容"})
        db.session.commit()
        anonymous = db.session.scalar(db.select(AnonymousSuggestion))
        anonymous.created_on -= timedelta(days=2)  # released to leaders, so their routes answer
        db.session.commit()
        named = db.session.scalar(db.select(Suggestion))
        return {"named": named.ref, "named_key": named.id, "anonymous": anonymous.ref}
