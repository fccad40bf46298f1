"""Who an activity is for (参加对象): its groups resolved on its date, plus or minus named people.

An activity stores the rule, never a frozen list, so a teacher who joins the reserve pool in
October is invited to November's activities, and a past activity still shows who was expected
then. The groups, on a given day:

- 全体工作室成员 (studio): everyone in the mentor or the reserve pool that day, the studio's
  managers (role 工作室管理组), and the mentor and apprentice of every pairing that runs that day
  (signed, active or completed, between its first semester's start and its last one's end);
- 导师库 / 后备人才库 (mentor / reserve): pool memberships valid that day (since ≤ day < until);
- 全体党员 (party): 中共党员 and 中共预备党员;
- 全体教师 (staff): every active account;
- 师徒结对 (pairing): the mentor and apprentice of the one pairing the activity names;
- 结对学校来宾 (visitors): guests from the activity's partner school, a label for now (guests
  have no accounts), so they are on no roll and in no rate.

Only active accounts are invited. A named person added is invited whatever the groups; a named
person taken out is not. Resolving costs a fixed few queries (`Directory.load`) however many
activities and people there are: the rest is done in memory. For one person's own lists (the
home page, their calendar) the same rule is also written as SQL (`invites_clause`), so "the
activities that invite me" is a condition of the list's one query, not a scan before it; a test
holds the two versions of the rule to the same answers (tests/test_invitees.py).
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, and_, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from intranet.auth.permissions import MANAGEMENT_GROUP
from intranet.extensions import db
from intranet.people.models import POOLS, PoolMembership, Staff
from intranet.schedule.models import INVITE_GROUPS, Activity, ActivityInvitee, Attendance, Semester

PARTY = ("member", "probationary")
LIVE_PAIRINGS = ("signed", "active", "completed")

# New activities start with these groups, by form (the level may add visitors), so nobody sets
# them every time: lessons and seminars are for the studio, outreach for the mentors, school-wide
# training and lectures for every teacher.
DEFAULT_GROUPS = {
    "outreach": ("mentor",),
    "training": ("staff",),
    "lecture": ("staff",),
}


def default_groups(form: str, level: str = "school") -> str:
    groups = list(DEFAULT_GROUPS.get(form, ("studio",)))
    if level == "cluster":
        groups.append("visitors")
    return " ".join(groups)


def describe(activity) -> str:
    """The groups as people read it: 全体工作室成员、结对学校来宾 (the pairing and school named)."""
    labels = []
    for key in activity.invite_group_keys:
        label = INVITE_GROUPS[key]
        if key == "pairing" and activity.invite_pairing_id:
            label += f"（{_pairing_name(activity.invite_pairing_id)}）"
        if key == "visitors" and activity.partner_school:
            label = f"{activity.partner_school.name}来宾"
        labels.append(label)
    return "、".join(labels) or "（未选群体）"


def describe_with_named(activity) -> str:
    """The whole rule, for the page and the history: 全体工作室成员；另加：王晓燕."""
    text = describe(activity)
    added, removed = named_of(activity)
    if not added and not removed:
        return text
    names = dict(
        db.session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(added + removed))).all()
    )
    if added:
        text += "；另加：" + "、".join(sorted(names[i] for i in added))
    if removed:
        text += "；不邀请：" + "、".join(sorted(names[i] for i in removed))
    return text


def _pairing_name(pairing_id: int) -> str:
    from intranet.mentoring.models import Pairing  # mentoring builds on the schedule

    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None:
        return ""
    mentor = pairing.mentor.name if pairing.mentor else pairing.external_mentor.name
    return f"{mentor}—{pairing.apprentice.name}"


def pairing_terms():
    """Each pairing's id, mentor, apprentice, state, and the days its term starts and ends
    (its first semester's start, its last one's end): what makes people paired on a day."""
    from intranet.mentoring.models import Pairing  # mentoring builds on the schedule

    first, last = aliased(Semester), aliased(Semester)
    return (
        select(
            Pairing.id,
            Pairing.mentor_id,
            Pairing.apprentice_id,
            Pairing.state,
            first.start,
            last.end,
        )
        .join(first, Pairing.start_semester_id == first.id)
        .join(last, Pairing.end_semester_id == last.id)
    )


@dataclass
class Directory:
    """Everything group membership depends on, loaded once."""

    staff: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (role, political)
    pools: dict[int, list[tuple[str, date, date | None]]] = field(default_factory=dict)
    pairings: dict[int, tuple[tuple[int, ...], str, date, date]] = field(default_factory=dict)
    named: dict[int, dict[int, bool]] = field(default_factory=dict)  # activity -> staff -> in?

    @classmethod
    def load(cls, activity_ids=None, staff_id: int | None = None) -> "Directory":
        """Four queries. `activity_ids` limits the named people loaded (None: all of them);
        `staff_id` limits everything to one person (their pairings only)."""
        from intranet.mentoring.models import Pairing  # mentoring builds on the schedule

        found = cls()
        people = select(Staff.id, Staff.role, Staff.political_status).where(Staff.colleague)
        pools = select(
            PoolMembership.staff_id,
            PoolMembership.pool,
            PoolMembership.since,
            PoolMembership.until,
        )
        pairings = pairing_terms()
        named = select(
            ActivityInvitee.activity_id, ActivityInvitee.staff_id, ActivityInvitee.invited
        )
        if activity_ids is not None:
            named = named.where(ActivityInvitee.activity_id.in_(list(activity_ids)))
        if staff_id is not None:
            people = people.where(Staff.id == staff_id)
            pools = pools.where(PoolMembership.staff_id == staff_id)
            pairings = pairings.where(
                or_(Pairing.mentor_id == staff_id, Pairing.apprentice_id == staff_id)
            )
            named = named.where(ActivityInvitee.staff_id == staff_id)
        for person, role, political in db.session.execute(people):
            found.staff[person] = (role, political)
        for person, pool, since, until in db.session.execute(pools):
            found.pools.setdefault(person, []).append((pool, since, until))
        for pairing, mentor, apprentice, state, start, end in db.session.execute(pairings):
            pair = tuple(p for p in (mentor, apprentice) if p is not None)
            found.pairings[pairing] = (pair, state, start, end)
        for activity, person, invited in db.session.execute(named):
            found.named.setdefault(activity, {})[person] = invited
        return found

    def groups_of(self, staff_id: int, day: date) -> set[str]:
        """The groups (keys of INVITE_GROUPS, but pairing and visitors) a person is in that day."""
        if staff_id not in self.staff:
            return set()
        role, political = self.staff[staff_id]
        groups = {"staff"}
        if political in PARTY:
            groups.add("party")
        for pool, since, until in self.pools.get(staff_id, ()):
            if since <= day and (until is None or day < until):
                groups.add(pool)
        in_a_pool = groups & {"mentor", "reserve"}
        if in_a_pool or role in MANAGEMENT_GROUP or self._paired(staff_id, day):
            groups.add("studio")
        return groups

    def _paired(self, staff_id: int, day: date) -> bool:
        return any(
            staff_id in pair and state in LIVE_PAIRINGS and start <= day <= end
            for pair, state, start, end in self.pairings.values()
        )

    def invites(self, activity, staff_id: int) -> bool:
        if staff_id not in self.staff:
            return False
        choice = self.named.get(activity.id, {}).get(staff_id)
        if choice is not None:
            return choice
        groups = set((activity.invite_groups or "").split())
        pair = self.pairings.get(activity.invite_pairing_id, ((),))[0]
        if "pairing" in groups and staff_id in pair:
            return True
        return bool(groups & self.groups_of(staff_id, activity.date))

    def invitees(self, activity) -> set[int]:
        return {person for person in self.staff if self.invites(activity, person)}


def invitees_by_activity(activities) -> dict[int, set[int]]:
    """Each activity's invited staff ids, in a fixed few queries."""
    activities = list(activities)
    directory = Directory.load([a.id for a in activities])
    return {activity.id: directory.invitees(activity) for activity in activities}


def invitees_of(activity) -> set[int]:
    return invitees_by_activity([activity])[activity.id]


def expected_by_activity(activities) -> dict[int, set[int]]:
    """应到: the invitees, and anyone who has an attendance record though not invited (someone
    who came, or was marked, counts once), so the rate is never above 100%."""
    expected = invitees_by_activity(activities)
    if expected:
        for activity_id, staff_id in db.session.execute(
            select(Attendance.activity_id, Attendance.staff_id).where(
                Attendance.activity_id.in_(list(expected))
            )
        ):
            expected[activity_id].add(staff_id)
    return expected


def invites_clause(staff_id: int, activity=Activity):
    """`Directory.invites(activity, staff_id)` as a SQL condition on `activity`'s row, for one
    person: their account, pools, pairings and named choices are read by correlated EXISTS, so a
    list of "what invites me" is one query. Keep it in step with `Directory` (a test compares
    them on every group, date and named choice)."""
    day = activity.date
    me = Staff.id == staff_id

    def there_is(*conditions):  # never correlated to anything but the activity
        return exists().where(*conditions).correlate(activity)

    def has_group(key: str):
        padded = literal(" ", String) + func.coalesce(activity.invite_groups, "") + " "
        return padded.contains(f" {key} ", autoescape=True)

    def in_pool(pools):
        return there_is(
            PoolMembership.staff_id == staff_id,
            PoolMembership.pool.in_(pools),
            PoolMembership.since <= day,
            or_(PoolMembership.until.is_(None), day < PoolMembership.until),
        )

    terms = pairing_terms().subquery()
    mine = or_(terms.c.mentor_id == staff_id, terms.c.apprentice_id == staff_id)
    paired = there_is(
        mine, terms.c.state.in_(LIVE_PAIRINGS), terms.c.start <= day, day <= terms.c.end
    )
    my_pairing = there_is(mine, terms.c.id == activity.invite_pairing_id)
    studio = or_(
        in_pool(("mentor", "reserve")),
        there_is(me, Staff.role.in_(MANAGEMENT_GROUP)),
        paired,
    )
    by_groups = or_(
        has_group("staff"),
        and_(has_group("party"), there_is(me, Staff.political_status.in_(PARTY))),
        *(and_(has_group(pool), in_pool((pool,))) for pool in POOLS),
        and_(has_group("studio"), studio),
        and_(has_group("pairing"), my_pairing),
    )

    def named(invited: bool | None):
        return there_is(
            ActivityInvitee.activity_id == activity.id,
            ActivityInvitee.staff_id == staff_id,
            *([] if invited is None else [ActivityInvitee.invited.is_(invited)]),
        )

    return and_(
        there_is(me, Staff.colleague),
        or_(named(True), and_(~named(None), by_groups)),
    )


def set_named(activity, added: set[int], removed: set[int]) -> None:
    """Replace the activity's named people: those added and those taken out of its groups."""
    existing = {
        row.staff_id: row
        for row in db.session.scalars(
            select(ActivityInvitee).where(ActivityInvitee.activity_id == activity.id)
        )
    }
    wanted = dict.fromkeys(added, True) | dict.fromkeys(removed, False)
    for person, row in existing.items():
        if person not in wanted:
            db.session.delete(row)
    for person, invited in wanted.items():
        if person in existing:
            existing[person].invited = invited
        else:
            db.session.add(
                ActivityInvitee(activity_id=activity.id, staff_id=person, invited=invited)
            )


def named_of(activity) -> tuple[list[int], list[int]]:
    """(added, taken out) staff ids of an activity."""
    added, removed = [], []
    for person, invited in db.session.execute(
        select(ActivityInvitee.staff_id, ActivityInvitee.invited).where(
            ActivityInvitee.activity_id == activity.id
        )
    ):
        (added if invited else removed).append(person)
    return added, removed
