"""Demo staff: about sixty people of 六合区实验小学 and its merged campuses."""

import random
from datetime import date, timedelta

from intranet.auth.passwords import hash_password, one_time_password
from intranet.clock import school_today
from intranet.extensions import db
from intranet.people import status as history
from intranet.people.models import CAMPUSES, GRADE_GROUPS, PARTY_STEPS, ExternalMentor, Staff

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯史陶贺顾毛龚邵钱严戴孔汤"  # noqa: E501
GIVEN = [
    "晓明",
    "丽华",
    "静",
    "敏",
    "海燕",
    "建国",
    "志强",
    "秀英",
    "玉兰",
    "文杰",
    "红梅",
    "伟",
    "芳",
    "娟",
    "俊",
    "雪梅",
    "春燕",
    "国庆",
    "晓燕",
    "慧",
    "琳",
    "婷婷",
    "磊",
    "勇",
    "军",
    "霞",
    "明",
    "涛",
    "斌",
    "艳",
    "杰",
    "丹",
    "萍",
    "欣怡",
    "思雨",
    "佳",
    "雯",
    "颖",
    "倩",
    "宇",
    "浩",
    "鹏",
    "亮",
    "辉",
    "晨",
    "悦",
    "琴",
    "蕾",
    "莉",
    "燕",
    "慧敏",
    "丽娟",
    "建华",
    "卫东",
    "立新",
    "桂芳",
    "美玲",
    "雅琴",
    "晓东",
    "振华",
    "子涵",
    "梦瑶",
    "玉洁",
    "文静",
    "永红",
    "海峰",
    "春华",
]

# (工号, 姓名, gender, subject, grade group, title, political status, campus, role, duty)
KEY_PEOPLE = [
    (
        "admin",
        "陆志远",
        "male",
        "信息技术",
        "行政后勤",
        "一级教师",
        "member",
        "本部",
        "admin",
        "管理员",
    ),
    (
        "xiaozhang",
        "周文华",
        "male",
        "语文",
        "行政后勤",
        "正高级教师",
        "member",
        "本部",
        "leader",
        "校长",
    ),
    (
        "shuji",
        "陈秀英",
        "female",
        "道德与法治",
        "行政后勤",
        "高级教师",
        "member",
        "本部",
        "leader",
        "党总支书记",
    ),
    (
        "guanli",
        "徐丽萍",
        "female",
        "语文",
        "五年级组",
        "高级教师",
        "member",
        "本部",
        "manager",
        "工作室管理组",
    ),
    (
        "guanli2",
        "孙建华",
        "male",
        "数学",
        "四年级组",
        "高级教师",
        "member",
        "滁和",
        "manager",
        "工作室管理组",
    ),
    (
        "t001",
        "王晓燕",
        "female",
        "英语",
        "三年级组",
        "二级教师",
        "non_party",
        "彤华",
        "teacher",
        "教师（群众）",
    ),
    # Non-Party colleagues the report invites to speak: a democratic-party member among them.
    (
        "t002",
        "顾雅琴",
        "female",
        "音乐",
        "综合组",
        "一级教师",
        "democratic_party",
        "宝真",
        "teacher",
        "教师（民主党派）",
    ),
]
SUBJECT_WEIGHTS = {
    "语文": 14,
    "数学": 12,
    "英语": 6,
    "科学": 4,
    "音乐": 3,
    "体育": 4,
    "美术": 3,
    "信息技术": 2,
    "道德与法治": 3,
    "综合实践": 2,
    "心理健康": 1,
    "后勤": 2,
}
STATUS_WEIGHTS = {
    "member": 22,
    "probationary": 3,
    "development_target": 3,
    "activist": 6,
    "democratic_party": 4,
    "non_party": 16,
}
TITLE_WEIGHTS = {
    "正高级教师": 1,
    "高级教师": 12,
    "一级教师": 22,
    "二级教师": 15,
    "三级教师": 3,
    "未定级": 4,
}
STAFF_COUNT = 60
# 名师培养导师团: experts of the district education bureau and the teacher training school.
EXTERNAL_MENTORS = [
    ("钱立群", "六合区教育局教研室", "小学语文", "025-5715xxxx"),
    ("沈国梁", "六合区教育局教研室", "小学数学", "025-5715xxxx"),
    ("姜慧芬", "六合区教师进修学校", "教师专业发展", "025-5711xxxx"),
    ("丁卫平", "六合区教师进修学校", "小学英语", "025-5711xxxx"),
    ("卢书琴", "南京市小学语文名师工作室", "阅读教学", ""),
]


def _pick(rng, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed(rng) -> dict:
    # Random per install, printed once by `flask demo`, stored only as a hash: a demo left
    # running is not a door anyone could open with a password from the README.
    password = one_time_password()
    password_hash = hash_password(password)  # one slow hash shared by every demo account
    used = {row[1] for row in KEY_PEOPLE}
    people = []
    for username, name, gender, subject, grade, title, status, campus, role, _duty in KEY_PEOPLE:
        people.append(
            Staff(
                username=username,
                name=name,
                gender=gender,
                subject=subject,
                grade_group=grade,
                title=title,
                political_status=status,
                campus=campus,
                role=role,
            )
        )
    number = 3
    while len(people) < STAFF_COUNT:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name in used:
            continue
        used.add(name)
        subject = _pick(rng, SUBJECT_WEIGHTS)
        people.append(
            Staff(
                username=f"t{number:03d}",
                name=name,
                gender=rng.choice(["female", "female", "female", "male"]),
                subject=subject,
                grade_group="行政后勤" if subject == "后勤" else rng.choice(GRADE_GROUPS[:7]),
                title=_pick(rng, TITLE_WEIGHTS),
                political_status=_pick(rng, STATUS_WEIGHTS),
                # Most came with the merger; a few from every merged campus, the rest from 本部.
                campus=rng.choice(CAMPUSES + ["本部"] * 4),
                role="teacher",
            )
        )
        number += 1
    for person in people:
        person.password_hash = password_hash
        person.must_change_password = False
    db.session.add_all(people)
    db.session.add_all(
        ExternalMentor(name=name, organisation=organisation, speciality=speciality, contact=contact)
        for name, organisation, speciality, contact in EXTERNAL_MENTORS
    )
    _seed_status_history(people)
    accounts = [(ROLE_HINT[role], username, name) for username, name, *_, role, _ in KEY_PEOPLE]
    return {"password": password, "accounts": accounts}


ROLE_HINT = {"admin": "管理员", "leader": "校领导", "manager": "管理组", "teacher": "教师"}


def _seed_status_history(people: list[Staff]) -> None:
    """Birth years for the teachers, and two school years of 政治面貌 history: the young
    activists, development targets and probationary members each took their last steps last
    year and this year; everyone else holds their status undated, as after migration 0020.
    Its own random stream, so the areas seeded after people get the same demo as before."""
    rng = random.Random(35)
    db.session.flush()  # ids for the history
    this_year = history.school_year_of(school_today())
    last_year = date(this_year - 1, 11, 1)
    this_start = date(this_year, 9, 1)
    for person in people:
        if person.role == "teacher":
            person.birth_year = rng.randint(1968, 2001) if rng.random() < 0.9 else None
        rank = history.RANK.get(person.political_status)
        young = person.birth_year is not None and person.birth_year > this_year - 35
        if not young or rank is None or not 2 <= rank <= 4:  # 入党积极分子 … 中共预备党员
            history.record_new_staff(person, None, "demo")
            continue
        final = person.political_status
        person.political_status = PARTY_STEPS[rank - 2]
        history.record_new_staff(person, None, "demo")
        step_last = last_year + timedelta(days=rng.randint(0, 200))
        step_this = min(this_start + timedelta(days=rng.randint(10, 60)), school_today())
        history.record_change(person, PARTY_STEPS[rank - 1], step_last, None, "demo")
        history.record_change(person, final, max(step_this, step_last), None, "demo")
