"""Demo suggestions: named, anonymous and public ones in every state, some answered."""

from datetime import timedelta

from sqlalchemy import select

from intranet.clock import school_today
from intranet.extensions import db
from intranet.people.models import Staff
from intranet.suggestions import services
from intranet.suggestions.models import AnonymousSuggestion, Suggestion

# (days ago, author 工号 or None for anonymous, category, title, body, status, reply, public)
SUGGESTIONS = [
    (
        40,
        "t002",
        "activities",
        "展示课之后留出评课时间",
        "每次名师展示课结束就散了，建议固定留 20 分钟集中评课，非党员老师也愿意说说看法。",
        "done",
        "采纳。从本学期第 8 周起，展示课后固定安排 20 分钟评课。",
        True,
    ),
    (
        33,
        None,
        "activities",
        "片区活动的交通安排",
        "去竹镇、马集参加主题研讨路途较远，希望统一安排车辆，或者轮流在本部举办。",
        "adopted",
        "已与片区学校商量，下学期起片区活动轮流在本部和结对学校举办，并统一派车。",
        True,
    ),
    (
        27,
        None,
        "training",
        "青年教师希望多一些听课机会",
        "刚合并过来的几位年轻老师想多去名师课堂听课，但排课冲突，能否在课表上协调？",
        "in_progress",
        "教务处正在调整课表，下周给出方案。",
        False,
    ),
    (
        20,
        "t001",
        "teaching",
        "读书交流活动换一种形式",
        "读书交流总是轮流发言，有些枯燥。建议改成小组共读、同课异构后再交流。",
        "pending",
        None,
        False,
    ),
    (
        15,
        None,
        "logistics",
        "三楼录播教室的投影仪",
        "录播教室投影仪偏色严重，汇报课录像效果不好。",
        "declined",
        None,
        False,
    ),
    (
        9,
        None,
        "party",
        "党员示范岗可以更具体",
        "希望公布每位党员示范岗老师负责的具体事项，大家有问题知道找谁。",
        "pending",
        None,
        False,
    ),
    (
        4,
        "t002",
        "other",
        "工作室资料希望电子化归档",
        "纸质的师徒协议和听课记录不好找，建议都放到平台上。",
        "in_progress",
        "好建议，本平台就是为此建的，下学期起全部在线归档。",
        False,
    ),
]
DECLINE_REASON = "本学期录播教室设备更新经费已用完，已列入明年预算。"


def seed(rng) -> dict:
    staff = {s.username: s for s in db.session.scalars(select(Staff))}
    leader = staff["xiaozhang"]
    today = school_today()
    for days, author, category, title, body, status, reply, public in SUGGESTIONS:
        values = {"category": category, "title": title, "body": body}
        if author:
            item = services.submit_named(staff[author], values)
        else:
            services.submit_anonymous(values)  # the demo's receipts are thrown away, as they should
            db.session.flush()
            item = db.session.scalar(
                select(AnonymousSuggestion).where(AnonymousSuggestion.title == title)
            )
        db.session.flush()
        item.created_on = today - timedelta(days=days)
        if reply:
            services.add_reply(item, reply, author=leader)
            db.session.flush()
        if status not in (item.status, "pending"):
            reason = DECLINE_REASON if status == "declined" else None
            path = {
                "adopted": ["adopted"],
                "done": ["adopted", "done"],
                "declined": ["declined"],
                "in_progress": ["in_progress"],
            }[status]
            for step in path:
                if step != item.status:
                    services.change_status(item, step, leader, reason)
        item.is_public = public
    db.session.flush()
    for reply_row in db.session.scalars(select(services.Reply)):
        reply_row.created_on = _replied_on(reply_row, today, rng)
    supporters = [s for s in staff.values() if s.role == "teacher"][:25]
    for item in db.session.scalars(select(Suggestion).where(Suggestion.is_public)):
        for person in rng.sample(supporters, 12):
            services.support(item, person.id)
    for item in db.session.scalars(
        select(AnonymousSuggestion).where(AnonymousSuggestion.is_public)
    ):
        for person in rng.sample(supporters, 17):
            services.support(item, person.id)
    return {}


def _replied_on(reply, today, rng):
    """Leaders answer within a few days of the suggestion."""
    item = db.session.get(Suggestion, reply.named_id) if reply.named_id else None
    item = item or db.session.get(AnonymousSuggestion, reply.anonymous_id)
    return min(today, item.created_on + timedelta(days=rng.randint(1, 5)))
