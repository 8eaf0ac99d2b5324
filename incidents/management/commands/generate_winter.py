"""``python manage.py generate_winter``: a realistic winter of generated data to try the platform with
(issue 8): past incidents over the last heating seasons, active ones, tasks and timeline events.

Rows are written with ``bulk_create`` in batches inside one transaction, never through the services
and the lifecycle (far too slow for thousands of rows). What the services would derive is derived here
by the same code: grades and 附件4 recommendations by the model (``Incident.grade``,
``Incident.recommendation``), the clauses of a level move by ``lifecycle`` (``_authority``,
``_check_conditions``), the units and leaders of an activated group by ``command.response.activation``. Every
incident passes ``Incident.full_clean`` (foreign keys apart: they come from the database) before it
is written; the database checks the constraints.

Generated incidents are marked: their title starts with ``MARK`` (【生成】).
"""

import math
import random
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

MARK = "【生成】"
BATCH_SIZE = 2000
DEMO_USERS = ("office", "director", "commander", "general")
DEMO_COMPANIES = ("demo-heat-1", "demo-heat-2", "demo-heat-source")

HELP = """生成一个“真实的冬天”用于试用（议题 8）：过去两个完整采暖季（运城 11月15日—次年3月15日）及本采暖季至今
（截至一周前）的历史事件、正在处置的事件、任务和时间线。需先运行 `python manage.py load_plan --demo`。
生成的事件标题以“【生成】”开头；同一 --seed 与同一 --now 生成相同的数据，再次运行追加同样数量的数据。
--delete：PostgreSQL 上时间线和续报是只追加的（触发器拒绝 UPDATE/DELETE），生成的事件无法删除，命令会说明并
不作任何修改；要重新开始，请使用新的数据库（建库、migrate、load_plan --demo、generate_winter）。没有该触发器的
数据库（内嵌模式 SQLite）上，--delete 删除生成的事件及其全部关联记录。注意：运行中的 Celery 提醒会对生成的
进行中事件和未完成任务发送提醒（已配置的短信、邮件、Webhook 渠道也会发送），只在演示或测试环境中使用。

Generates a realistic winter to try the platform with (issue 8): past incidents over the last two complete
heating seasons (Yuncheng: 15 Nov - 15 Mar) and the current one up to a week ago, active incidents, tasks
and timeline events. Needs `python manage.py load_plan --demo` first. Generated incidents' titles start
with 【生成】; the same --seed and --now give the same data, and a second run adds the same amounts again.
--delete: on PostgreSQL the timeline and follow-up reports are append-only (a trigger refuses UPDATE and
DELETE), so generated incidents cannot be removed: the command says so and changes nothing; to start over,
use a fresh database (create it, migrate, load_plan --demo, generate_winter). On a database without that
trigger (embedded SQLite) --delete removes the generated incidents and everything attached to them.
Beware: a running Celery beat sends reminders for the generated active incidents and open tasks (also
over SMS, email and webhook where configured): use it on demo and test installations only."""

# §1.5 categories: pipe ruptures and equipment failures are the everyday incidents.
CATEGORY_WEIGHTS = {
    "heat_source_pipeline": 38,
    "equipment_failure": 33,
    "extreme_cold": 9,
    "supply_shortage": 7,
    "sabotage_fire_disaster": 6,
    "other": 4,
    "enterprise_shutdown": 3,
}
# Share of past incidents (per category) that led to a response; the rest were handled or dismissed.
RESPONSE_RATE = {
    "heat_source_pipeline": 0.55,
    "equipment_failure": 0.45,
    "extreme_cold": 0.75,
    "supply_shortage": 0.7,
    "sabotage_fire_disaster": 0.6,
    "other": 0.8,
    "enterprise_shutdown": 0.7,
}
# The built-up area (盐湖区, 运城开发区) has most of the network; every county appears.
COUNTY_WEIGHTS = {
    "yanhu": 34,
    "kaifaqu": 20,
    "yongji": 6,
    "hejin": 6,
    "linyi": 4,
    "wanrong": 3,
    "wenxi": 4,
    "jishan": 3,
    "xinjiang": 4,
    "jiangxian": 3,
    "yuanqu": 3,
    "xiaxian": 4,
    "pinglu": 3,
    "ruicheng": 3,
}
PAST_LEVEL_WEIGHTS = {4: 720, 3: 250, 2: 28, 1: 2}
ACTIVE_LEVEL_WEIGHTS = {4: 55, 3: 33, 2: 10, 1: 2}
BIG_CATEGORIES = {"heat_source_pipeline", "supply_shortage", "extreme_cold", "sabotage_fire_disaster"}
# Local hour of occurrence: pipes break at night, when the load is highest and nobody watches.
HOUR_WEIGHTS = (7, 8, 9, 9, 9, 8, 6, 4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 5, 5, 6, 6)
SOURCE_WEIGHTS = {"company": 45, "public": 25, "county": 12, "patrol": 10, "unit": 5, "media": 2, "other": 1}
ACTIVE_STATE_SHARES = (("responding", 0.55), ("assessing", 0.25), ("reported", 0.20))

STREETS = {
    "yanhu": (
        "河东街",
        "解放路",
        "中银大道",
        "禹都大道",
        "红旗街",
        "学苑路",
        "工农路",
        "槐东路",
        "机场路",
        "人民路",
    ),
    "kaifaqu": ("发展大道", "黄河大道", "学苑路", "圣惠路", "安邑路", "新城街", "空港大道", "康杰路"),
}
GENERIC_STREETS = ("人民路", "解放路", "建设路", "文化路", "新华街", "迎宾大道", "府东街", "滨河路")
ESTATES = (
    "和苑",
    "锦园",
    "康城",
    "御景园",
    "学府苑",
    "怡景小区",
    "凤凰城",
    "阳光小区",
    "丽都花园",
    "金都苑",
    "龙居小区",
)

# (title template, facility, incident type); {place} {n} {dn} {company} {county} are filled in.
TITLES = {
    "heat_source_pipeline": (
        ("{place}供热主管网DN{dn}管道爆管", "main_network", "main_pipe_rupture"),
        ("{place}一次网供水管焊口开裂漏水", "main_network", ""),
        ("{place}二级网管道破裂", "secondary_network", ""),
        ("{place}供热管沟积水、管道腐蚀穿孔", "main_network", ""),
        ("{company}{n}号锅炉故障停炉", "heat_source_plant", ""),
    ),
    "equipment_failure": (
        ("{place}{n}号热力站循环泵故障停运", "heat_station", ""),
        ("{place}{n}号热力站板式换热器泄漏", "heat_station", ""),
        ("{place}{n}号热力站变频器烧毁", "heat_station", ""),
        ("{place}锅炉房补水泵故障", "boiler_room", ""),
        ("{place}{n}号热力站自控系统失灵", "computer_system", "computer_systems"),
    ),
    "extreme_cold": (
        ("持续低温致{place}一带供热温度不达标", "main_network", ""),
        ("寒潮期间{place}热负荷超设计能力、末端室温偏低", "heat_station", ""),
    ),
    "supply_shortage": (
        ("{company}燃煤库存告急、限负荷运行", "heat_source_plant", ""),
        ("上游天然气限供致{place}锅炉房降负荷", "boiler_room", ""),
        ("{place}突发停电致{n}号热力站停运", "heat_station", ""),
        ("{place}供水管网故障致热力站补水中断", "heat_station", ""),
    ),
    "sabotage_fire_disaster": (
        ("{place}道路施工挖断供热管线", "main_network", ""),
        ("{place}{n}号热力站电气火灾", "heat_station", "fire_explosion_collapse"),
        ("{place}路面塌陷致供热管道断裂", "main_network", "natural_disaster"),
        ("{place}{n}号热力站设备遭人为破坏", "heat_station", "war_sabotage_terror"),
    ),
    "enterprise_shutdown": (
        ("{county}一供热企业资金困难停止供热", "boiler_room", ""),
        ("{place}小区锅炉房经营方停业停热", "boiler_room", ""),
    ),
    "other": (
        ("{place}供热异常，市政府决定启动应急处置", "secondary_network", ""),
        ("重要活动保障期间{place}供热管网异常", "main_network", ""),
    ),
}

BUILT_UP = ("yanhu", "kaifaqu")  # the default service area (运城市城市建成区)
# Titles of the incidents that take out a large share of the built-up area's heat (附件4(1)).
BIG_TITLES = {
    "heat_source_pipeline": (
        ("{company}出厂供热干管DN{dn}断裂", "main_network", "main_pipe_rupture"),
        ("{company}热源机组故障全厂停运", "heat_source_plant", ""),
    ),
    "supply_shortage": (
        ("{company}燃煤库存告急，全厂限负荷运行", "heat_source_plant", ""),
        ("上游天然气大幅限供，城区多座锅炉房停运", "boiler_room", ""),
    ),
    "extreme_cold": (("强寒潮致城区大面积供热温度不达标", "main_network", ""),),
    "sabotage_fire_disaster": (("{place}供热主干管被施工挖断", "main_network", "main_pipe_rupture"),),
}

# 续报 notes by phase of the repair: early, under way, nearly done, after restoration.
FOLLOW_UP_PHASES = (
    (
        "抢修人员已到达现场，正在排查漏点",
        "已关闭上下游阀门，停热范围得到控制",
        "现场已设置警戒区，交警协助疏导交通",
        "受影响小区已张贴停热告示，物业人员入户解释",
    ),
    (
        "破损管段已开挖，正在焊接更换",
        "12345热线来电较多，已安排专人回复",
        "已向孤寡老人、婴幼儿家庭发放电暖器",
        "燃料已协调到位，正在恢复满负荷运行",
        "备用循环泵已投入运行，二次网压力恢复正常",
    ),
    (
        "抢修完成，系统正在注水升温",
        "已恢复部分用户供热，其余用户正在排气调试",
        "热源厂已调整负荷，供水温度逐步回升",
    ),
    ("已恢复供热，正在回访用户，室温基本达标", "正在统计停热损失，做好善后工作"),
)
DISMISSED_NOTES = ("已派人赶赴现场核实", "已电话联系报告人核实情况")
FIRST_MEASURES = (
    "关闭上下游阀门，隔离故障管段",
    "组织抢修队伍和抢修车辆赶赴现场",
    "启用备用设备，调整运行参数",
    "通知受影响小区物业，做好住户解释工作",
    "设置现场警戒，防止人员烫伤",
    "联系供电部门排查线路故障",
)
DISMISS_REASONS = (
    "经核实为误报：用户室内暖气阀门关闭所致",
    "经核实为误报：个别用户暖气片漏水，已由物业处理",
    "与事件重复：同一漏点已另行接报",
)
RETURN_REASONS = (
    "不属于本单位职责，请改派",
    "现场人员、设备不足，无力完成，请协调其他单位",
    "任务要求不明确，请补充具体地点",
)
TASK_TITLES = {
    "coordination": ("汇总各组处置进展，每2小时报送一次", "协调调度抢修物资和车辆", "组织召开现场调度会"),
    "rescue": (
        "关闭上下游阀门，隔离漏点",
        "开挖抢修破裂管段",
        "组织排水、抽水作业",
        "更换损坏的循环泵",
        "搜救被困人员",
    ),
    "public_order": ("维护现场秩序，设置警戒区", "做好抢修路段交通疏导"),
    "experts": ("研判管网运行安全风险", "提出抢修技术方案"),
    "medical": ("在现场设立医疗救护点", "转运、救治受伤人员"),
    "logistics": (
        "保障抢修现场电力供应",
        "调运燃煤、协调天然气供应",
        "调配应急发电车",
        "为抢修人员提供后勤保障",
    ),
    "publicity": ("发布停热及恢复供热信息", "回应12345热线诉求", "做好舆情监测和引导"),
    "aftermath": ("走访慰问停热困难群众", "统计损失，做好补偿工作", "向孤寡老人发放电暖器"),
}
OPEN_TASK_STATES = ("pending", "signed", "in_progress", "returned")
LOW_LEVEL_GROUPS = (
    "rescue",
    "coordination",
    "logistics",
    "publicity",
    "experts",
    "aftermath",
    "public_order",
)


# Approximate county seats (lon, lat), for the optional map point of two generated incidents in three
# (issue 8): a point within about 5 km of the seat. 运城开发区 is drawn within 盐湖区.
COUNTY_SEATS = {
    "yanhu": (111.00, 35.03),
    "kaifaqu": (111.02, 35.05),
    "yongji": (110.45, 34.87),
    "hejin": (110.71, 35.60),
    "linyi": (110.77, 35.14),
    "wanrong": (110.84, 35.42),
    "wenxi": (111.22, 35.36),
    "jishan": (110.98, 35.60),
    "xinjiang": (111.22, 35.62),
    "jiangxian": (111.57, 35.49),
    "yuanqu": (111.67, 35.30),
    "xiaxian": (111.22, 35.14),
    "pinglu": (111.22, 34.84),
    "ruicheng": (110.69, 34.69),
}


def map_point(county_code, seq):
    """(lon, lat) near the county seat, or (None, None); its own random stream, so adding points does not
    change the rest of the generated winter."""
    seat = COUNTY_SEATS.get(county_code)
    r = random.Random(seq)
    if seat is None or r.random() < 1 / 3:
        return None, None
    return (
        Decimal(str(round(seat[0] + r.uniform(-0.05, 0.05), 6))),
        Decimal(str(round(seat[1] + r.uniform(-0.04, 0.04), 6))),
    )


def round_half_up(x):
    return math.floor(x + 0.5)


def minutes(m):
    return timedelta(minutes=m)


def hours(h):
    return timedelta(hours=h)


def plain_time(value):
    """As the services record a time in ``changes`` (incidents.services._plain)."""
    return timezone.localtime(value).isoformat(timespec="minutes")


def allocate(total, weights):
    """Split ``total`` into whole parts proportional to ``weights`` (largest remainder; deterministic)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    quotas = [total * w / weight_sum for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class Day:
    date: date
    weight: float
    tmin: int
    spell: int | None


@dataclass(eq=False)
class Plan:
    """One incident being generated, with its essential events (the lifecycle) and what else belongs."""

    inc: object
    fate: str  # responded | handled | handled_archived | dismissed | reported | assessing | responding
    active: bool
    day: Day | None = None
    levels: list = field(default_factory=list)  # [(level, at)]
    act_at: datetime | None = None
    end_at: datetime | None = None  # response ended (past) / None
    close_at: datetime | None = None  # last lifecycle move
    essentials: list = field(default_factory=list)
    preferred: list = field(default_factory=list)
    groups: list = field(default_factory=list)  # ActivatedGroup rows (unsaved)
    group_at: datetime | None = None
    tasks: list = field(default_factory=list)
    extras: int = 0
    filler_events: list = field(default_factory=list)
    filler_rows: dict = field(default_factory=dict)

    @property
    def responded(self):
        return bool(self.levels)

    @property
    def final_level(self):
        return self.levels[-1][0] if self.levels else None


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser):
        parser.add_argument("--past", type=int, default=5000, help="past (closed) incidents (5000)")
        parser.add_argument("--active", type=int, default=50, help="active incidents (50)")
        parser.add_argument("--tasks", type=int, default=3000, help="tasks and assignments (3000)")
        parser.add_argument("--events", type=int, default=50000, help="timeline events (50000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (2026)")
        parser.add_argument("--drills", type=float, default=0.05, help="share of drills, 0-1 (0.05)")
        parser.add_argument(
            "--now",
            default="",
            help="the time the winter ends at, ISO 8601 (default: now); for reproducible runs",
        )
        parser.add_argument("--delete", action="store_true", help="remove generated data where possible")

    def handle(self, *args, **opts):
        started = time.monotonic()
        with translation.override(settings.LANGUAGE_CODE):  # the record is kept in the plan's language
            if opts["delete"]:
                return self.delete(opts["verbosity"], started)
            for name in ("past", "active", "tasks", "events"):
                if opts[name] < 0:
                    raise CommandError(f"--{name} 不能为负数。 / --{name} must not be negative.")
            if not 0 <= opts["drills"] <= 1:
                raise CommandError("--drills 须在 0 到 1 之间。 / --drills must be between 0 and 1.")
            now = timezone.now()
            if opts["now"]:
                parsed = parse_datetime(opts["now"])
                if parsed is None:
                    raise CommandError("--now 不是有效的时间（ISO 8601）。 / --now is not an ISO 8601 time.")
                now = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
                if now > timezone.now() + timedelta(minutes=5):
                    raise CommandError("--now 不能晚于现在。 / --now must not be in the future.")
            ctx = load_context()
            winter = Winter(ctx, random.Random(opts["seed"]), now, opts)
            winter.plan()
            counts = winter.write()
        if opts["verbosity"]:
            self.report(counts, time.monotonic() - started)

    # ---- output ---------------------------------------------------------------------------------

    def report(self, c, seconds):
        w = self.stdout.write
        w(
            f"已生成事件 {c['incidents']:,} 起 / incidents: {c['incidents']:,}"
            f"（过去 past {c['past']:,}：{fmt_counter(c['past_states'], state_label)}；"
            f"进行中 active {c['active']:,}：{fmt_counter(c['active_states'], state_label)}；演练 drills {c['drills']:,}）"
        )
        w(f"  响应级别 levels: {fmt_counter(c['levels'])}")
        w(f"  类别 categories: {fmt_counter(c['categories'], category_label)}")
        w(f"  县（市、区）counties: {fmt_counter(c['counties'])}")
        w(
            f"任务 {c['tasks']:,} 项 / tasks: {c['tasks']:,}（{fmt_counter(c['task_kinds'])}；"
            f"{fmt_counter(c['task_states'], task_state_label)}；逾期未完成 overdue {c['overdue']:,}）"
        )
        w(
            f"时间线 {c['events']:,} 条 / timeline events: {c['events']:,}（{fmt_counter(c['event_kinds'], event_kind_label)}）"
        )
        w("另有 / also: " + "，".join(f"{label} {n:,}" for label, n in c["also"].items()))
        w(f"生成的事件标题以“{MARK}”开头 / generated incidents' titles start with {MARK}")
        w(f"用时 {seconds:.1f} 秒 / took {seconds:.1f} s")

    # ---- --delete --------------------------------------------------------------------------------

    def delete(self, verbosity, started):
        from incidents.models import Incident, TimelineEvent

        ids = list(Incident.objects.filter(title__startswith=MARK).values_list("pk", flat=True))
        if not ids:
            if verbosity:
                self.stdout.write("没有生成的数据。 / There is no generated data.")
            return
        events = TimelineEvent.objects.filter(incident_id__in=ids).count()
        if append_only_trigger_present():
            raise CommandError(
                f"不能删除：数据库中有 {len(ids):,} 起生成的事件和 {events:,} 条时间线记录；时间线是只追加的"
                "（PostgreSQL 触发器拒绝 DELETE），未作任何修改。要重新开始，请使用新的数据库：建库、"
                "python manage.py migrate、python manage.py load_plan --demo、python manage.py generate_winter。\n"
                f"Cannot delete: the database holds {len(ids):,} generated incidents and {events:,} timeline "
                "events; the timeline is append-only (a PostgreSQL trigger refuses DELETE); nothing was changed. "
                "To start over, use a fresh database: create it, then python manage.py migrate, "
                "python manage.py load_plan --demo, python manage.py generate_winter."
            )
        with transaction.atomic():
            from command.models import Delivery, Notification

            # the in-app digests of reminders about generated incidents only (they carry no incident)
            digests = set(
                Delivery.objects.filter(
                    reminder__incident_id__in=ids, notification__isnull=False
                ).values_list("notification_id", flat=True)
            ) - set(
                Delivery.objects.filter(notification__isnull=False)
                .exclude(reminder__incident_id__in=ids)
                .values_list("notification_id", flat=True)
            )
            removed = Counter()
            delete_rows(Incident, ids, removed, guard=set(ids))
            removed["command.Notification"] += Notification.objects.filter(pk__in=digests).delete()[0]
            from incidents.models import LinkedEvent

            spare = LinkedEvent.objects.filter(name__startswith=MARK, incidents__isnull=True)
            removed["incidents.LinkedEvent"] += spare.count()
            spare.delete()
        if verbosity:
            self.stdout.write(
                f"已删除 / deleted: {fmt_counter(removed)}；用时 {time.monotonic() - started:.1f} 秒 / "
                f"took {time.monotonic() - started:.1f} s"
            )


def fmt_counter(counter, label=str):
    """ "已归档 archived 3,366，…": most first, with the Chinese label where ``label`` gives one."""
    items = sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return "，".join(f"{label(k)} {v:,}" for k, v in items)


def state_label(code):
    from incidents.choices import State

    return f"{State(code).label} {code}"


def category_label(code):
    from incidents.choices import CATEGORY_SHORT

    return f"{CATEGORY_SHORT[code]} {code}"


def task_state_label(code):
    from command.models import Assignment

    return f"{Assignment.State(code).label} {code}"


def event_kind_label(code):
    from incidents.models import TimelineEvent

    return f"{TimelineEvent.Kind(code).label} {code}"


def append_only_trigger_present():
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal",
            ["incidents_timelineevent_append_only"],
        )
        return cursor.fetchone() is not None


def delete_rows(model, pks, removed, *, guard):
    """Delete ``model`` rows ``pks`` and, first, every row that refers to them (raw DELETEs: the model
    layer refuses to delete append-only rows, and PROTECT would stop the collector). Only for databases
    without the append-only trigger. Incidents that are not generated but refer to generated ones
    (merged into one) stop the deletion."""
    from incidents.models import Incident

    if not pks:
        return
    for rel in model._meta.related_objects:
        related = rel.related_model
        name = rel.field.name
        qs = related._base_manager.filter(**{f"{name}__in": pks})
        if rel.many_to_many:
            continue
        if related is Incident:
            outside = qs.exclude(pk__in=guard)
            if outside.exists():
                raise CommandError(
                    "不能删除：有非生成的事件合并到了生成的事件。 / Cannot delete: incidents that were not "
                    "generated are merged into generated ones."
                )
            if rel.field.null:
                qs.update(**{name: None})
            continue
        if rel.on_delete.__name__ == "SET_NULL":
            related._base_manager.filter(**{f"{name}__in": pks}).update(**{name: None})
            continue
        child = list(qs.values_list("pk", flat=True))
        if child:
            delete_rows(related, child, removed, guard=guard)
    for start in range(0, len(pks), BATCH_SIZE):
        chunk = pks[start : start + BATCH_SIZE]
        qs = model._base_manager.filter(pk__in=chunk)
        removed[model._meta.label] += qs._raw_delete(qs.db)


# ---------------------------------------------------------------------------------------------------
# What the generator needs from the database (the plan and the demo set)
# ---------------------------------------------------------------------------------------------------


@dataclass
class Context:
    plan: object
    area: object
    users: dict
    posts_of: dict  # (username, action) -> post name
    counties: dict
    companies: dict
    groups: list
    posts: dict
    resolved: dict
    signer_of_unit: dict  # unit id -> Person (liaison, else head)
    person_user: dict  # person id -> (user id, name)


def missing_message(what):
    return (
        f"缺少预案组织体系或演示数据（{what}）：请先运行 python manage.py load_plan --demo。\n"
        f"The plan's org chart and the demo data are needed ({what}): run python manage.py load_plan --demo first."
    )


def load_context():
    from incidents.models import PlanVersion
    from orgchart.models import Appointment, County, Person, ServiceArea, Unit
    from orgchart.permissions import can
    from orgchart.selectors import groups_qs, holders_by_post, leader_posts_by_group

    try:
        plan = PlanVersion.current()
    except DatabaseError as exc:
        raise CommandError(
            "数据库尚未迁移：请先运行 python manage.py migrate 和 python manage.py load_plan --demo。\n"
            "The database is not migrated: run python manage.py migrate and python manage.py load_plan --demo."
        ) from exc
    if plan is None:
        raise CommandError(missing_message("没有现行的预案版本 / no plan version in force"))
    area = ServiceArea.objects.filter(is_default=True).first()
    if area is None or not area.heated_area_m2:
        raise CommandError(
            missing_message("默认供热服务区域或其供热面积 / the default service area or its heated area")
        )
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS).select_related("person")}
    lacking = [name for name in DEMO_USERS if name not in users or not hasattr(users[name], "person")]
    if lacking:
        raise CommandError(missing_message(f"演示账号 / demo accounts: {', '.join(lacking)}"))
    counties = {c.code: c for c in County.objects.select_related("government")}
    if set(counties) != set(COUNTY_WEIGHTS):
        raise CommandError(missing_message("14个县（市、区）/ the 14 counties"))
    companies = {u.code: u for u in Unit.objects.filter(code__in=DEMO_COMPANIES).select_related("parent")}
    if len(companies) != len(DEMO_COMPANIES):
        raise CommandError(missing_message("演示供热企业 / demo heating companies"))
    groups = list(groups_qs().order_by("order"))
    if len(groups) != 8:
        raise CommandError(missing_message("八个工作组 / the eight working groups"))
    posts = holders_by_post()
    signer = {}
    for a in Appointment.objects.filter(
        position__code__in=("unit_head", "unit_liaison"), role="holder", unit__isnull=False
    ).select_related("person", "position"):
        if a.position.code == "unit_liaison" or a.unit_id not in signer:
            signer[a.unit_id] = a.person
    person_user = {pk: (uid, name) for pk, uid, name in Person.objects.values_list("pk", "user_id", "name")}
    posts_of = {}
    for username, action in (
        ("office", "incident.assess"),
        ("office", "aftermath.manage"),
        ("director", "level.activate.4"),
        ("director", "level.activate.3"),
        ("director", "level.lower.3_to_4"),
        ("director", "response.end.3_4"),
        ("commander", "level.activate.2"),
        ("commander", "level.lower.from_1_2"),
        ("commander", "response.end.1_2"),
        ("general", "level.activate.1"),
    ):
        decision = can(users[username], action)
        if not decision:
            raise CommandError(missing_message(f"{username} 无权 {action} / {username} may not {action}"))
        posts_of[(username, action)] = decision.via
    return Context(
        plan=plan,
        area=area,
        users=users,
        posts_of=posts_of,
        counties=counties,
        companies=companies,
        groups=groups,
        posts=posts,
        resolved=leader_posts_by_group(),  # 附件3 组长 posts, resolved per incident (AB角 included)
        signer_of_unit=signer,
        person_user=person_user,
    )


# ---------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------


@contextmanager
def as_of(inc, at, level="keep"):
    """The incident as it stood at ``at``: not yet restored if restoration came later; ``level`` the
    level in force then. Restores the instance afterwards."""
    saved = inc.restored_at, inc.level
    if inc.restored_at is not None and inc.restored_at > at:
        inc.restored_at = None
    if level != "keep":
        inc.level = level
    try:
        yield inc
    finally:
        inc.restored_at, inc.level = saved


class Winter:
    def __init__(self, ctx, rng, now, opts):
        self.ctx, self.rng, self.now = ctx, rng, now
        self.n_past, self.n_active = opts["past"], opts["active"]
        self.n_tasks, self.n_events, self.drills = opts["tasks"], opts["events"], opts["drills"]
        self.tz = timezone.get_current_timezone()
        self.total_area = ctx.area.heated_area_m2
        # The service area covering each county (附件4(1), reading): the built-up area or the county's own.
        from orgchart.models import ServiceArea

        self.area_of = {}
        for a in ServiceArea.objects.filter(active=True).prefetch_related("counties").order_by("-is_default"):
            for c in a.counties.all():
                self.area_of.setdefault(c.pk, a)
        self.plans = []
        self.linked = {}  # names of the linked events (one per cold spell) to get or create
        self.rows = {}  # label -> list of unsaved rows
        self.seq = 0

    def total_of(self, inc):
        """The heated area of the incident's service area (its county's own where it has a total)."""
        return inc.service_area.heated_area_m2 or self.total_area

    # ---- calendar ---------------------------------------------------------------------------------

    def windows(self):
        """(first day, last day) of the past heating seasons: the two complete ones before the current
        or last season, plus the current one up to a week ago (past incidents must have had time to be
        archived)."""
        local = timezone.localtime(self.now, self.tz)
        last_day = (local - timedelta(days=7)).date()
        y = local.year if (local.month, local.day) >= (11, 15) else local.year - 1
        in_season = local.date() <= date(y + 1, 3, 15)
        years = (y - 2, y - 1, y) if in_season else (y - 1, y)
        result = []
        for sy in years:
            first, last = date(sy, 11, 15), min(date(sy + 1, 3, 15), last_day)
            if last >= first:
                result.append((first, last))
        return result

    def build_days(self):
        rng = self.rng
        self.days, spell_id = [], 0
        self.spells = {}
        for first, last in self.windows():
            n = (last - first).days + 1
            season_days = [first + timedelta(days=i) for i in range(n)]

            def cold(d, first=first):
                idx = (d - first).days
                return max(0.0, 1 - ((idx - 61) / 75) ** 2)  # coldest mid-January

            spell_of = {}
            for _ in range(max(0, round(n / 25))):
                start = rng.choices(season_days, weights=[cold(d) + 0.15 for d in season_days])[0]
                length = rng.randint(3, 7)
                spell_id += 1
                drop = rng.uniform(5, 9)
                for k in range(length):
                    d = start + timedelta(days=k)
                    if d <= last and d not in spell_of:
                        spell_of[d] = (spell_id, drop)
                self.spells[spell_id] = start
            for d in season_days:
                spell = spell_of.get(d)
                tmin = 1 - 8 * cold(d) + rng.uniform(-2, 2) - (spell[1] if spell else 0)
                weight = (1 + 1.2 * cold(d)) * (2.2 if spell else 1) * (1.8 if (d - first).days < 7 else 1)
                self.days.append(Day(d, weight, round(tmin), spell[0] if spell else None))
        if not self.days and self.n_past:
            raise CommandError("没有可用的过去采暖季日期。 / No past heating-season days to use.")
        self.cum = []
        total = 0.0
        for d in self.days:
            total += d.weight
            self.cum.append(total)
        self.spell_days = [d for d in self.days if d.spell] or sorted(self.days, key=lambda d: d.tmin)[:10]

    def local(self, d, hour, minute, second=0):
        return datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=self.tz)

    def sample_occurrence(self, category, drill):
        rng = self.rng
        if drill:
            day = rng.choice(self.days)
            hour = rng.randint(9, 15)
        else:
            day = (
                rng.choice(self.spell_days)
                if category == "extreme_cold"
                else rng.choices(self.days, cum_weights=self.cum)[0]
            )
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        return day, self.local(day.date, hour, rng.randrange(60), rng.randrange(60))

    # ---- people -----------------------------------------------------------------------------------

    def user(self, username):
        return self.ctx.users[username]

    # ---- planning ---------------------------------------------------------------------------------

    def plan(self):
        rng = self.rng
        if self.n_past:
            self.build_days()
        total = self.n_past + self.n_active
        counties = rng.choices(list(COUNTY_WEIGHTS), weights=list(COUNTY_WEIGHTS.values()), k=total)
        if total >= len(COUNTY_WEIGHTS):  # every county appears
            order = list(COUNTY_WEIGHTS)
            rng.shuffle(order)
            counties[: len(order)] = order
        past_drills = set(rng.sample(range(self.n_past), round_half_up(self.drills * self.n_past)))
        active_drills = set(rng.sample(range(self.n_active), round_half_up(self.drills * self.n_active)))
        for i in range(self.n_past):
            self.plans.append(self.plan_past(counties[i], i in past_drills))
        states = []
        for state, share in ACTIVE_STATE_SHARES:
            states += [state] * round_half_up(share * self.n_active)
        states = (states + ["responding"] * self.n_active)[: self.n_active]
        if self.n_active and "responding" not in states:
            states[0] = "responding"
        rng.shuffle(states)
        for i, state in enumerate(states):
            self.plans.append(self.plan_active(counties[self.n_past + i], i in active_drills, state))
        self.plans.sort(key=lambda p: (p.inc.reported_at, p.inc.title))
        self.plan_tasks()
        self.plan_setups()
        self.check_events()
        self.plan_extras()
        for p in self.plans:
            p.filler_events, p.filler_rows = self.fillers(p)
            p.inc.state = p._state
            if p.responded:
                p.inc.level, p.inc.level_since = p.levels[-1]
        self.validate()

    # ---- one incident -----------------------------------------------------------------------------

    def new_incident(self, county_code, category, drill, occurred, mode):
        from incidents.models import Incident

        rng, ctx = self.rng, self.ctx
        county = ctx.counties[county_code]
        streets = STREETS.get(county_code, GENERIC_STREETS)
        street = rng.choice(streets)
        estate = rng.choice(ESTATES)
        place = f"{street}{estate}" if county_code in STREETS else f"{county.name}{street}"
        big = mode in ("share", "city")  # a large part of the built-up area: the heat source, a trunk main
        template, facility, itype = rng.choice((BIG_TITLES if big else TITLES)[category])
        company = None
        if county_code in STREETS and category not in ("extreme_cold", "other"):
            code = "demo-heat-source" if facility == "heat_source_plant" else rng.choice(DEMO_COMPANIES[:2])
            company = ctx.companies[code]
        company_name = company.display_name if company else f"{county.name}供热公司"
        title = template.format(
            place=place,
            n=rng.randint(1, 40),
            dn=rng.choice((300, 400, 500, 600, 800)),
            company=company_name,
            county=county.name,
        )
        source = (
            "other" if drill else rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()))[0]
        )
        self.seq += 1
        from orgchart.demo import demo_name, demo_phone

        lon, lat = map_point(county.code, self.seq)
        inc = Incident(
            title=f"{MARK}{title}"[:120],
            lon=lon,
            lat=lat,
            category=category,
            incident_type=itype,
            facility=facility,
            service_area=self.area_of.get(county.pk, ctx.area),
            county=county,
            address=f"{county.name}{street}{rng.randint(1, 300)}号",
            company=company,
            occurred_at=occurred,
            is_drill=drill,
            source=source,
            reporter_name="演练导调组" if drill else demo_name(1000 + self.seq),
            reporter_phone="" if drill else demo_phone(7_000_000 + self.seq),
            reporter_unit=(
                company_name
                if source == "company"
                else f"{county.name}城市管理局"
                if source == "county"
                else ""
            ),
            plan_version=ctx.plan,
            created_by=self.user("office"),
        )
        return inc

    def describe(self, inc, day, extra=""):
        when = timezone.localtime(inc.occurred_at, self.tz)
        text = f"{when:%m月%d日 %H:%M}，{inc.address}附近：{inc.title[len(MARK) :]}。"
        if day is not None:
            text += f"当日最低气温{day.tmin}℃。"
        if inc.affected_area_m2:
            text += f"影响供热面积约{int(inc.affected_area_m2):,}平方米、约{inc.affected_households:,}户。"
        if inc.is_drill:
            text += "（演练）"
        inc.description = text + extra

    def choose_mode(self, category, level, county_code):
        """What made the level: a share of the built-up area's heat (附件4(1): only where the service
        area is, in the built-up area), people at risk (3), an accident (2), or the command's judgment."""
        rng = self.rng
        big_ok = county_code in BUILT_UP and category in BIG_CATEGORIES
        if level == 3:
            weights = (25, 30, 30, 15 if big_ok else 0)
            return rng.choices(("people", "accident", "judgment", "share"), weights=weights)[0]
        if level == 2:
            return "share" if big_ok and rng.random() < 0.7 else "people"
        if level == 1:
            return "city" if big_ok and category in ("supply_shortage", "extreme_cold") else "people"
        return "small"

    def figures(self, inc, level, mode, active):
        """Outage and casualty figures fitting the level actually used (small outages, long tail)."""
        rng, total = self.rng, self.total_of(inc)
        quarter = int(total / 4)
        if mode == "share" and level == 3:
            area = rng.randint(quarter, int(total / 2) - 1)
        elif mode == "share":
            area = rng.randint(int(total / 2), int(total) - 1)
        elif mode == "city":
            area = int(total)
        elif mode == "judgment":
            area = min(int(rng.lognormvariate(math.log(400_000), 0.8)), quarter - 1)
        else:
            area = min(max(int(rng.lognormvariate(math.log(25_000), 1.3)), 300), quarter - 1)
        inc.affected_area_m2 = Decimal(area).quantize(Decimal("0.01"))
        inc.affected_households = max(1, round(area / rng.uniform(80, 110)))
        known = not active or rng.random() < 0.6
        inc.deaths = inc.serious_injuries = 0 if known else None
        if mode == "people":
            inc.people_at_risk_peak = {3: rng.randint(1, 2), 2: rng.randint(3, 9), 1: rng.randint(10, 14)}[
                level
            ]
        hurt = not inc.is_drill and (  # few casualties: now and then someone scalded; drills have none
            (mode == "accident" and rng.random() < 0.35)
            or (level == 4 and rng.random() < 0.015)
            or (level in (1, 2) and rng.random() < 0.1)
        )
        if hurt:
            inc.serious_injuries = rng.randint(1, 2)
            if level <= 3 and rng.random() < 0.1:
                inc.deaths = 1
            if active and rng.random() < 0.5:
                inc.serious_injuries_pending = True
                inc.deaths_pending = inc.deaths is not None and inc.deaths > 0
        if level and (mode == "accident" or rng.random() < 0.3):  # a loss > 0 makes it a 一般事故 (附件5)
            scale = 150_000 if level >= 3 else 2_000_000
            loss = min(int(rng.lognormvariate(math.log(scale), 0.9)), 9_000_000)
            inc.direct_loss_yuan = Decimal(loss).quantize(Decimal("0.01"))
            inc.direct_loss_pending = active and rng.random() < 0.5
        if level == 1 and rng.random() < 0.5:
            inc.beyond_city_capacity = True

    def outage(self, inc, level, active):
        """Times: outage start ≈ occurrence; report a little later; restoration by level."""
        rng = self.rng
        inc.outage_started_at = inc.occurred_at + minutes(rng.uniform(0, 25))
        lag = min(max(rng.lognormvariate(math.log(18), 0.8), 2), 360)
        inc.reported_at = inc.occurred_at + minutes(lag)
        if active:
            return
        median = {None: 5, 4: 14, 3: 28, 2: 40, 1: 60}[level]
        low = 1 if level is None else 2
        cap = 23 if level is None else 96
        duration = min(max(rng.lognormvariate(math.log(median), 0.6), low), cap)
        if level and level <= 3 and inc.affected_area_m2 >= self.total_of(inc) / 4:
            duration = max(duration, 24 + rng.uniform(0, 30))
        inc.restored_at = inc.outage_started_at + hours(duration)
        if rng.random() < 0.85:
            inc.estimated_restoration_at = inc.outage_started_at + hours(duration * rng.uniform(0.7, 1.3))

    def plan_past(self, county_code, drill):
        rng = self.rng
        if drill:
            category = rng.choice(("heat_source_pipeline", "equipment_failure", "extreme_cold"))
        else:
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        day, occurred = self.sample_occurrence(category, drill)
        if rng.random() < (0.9 if drill else RESPONSE_RATE[category]):
            fate = "responded"
        else:
            fate = "handled" if rng.random() < 0.72 else "dismissed"
            if fate == "handled" and rng.random() < 0.3:
                fate = "handled_archived"
        level = None
        if fate == "responded":
            weights = dict(PAST_LEVEL_WEIGHTS)
            if category not in BIG_CATEGORIES:
                weights[1] = weights[2] = 0
            if drill:
                weights = {4: 55, 3: 37, 2: 8, 1: 0}
            level = rng.choices(list(weights), weights=list(weights.values()))[0]
        mode = self.choose_mode(category, level, county_code)
        inc = self.new_incident(county_code, category, drill, occurred, mode)
        p = Plan(inc=inc, fate=fate, active=False, day=day)
        if fate == "dismissed":
            inc.reported_at = inc.occurred_at + minutes(rng.uniform(5, 60))
        else:
            self.figures(inc, level, mode, active=False)
            self.outage(inc, level, active=False)
            if fate == "responded":
                inc.hazards_controlled = True
            elif rng.random() < 0.5:
                inc.hazards_controlled = True
        inc.created_at = inc.reported_at + minutes(rng.uniform(1, 12))
        self.describe(inc, day)
        self.link_to_spell(p)
        self.lifecycle_past(p, level)
        return p

    def link_to_spell(self, p):
        """Incidents of one cold spell are linked (关联事件), as the office does for a cold wave."""
        inc = p.inc
        if p.day is None or not p.day.spell or inc.category not in ("extreme_cold", "supply_shortage"):
            return
        start = self.spells[p.day.spell]
        name = f"{MARK}{start.year}年{start.month}月{start.day}日起寒潮"
        self.linked.setdefault(name, None)
        inc._linked_name = name

    def plan_active(self, county_code, drill, state):
        rng, now = self.rng, self.now
        if drill:
            category = rng.choice(("heat_source_pipeline", "equipment_failure"))
        else:
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        span = {
            "reported": rng.uniform(2, 50) / 60,
            "assessing": rng.uniform(20, 360) / 60,
            "responding": rng.uniform(1.5, 36),
        }[state]
        reported = now - hours(span)
        occurred = reported - minutes(min(max(rng.lognormvariate(math.log(18), 0.7), 3), 180))
        level = None
        if state == "responding":
            weights = dict(ACTIVE_LEVEL_WEIGHTS)
            if category not in BIG_CATEGORIES:
                weights[1] = weights[2] = 0
            level = rng.choices(list(weights), weights=list(weights.values()))[0]
        mode = self.choose_mode(category, level, county_code)
        inc = self.new_incident(county_code, category, drill, occurred, mode)
        p = Plan(inc=inc, fate=state, active=True)
        self.figures(inc, level, mode, active=True)
        inc.outage_started_at = occurred + minutes(rng.uniform(0, 15))
        inc.reported_at = reported
        if rng.random() < 0.8:
            inc.estimated_restoration_at = max(now, inc.outage_started_at) + hours(rng.uniform(1, 30))
            if level and level <= 3 and inc.affected_area_m2 >= self.total_of(inc) / 4:
                inc.estimated_restoration_at = max(
                    inc.outage_started_at + hours(24 + rng.uniform(2, 30)), now + hours(rng.uniform(1, 12))
                )
        if inc.people_at_risk_peak:
            inc.still_trapped = rng.randint(0, inc.people_at_risk_peak)
            inc.still_missing = (
                rng.randint(0, inc.people_at_risk_peak - inc.still_trapped) if rng.random() < 0.3 else 0
            )
        inc.hazards_controlled = rng.random() < 0.4
        inc.created_at = min(reported + minutes(rng.uniform(1, 8)), now)
        self.describe(inc, None)
        self.lifecycle_active(p, level)
        return p

    # ---- the lifecycle as events ------------------------------------------------------------------

    def event(self, p, at, kind, summary, *, user=None, post="", reason="", clause="", data=None, **kw):
        from incidents.models import TimelineEvent

        ev = TimelineEvent(
            incident=p.inc,
            at=at,
            actor=user,
            actor_name=user.person.name if user is not None else "系统",
            actor_post=post,
            kind=kind,
            summary=summary[:300],
            reason=reason,
            clause=clause[:60],
            data=data if data is not None else {},
            **kw,
        )
        ev._refs = {}
        return ev

    def grade(self, p):
        """The accident grade (附件5) from the verified figures, by the model (the figures stay put)."""
        if not hasattr(p, "_grade"):
            p._grade = p.inc.grade()[0]
        return p._grade

    def rec(self, p, at, restored=None):
        """The 附件4 recommendation by the model as it stood at ``at`` (``restored=False``: just before
        the restoration). Cached per incident on what it depends on at a given time: whether heat was
        back and whether the outage had lasted the plan's hours (firm_after_hours)."""
        inc = p.inc
        back = inc.restored_at is not None and inc.restored_at <= at if restored is None else restored
        with as_of(inc, at):
            if not back:
                inc.restored_at = None
            elapsed = inc.unrestored_hours(at)
            firm = None if elapsed is None else elapsed >= Fraction(inc.rules_data["firm_after_hours"])
            key = (back, firm)
            cache = p.__dict__.setdefault("_recs", {})
            if key not in cache:
                cache[key] = inc.recommendation(at)
        return cache[key]

    def created_event(self, p):
        from incidents.models import TimelineEvent

        inc = p.inc
        at = inc.reported_at
        grade, rec = self.grade(p), self.rec(p, at)
        p.essentials.append(
            self.event(
                p,
                at,
                TimelineEvent.Kind.CREATED,
                f"接报登记：{inc.title}",
                user=self.user("office"),
                clause="§5.1",
                data={
                    "grade": grade.value if grade else None,
                    "recommended_level": int(rec.level) if rec.level else None,
                    "recommendation_status": rec.status,
                    "clauses": list(rec.clauses),
                },
            )
        )

    def move(self, p, name, at, *, username, level=None, reason="", system=False):
        """A state move as ``lifecycle.perform`` records it (clauses and conditions by its own code)."""
        from incidents import lifecycle
        from incidents.choices import ResponseLevel
        from incidents.models import TimelineEvent

        inc, spec = p.inc, lifecycle.MOVES[name]
        old_state = p._state
        old_level = p.levels[-1][0] if p.levels else None
        with as_of(inc, at, level=old_level):
            action, clause = lifecycle._authority(inc, spec, {"level": level})
            extra = lifecycle._check_conditions(
                inc, spec, {"merged_into": None, "level": level, "reason": reason or "-"}, at
            )
        if extra:
            clause = "、".join([clause, *extra])
        user = self.user(username)
        post = "随响应结束转入（§7）" if system else self.ctx.posts_of.get((username, action), "")
        new_state = spec.target or old_state
        new_level = old_level
        if name in ("activate", "change_level"):
            new_level = int(level)
            p.levels.append((new_level, at))
        summary = str(spec.label)
        if name == "activate":
            summary = f"启动{ResponseLevel(new_level).label}响应"
        elif name == "change_level":
            summary = f"响应级别由{ResponseLevel(old_level).label}调整为{ResponseLevel(new_level).label}"
        p.essentials.append(
            self.event(
                p,
                at,
                TimelineEvent.Kind.LEVEL if name == "change_level" else TimelineEvent.Kind.STATE,
                summary,
                user=user,
                post=post,
                reason=reason,
                clause=clause,
                data={"move": name, "action": action, "acting_for": []},
                from_state=old_state,
                to_state=new_state,
                from_level=old_level,
                to_level=new_level,
            )
        )
        p._state = new_state

    def activation_reason(self, p, level, at):
        """A written reason where the level is the command's judgment (附件4 condition (4))."""
        from incidents.choices import ResponseLevel
        from incidents.lifecycle import backed_levels

        inc, rec = p.inc, self.rec(p, at)
        if ResponseLevel(level) in backed_levels(rec):
            return ""
        if inc.people_at_risk_peak:
            why = f"{inc.people_at_risk_peak}人涉险、被困，需立即组织救援"
        elif inc.serious_injuries or inc.deaths:
            why = "发生人员伤亡"
        else:
            why = f"停热约{inc.affected_households:,}户，预计短时间内难以恢复"
        return f"{why}，经研判决定启动{ResponseLevel(level).label}响应（附件4第4项）"

    def activator(self, level):
        return {1: "general", 2: "commander", 3: "director", 4: "director"}[level]

    def respond(self, p, level, t_assess, horizon):
        """assess → activate (maybe one level lower first, raised later); returns the activation time."""
        rng = self.rng
        raised = level < 4 and rng.random() < 0.08
        first = level + 1 if raised else level
        span = (horizon - t_assess).total_seconds() / 60
        t_act = t_assess + minutes(min(rng.uniform(10, 150), span * rng.uniform(0.05, 0.25)))
        self.move(
            p,
            "activate",
            t_act,
            username=self.activator(first),
            level=first,
            reason=self.activation_reason(p, first, t_act),
        )
        p.act_at = t_act
        if raised:
            t_raise = t_act + (horizon - t_act) * rng.uniform(0.1, 0.4)
            self.move(
                p,
                "change_level",
                t_raise,
                username=self.activator(level),
                level=level,
                reason="抢修难度加大、停热范围扩大，提高响应级别",
            )
        return t_act

    def lifecycle_past(self, p, level):
        rng, inc = self.rng, p.inc
        p._state = "reported"
        self.created_event(p)
        t = inc.reported_at
        latest = self.now - hours(1)
        if p.fate == "dismissed":
            if rng.random() < 0.4:
                t = t + minutes(rng.uniform(3, 30))
                self.move(p, "start_assessment", t, username="office")
            t = t + minutes(rng.uniform(10, 180))
            self.move(p, "dismiss", t, username="office", reason=rng.choice(DISMISS_REASONS))
            p.close_at = t
            return
        t_assess = t + minutes(rng.uniform(3, 40))
        self.move(p, "start_assessment", t_assess, username="office")
        if p.fate in ("handled", "handled_archived"):
            if inc.restored_at <= t_assess + hours(3):
                t_close = max(inc.restored_at, t_assess) + minutes(rng.uniform(5, 60))
                reason = (
                    f"经研判：停热约{inc.affected_households:,}户，已于"
                    f"{timezone.localtime(inc.restored_at, self.tz):%m月%d日%H:%M}恢复供热，未达到响应条件，"
                    "由供热企业处置"
                )
            else:
                t_close = t_assess + minutes(rng.uniform(30, 180))
                reason = f"经研判：停热约{inc.affected_households:,}户，供热企业正在抢修，未达到响应条件，由供热企业处置"
            self.move(p, "close_without_response", t_close, username="office", reason=reason)
            p.close_at = t_close
            if p.fate == "handled_archived":
                t_arch = min(t_close + timedelta(days=rng.uniform(1, 20)), latest)
                self.move(p, "archive", max(t_arch, t_close + minutes(1)), username="office")
                p.close_at = max(t_arch, t_close + minutes(1))
            return
        # responded: activate, (raise), end after restoration, aftermath, archive
        horizon = max(inc.restored_at, t_assess + hours(2))
        self.respond(p, level, t_assess, horizon)
        p.end_at = horizon + hours(rng.uniform(0.5, 8))
        p.close_at = p.end_at  # tasks and extras happen before the end (set again below)

    def finish_past(self, p):
        """End, aftermath, archive: after the tasks are known (the end comes after the last of them)."""
        rng, level = self.rng, p.final_level
        t_end = p.end_at
        ender = "commander" if level <= 2 else "director"
        self.move(
            p,
            "end_response",
            t_end,
            username=ender,
            reason="已全面恢复供热，遇险人员全部救出，次生、衍生危害已消除",
        )
        self.move(p, "begin_aftermath", t_end, username=ender, system=True)
        t_arch = min(t_end + timedelta(days=rng.uniform(2, 30)), self.now - hours(1))
        t_arch = max(t_arch, t_end + minutes(1))
        self.move(p, "archive", t_arch, username="office")

    def lifecycle_active(self, p, level):
        rng, inc, now = self.rng, p.inc, self.now
        p._state = "reported"
        self.created_event(p)
        p.close_at = now
        if p.fate == "reported":
            return
        span = (now - inc.reported_at).total_seconds() / 60
        t_assess = inc.reported_at + minutes(span * rng.uniform(0.03, 0.25))
        self.move(p, "start_assessment", t_assess, username="office")
        if p.fate == "responding":
            self.respond(p, level, t_assess, now - minutes(2))

    # ---- setups, groups, tasks --------------------------------------------------------------------

    def plan_tasks(self):
        """Tasks on the active responding incidents and on the most recent past responded ones."""
        rng = self.rng
        active = [p for p in self.plans if p.active and p.responded]
        past = [p for p in self.plans if not p.active and p.responded]
        if self.n_tasks and not (active or past):
            raise CommandError(
                "没有启动过响应的事件，无法生成任务：请增加 --past 或 --active。 / "
                "No incident had a response to give tasks to: raise --past or --active."
            )
        share_active = 0.55 if active and past else (1.0 if active else 0.0)
        n_active = round_half_up(self.n_tasks * share_active)
        n_past = self.n_tasks - n_active
        chosen_past = past[-max(1, min(len(past), round_half_up(n_past / 40))) :] if n_past else []
        bearing = []
        for group, n in ((active, n_active), (chosen_past, n_past)):
            weights = [{1: 4, 2: 3, 3: 1.5, 4: 1}[p.final_level] * rng.uniform(0.6, 1.4) for p in group]
            for p, k in zip(group, allocate(n, weights), strict=True):
                if k:
                    bearing.append((p, k))
        for p in (p for p in self.plans if p.responded):
            self.activate_groups(p, dict(bearing).get(p))
        for p, k in bearing:
            self.make_tasks(p, k)
        # some open tasks are overdue (due time passed, still open): at least one where any can be
        now = self.now
        can_be = [
            t
            for p in active
            for t in p.tasks
            if t.kind == "task" and t.state in OPEN_TASK_STATES and now - t.created_at > minutes(2)
        ]
        if can_be and not any(t.due_at < now for t in can_be):
            can_be[0].due_at = can_be[0].created_at + (now - can_be[0].created_at) / 2
        for p in self.plans:
            if not p.active and p.responded:
                last = max([p.end_at, *(t._last for t in p.tasks)])
                p.end_at = last if last > p.end_at else p.end_at
                self.finish_past(p)
                p.close_at = p.end_at

    def activate_groups(self, p, n_tasks):
        """Ⅱ/Ⅰ: all eight groups at the setup; Ⅳ/Ⅲ with tasks: the office picks a few (附件1)."""
        from command.models import ActivatedGroup, GroupUnit
        from command.response.activation import leaders_record, resolve_units
        from incidents.models import TimelineEvent

        rng, ctx = self.rng, self.ctx
        big = [(lv, at) for lv, at in p.levels if lv <= 2]
        if big:
            level, at = big[0]
            groups = ctx.groups
        elif n_tasks:
            level, at0 = p.levels[-1]
            horizon = p.end_at or self.now
            at = at0 + min(minutes(rng.uniform(5, 30)), (horizon - at0) / 3)
            codes = {"rescue", "coordination"} | set(rng.sample(LOW_LEVEL_GROUPS[2:], rng.randint(0, 3)))
            groups = [g for g in ctx.groups if g.code in codes]
            p.essentials.append(
                self.event(
                    p,
                    at,
                    TimelineEvent.Kind.COMMAND,
                    "启用工作组：" + "、".join(g.name for g in groups),
                    user=self.user("office"),
                    clause="附件1、附件3",
                )
            )
        else:
            return
        p.group_at, p.group_level = at, level
        for g in groups:
            ag = ActivatedGroup(
                incident=p.inc,
                group=g,
                at=at,
                level=level,
                leaders=leaders_record(g, p.inc, ctx.posts, set(), leader_posts=ctx.resolved),
            )
            ag._units = resolve_units(g.memberships.all(), p.inc, g.includes_county)
            ag._links = [GroupUnit(activated_group=ag, unit=u, added_at=at) for u in ag._units]
            p.groups.append(ag)

    def signer(self, task_group, unit, person):
        """(user id, name) of who signs for the task: its person, the unit's liaison, the group's leader."""
        ctx = self.ctx
        if person is not None:
            return ctx.person_user[person.pk]
        if unit is not None and unit.pk in ctx.signer_of_unit:
            return ctx.person_user[ctx.signer_of_unit[unit.pk].pk]
        leaders = task_group.leaders if task_group is not None else []
        if leaders:
            return ctx.person_user.get(leaders[0]["person"], (None, leaders[0]["name"]))
        uid = self.user("office").pk
        return uid, self.user("office").person.name

    def make_tasks(self, p, n):
        from command.models import Assignment

        rng, inc = self.rng, p.inc
        full = [("group", ag, None) for ag in p.groups]
        seen = set()
        for ag in p.groups:
            for u in ag._units:
                if u.pk not in seen:
                    seen.add(u.pk)
                    full.append(("unit", None, u))
        n_assign = min(len(full), n * 2 // 5)
        start = p.group_at or p.act_at
        horizon = (p.end_at - minutes(5)) if not p.active else self.now - minutes(1)
        horizon = max(horizon, start)
        creators = ("office", "office", "director", "commander")
        for i in range(n):
            if i < n_assign:
                _kind, ag, unit = full[i]
                group = ag.group if ag else None
                title = group.name if group else unit.display_name
                duties = group.duties if group else (unit.plan_duties or unit.duties)
                clause = group.clause if group else (unit.plan_duties_clause or unit.duties_clause or "附件2")
                t = Assignment(
                    incident=inc,
                    kind="assignment",
                    group=group,
                    unit=unit,
                    title=title,
                    duties=duties,
                    clause=clause,
                    level=p.group_level,
                    created_at=p.group_at,
                    created_by=None,
                )
                t._group = ag
            else:
                ag = rng.choice(p.groups)
                mode = rng.random()
                unit = rng.choice(ag._units) if ag._units and mode < 0.6 else None
                group = ag.group if (unit is None or mode < 0.2) else None
                person = None
                if unit is not None and unit.pk in self.ctx.signer_of_unit and rng.random() < 0.25:
                    person = self.ctx.signer_of_unit[unit.pk]
                created = start + (horizon - start) * rng.random()
                title = rng.choice(TASK_TITLES[ag.group.code])
                at_level = [lv for lv, at in p.levels if at <= created][-1:] or [p.levels[0][0]]
                t = Assignment(
                    incident=inc,
                    kind="task",
                    group=group,
                    unit=unit,
                    person=person,
                    title=title,
                    duties=f"{title}。事发地点：{inc.address}。",
                    clause="§5.3.3(2)",
                    level=at_level[0],
                    priority=rng.choices(("urgent", "high", "normal"), weights=(20, 35, 45))[0],
                    created_at=created,
                    created_by=self.user(rng.choice(creators)),
                )
                t._group = ag
            self.task_states(p, t, horizon)
            p.tasks.append(t)

    def task_states(self, p, t, horizon):
        """States and times: open ones (some overdue) on active incidents; done or closed on past ones."""
        rng, now = self.rng, self.now
        created = t.created_at
        room = max((horizon - created).total_seconds() / 60, 0)

        def after(base, median):
            return min(base + minutes(min(rng.lognormvariate(math.log(median), 0.8), room)), horizon)

        uid, name = self.signer(t._group, t.unit, t.person)
        t._signer = uid
        if p.active:
            weights = (15, 30, 35, 20, 0) if t.kind == "assignment" else (18, 14, 26, 32, 10)
            state = rng.choices(("pending", "signed", "in_progress", "done", "returned"), weights=weights)[0]
        else:
            state = "done" if rng.random() < 0.85 else "closed"
        t.state = state
        if state in ("signed", "in_progress", "done") or (
            state in ("returned", "closed") and rng.random() < 0.4
        ):
            t.signed_at, t.signed_by_name = after(created, 12), name
        if state == "in_progress":
            t._started = after(t.signed_at, 20)
        if state == "done":
            t.done_at, t.done_by_name = after(t.signed_at, 90), name
        if state == "returned":
            t.returned_reason = rng.choice(RETURN_REASONS)
            t._returned = after(t.signed_at or created, 15)
        if t.kind == "task":
            if p.active and state in OPEN_TASK_STATES and rng.random() < 0.35 and now - created > minutes(20):
                t.due_at = created + (now - created) * rng.uniform(0.3, 0.95)  # overdue
            elif p.active and state in OPEN_TASK_STATES:
                t.due_at = now + hours(rng.uniform(0.5, 12))
            else:
                t.due_at = created + hours(rng.choice((1, 2, 4, 8)))
        t._last = max(
            x
            for x in (
                created,
                t.signed_at,
                t.done_at,
                getattr(t, "_started", None),
                getattr(t, "_returned", None),
            )
            if x is not None
        )

    def task_events(self, p):
        """The timeline of each task (tasking._timeline), preferred among the extras."""
        from incidents.models import TimelineEvent

        for t in p.tasks:
            names = [
                x
                for x in ((t.group.name if t.group else None), (t.unit.display_name if t.unit else None))
                if x
            ]
            target = " · ".join(names)
            label = f"{t.title}（{target}）" if target != t.title else t.title
            signer_name = t.signed_by_name or t.done_by_name or self.signer(t._group, t.unit, t.person)[1]
            steps = []
            if t.kind == "task":
                steps.append(("下达任务", t.created_at, t.created_by.pk, t.created_by.person.name, t.duties))
            if t.signed_at:
                steps.append(("签收", t.signed_at, t._signer, signer_name, ""))
            if getattr(t, "_started", None):
                steps.append(("开始处理", t._started, t._signer, signer_name, ""))
            if t.done_at:
                steps.append(("报告完成", t.done_at, t._signer, signer_name, ""))
            if getattr(t, "_returned", None):
                steps.append(("退回", t._returned, t._signer, signer_name, t.returned_reason))
            for verb, at, user_id, name, reason in steps:
                ev = self.event(
                    p,
                    at,
                    TimelineEvent.Kind.COMMAND,
                    f"{verb}：{label}",
                    reason=reason,
                    clause=t.clause or "附件3",
                )
                ev.actor_id, ev.actor_name = user_id, name
                ev._refs = {"task": t}
                p.preferred.append(ev)

    def plan_setups(self):
        """LevelSetup, the checklist and (Ⅱ/Ⅰ) the on-site HQ, with the setup event (activation.py)."""
        from command.models import ChecklistItem, LevelSetup, OnsiteHQ
        from command.response.activation import summary_low
        from command.response.emergency_plan import CALLDOWN_CLAUSE, CHECKLISTS
        from incidents.choices import ResponseLevel
        from incidents.models import TimelineEvent

        rng = self.rng
        setups, items, hqs = [], [], []
        director, office = self.user("director"), self.user("office")
        for p in self.plans:
            if not p.responded:
                continue
            seen_levels, codes, hq_done = set(), set(), False
            horizon = p.end_at if not p.active else self.now
            for level, at in p.levels:
                if level in seen_levels or (seen_levels and level > min(seen_levels)):
                    continue
                seen_levels.add(level)
                if level >= 3:
                    summary = str(summary_low(level))
                else:
                    n_assign = sum(1 for t in p.tasks if t.kind == "assignment")
                    summary = f"{ResponseLevel(level).label}响应：成立现场指挥部，启用{len(p.groups)}个工作组"
                    if n_assign:
                        summary += f"，下达{n_assign}项任务分工"
                    if level == 1:
                        summary += "；按§5.3.4加强现场指挥部力量"
                    if not hq_done:  # one on-site HQ per incident (a raise Ⅱ → Ⅰ keeps it)
                        hq_done = True
                        hq = OnsiteHQ(incident=p.inc, established_at=at)
                        taken = at + minutes(rng.uniform(20, 90))
                        if taken < horizon:
                            hq.command_taken_at = taken
                            hq.command_taken_by = self.user("commander").person
                        hqs.append(hq)
                setups.append(LevelSetup(incident=p.inc, level=level, at=at, summary=summary))
                p.essentials.append(
                    self.event(p, at, TimelineEvent.Kind.COMMAND, summary, clause=CALLDOWN_CLAUSE[level])
                )
                for i, (code, clause, text) in enumerate(CHECKLISTS[level]):
                    if code in codes:
                        continue
                    codes.add(code)
                    item = ChecklistItem(
                        incident=p.inc,
                        code=code,
                        clause=clause,
                        text=text,
                        level=level,
                        order=100 * (5 - level) + i,
                    )
                    if not p.active or rng.random() < 0.5:
                        done_by = rng.choice((director, office))
                        item.done_at = at + (horizon - at) * rng.uniform(0.05, 0.9)
                        item.done_by, item.done_by_name = done_by, done_by.person.name
                    items.append(item)
            closed = [t for t in p.tasks if t.state == "closed"]
            if closed:
                ender = self.user("commander" if p.final_level <= 2 else "director")
                ev = self.event(
                    p,
                    p.end_at,
                    TimelineEvent.Kind.COMMAND,
                    f"响应结束时未完成的任务：关闭{len(closed)}项，转入后期处置0项",
                    user=ender,
                    clause="§5.3.6、§7",
                )
                ev._refs = {"closed_tasks": closed}
                p.essentials.append(ev)
            self.task_events(p)
        self.rows["setups"], self.rows["checklist"], self.rows["hqs"] = setups, items, hqs

    # ---- events beyond the lifecycle --------------------------------------------------------------

    def check_events(self):
        for p in self.plans:
            if getattr(p.inc, "_linked_name", None):
                from incidents.models import TimelineEvent

                at = p.inc.reported_at + minutes(self.rng.uniform(5, 60))
                at = min(at, p.close_at)
                p.essentials.append(
                    self.event(
                        p,
                        at,
                        TimelineEvent.Kind.LINK,
                        f"关联到“{p.inc._linked_name}”",
                        user=self.user("office"),
                        clause="§5.1",
                        data={"from": "", "to": p.inc._linked_name},
                    )
                )
        minimum = sum(len(p.essentials) for p in self.plans)
        if self.n_events < minimum:
            raise CommandError(
                f"--events {self.n_events:,} 太少：这些事件的接报登记和状态变化等至少需要 {minimum:,} 条时间线记录。 / "
                f"--events {self.n_events:,} is too few: these incidents' reports, state moves and setups "
                f"need at least {minimum:,} timeline events."
            )

    def plan_extras(self):
        """The rest of the events: the tasks' own first, then follow-ups (续报), first measures (先期处置)
        and upward reports (信息报送), each with its row, spread by the incident's weight."""
        rng = self.rng
        spare = self.n_events - sum(len(p.essentials) for p in self.plans)
        preferred = [len(p.preferred) for p in self.plans]
        take = allocate(min(spare, sum(preferred)), preferred)
        for p, k in zip(self.plans, take, strict=True):
            if k < len(p.preferred):
                keep = set(rng.sample(range(len(p.preferred)), k))
                p.preferred = [ev for i, ev in enumerate(p.preferred) if i in keep]
        spare -= sum(take)
        weights = [self.extra_weight(p) for p in self.plans]
        for p, k in zip(self.plans, allocate(spare, weights), strict=True):
            p.extras = k

    def extra_weight(self, p):
        if p.active:
            return {"reported": 0.5, "assessing": 1.5}.get(p.fate) or {4: 6, 3: 8, 2: 14, 1: 20}[
                p.final_level
            ]
        if p.responded:
            return {4: 3, 3: 5, 2: 12, 1: 16}[p.final_level]
        return {"dismissed": 0.3}.get(p.fate, 1.2)

    def fillers(self, p):
        """``p.extras`` events with their rows: FollowUpReport, FirstMeasure, UpwardReport."""
        from incidents.models import FirstMeasure, FollowUpReport, TimelineEvent, UpwardReport
        from incidents.services import DEADLINES

        rng, inc = self.rng, p.inc
        start, end = inc.reported_at, p.close_at
        events, rows = [], {"follow_ups": [], "measures": [], "upward": []}
        office = self.user("office")
        restored_done = False
        for _ in range(p.extras):
            if p.fate == "dismissed":
                kind = "follow_up"
            else:
                kind = rng.choices(("follow_up", "upward", "measure"), weights=(55, 25, 20))[0]
            at = start + (end - start) * rng.random()
            if kind == "measure":
                at = min(start + minutes(rng.uniform(1, 180)), end)
                by = (
                    inc.company.display_name
                    if inc.company
                    else (inc.reporter_unit or f"{inc.county.name}供热公司")
                )
                text = rng.choice(FIRST_MEASURES)
                rows["measures"].append(
                    FirstMeasure(incident=inc, at=at, by=by, text=text, recorded_by=office, recorded_at=at)
                )
                events.append(
                    self.event(
                        p,
                        at,
                        TimelineEvent.Kind.FIRST_MEASURE,
                        f"先期处置（{by}）：{text}",
                        user=office,
                        clause="§5.2",
                    )
                )
            elif kind == "upward":
                sender = rng.choices(("city", "county", "company"), weights=(60, 25, 15))[0]
                recipient = {
                    "city": rng.choice(
                        ("general_duty_room", "commander", "city_government", "province_housing")
                    ),
                    "county": "competent_department",
                    "company": rng.choice(("local_government", "competent_department")),
                }[sender]
                span, rule = DEADLINES[sender]
                due = inc.reported_at + span
                sent = min(max(due + minutes(rng.uniform(-90, 45)), inc.reported_at + minutes(1)), end)
                report = UpwardReport(
                    incident=inc,
                    sender=sender,
                    recipient=recipient,
                    channel=rng.choice(("电话", "传真", "政务微信")),
                    due_at=due,
                    deadline_rule=rule,
                    sent_at=sent,
                    summary=f"报告：{inc.title[len(MARK) :]}",
                    recorded_by=office,
                    recorded_at=sent,
                )
                rows["upward"].append(report)
                events.append(
                    self.event(
                        p,
                        sent,
                        TimelineEvent.Kind.UPWARD_REPORT,
                        f"信息报送：{report.get_sender_display()} → {report.get_recipient_display()}（已报送）",
                        user=office,
                        clause="§5.1",
                        data={"due_at": plain_time(due), "late": sent > due},
                    )
                )
            else:
                changes = {}
                if not restored_done and inc.restored_at and start < inc.restored_at <= end:
                    at, note, restored_done = inc.restored_at, "已全面恢复供热", True
                    changes = {"restored_at": [None, plain_time(inc.restored_at)]}
                else:
                    note = rng.choice(
                        DISMISSED_NOTES if p.fate == "dismissed" else FOLLOW_UP_PHASES[self.phase(p, at)]
                    )
                grade_b = grade_a = self.grade(p)  # the figures do not change in generated follow-ups
                rec_b = self.rec(p, at, restored=False if changes else None)
                rec_a = self.rec(p, at)
                reporter = office
                rows["follow_ups"].append(
                    FollowUpReport(
                        incident=inc,
                        at=at,
                        reporter=reporter,
                        note=note,
                        changes=changes,
                        grade_before=grade_b.value if grade_b else "",
                        grade_after=grade_a.value if grade_a else "",
                        level_before=int(rec_b.level) if rec_b.level else None,
                        level_after=int(rec_a.level) if rec_a.level else None,
                    )
                )
                events.append(
                    self.event(
                        p,
                        at,
                        TimelineEvent.Kind.FOLLOW_UP,
                        f"续报：{note[:80]}",
                        user=reporter,
                        reason=note,
                        clause="§5.1",
                        data={
                            "changes": changes,
                            "grade": [grade_b.value if grade_b else "", grade_a.value if grade_a else ""],
                            "recommended_level": [
                                rows["follow_ups"][-1].level_before,
                                rows["follow_ups"][-1].level_after,
                            ],
                            "recommendation_status": [rec_b.status, rec_a.status],
                        },
                    )
                )
        return events, rows

    def phase(self, p, at):
        """Where the repair stood at ``at``: 0 early, 1 under way, 2 nearly done, 3 heat back."""
        inc = p.inc
        if inc.restored_at is not None and at >= inc.restored_at:
            return 3
        end = inc.restored_at or inc.estimated_restoration_at or self.now
        if end <= inc.reported_at:
            return 1
        share = (at - inc.reported_at) / (end - inc.reported_at)
        return 0 if share < 0.3 else 1 if share < 0.75 or inc.restored_at is None else 2

    # ---- checks and writing -----------------------------------------------------------------------

    def validate(self):
        """Every incident passes the model's validation (foreign keys apart: they come from the database)."""
        from django.core.exceptions import ValidationError

        fks = [
            "service_area",
            "county",
            "company",
            "created_by",
            "plan_version",
            "linked_event",
            "merged_into",
        ]
        for p in self.plans:
            try:
                p.inc.full_clean(exclude=fks, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:  # a bug of the generator: say which incident and why
                raise CommandError(f"generated incident fails validation: {p.inc.title}: {exc}") from exc

    def write(self):
        from command.models import ActivatedGroup, Assignment, ChecklistItem, GroupUnit, LevelSetup, OnsiteHQ
        from incidents.choices import ResponseLevel
        from incidents.models import (
            FirstMeasure,
            FollowUpReport,
            Incident,
            LinkedEvent,
            TimelineEvent,
            UpwardReport,
        )

        b = BATCH_SIZE
        with transaction.atomic():
            linked = {}
            for name in self.linked:
                linked[name], _created = LinkedEvent.objects.get_or_create(
                    name=name, defaults={"created_by": self.user("office")}
                )
            for p in self.plans:
                name = getattr(p.inc, "_linked_name", None)
                if name:
                    p.inc.linked_event = linked[name]
            for p in self.plans:  # bulk_create skips save(): store the derived facts here (issue 15)
                p.inc.derive_facts(self.now)
            Incident.objects.bulk_create([p.inc for p in self.plans], batch_size=b)
            LevelSetup.objects.bulk_create(self.rows["setups"], batch_size=b)
            ChecklistItem.objects.bulk_create(self.rows["checklist"], batch_size=b)
            OnsiteHQ.objects.bulk_create(self.rows["hqs"], batch_size=b)
            groups = [ag for p in self.plans for ag in p.groups]
            ActivatedGroup.objects.bulk_create(groups, batch_size=b)
            GroupUnit.objects.bulk_create([link for ag in groups for link in ag._links], batch_size=b)
            tasks = [t for p in self.plans for t in p.tasks]
            Assignment.objects.bulk_create(tasks, batch_size=b)
            events = [ev for p in self.plans for ev in (*p.essentials, *p.preferred, *p.filler_events)]
            follow_ups = [r for p in self.plans for r in p.filler_rows["follow_ups"]]
            measures = [r for p in self.plans for r in p.filler_rows["measures"]]
            upward = [r for p in self.plans for r in p.filler_rows["upward"]]
            if len(events) != self.n_events or len(tasks) != self.n_tasks:  # a bug of the generator
                raise CommandError(f"generator error: {len(events)} events, {len(tasks)} tasks")
            FollowUpReport.objects.bulk_create(follow_ups, batch_size=b)
            FirstMeasure.objects.bulk_create(measures, batch_size=b)
            UpwardReport.objects.bulk_create(upward, batch_size=b)
            for ev in events:
                refs = getattr(ev, "_refs", {})
                if "task" in refs:
                    ev.data = {"task": refs["task"].pk}
                if "closed_tasks" in refs:
                    ev.data = {"closed_tasks": [t.pk for t in refs["closed_tasks"]], "carried_tasks": []}
            order = {id(ev): i for i, ev in enumerate(events)}
            events.sort(key=lambda ev: (ev.at, order[id(ev)]))
            TimelineEvent.objects.bulk_create(events, batch_size=b)
        past = [p for p in self.plans if not p.active]
        active = [p for p in self.plans if p.active]
        return {
            "incidents": len(self.plans),
            "past": len(past),
            "active": len(active),
            "past_states": Counter(p.inc.state for p in past),
            "active_states": Counter(p.inc.state for p in active),
            "drills": sum(p.inc.is_drill for p in self.plans),
            "levels": Counter(ResponseLevel(p.inc.level).label for p in self.plans if p.inc.level),
            "categories": Counter(p.inc.category for p in self.plans),
            "counties": Counter(p.inc.county.name for p in self.plans),
            "tasks": len(tasks),
            "task_kinds": Counter(t.kind for t in tasks),
            "task_states": Counter(t.state for t in tasks),
            "overdue": sum(1 for t in tasks if t.is_overdue(self.now)),
            "events": len(events),
            "event_kinds": Counter(ev.kind for ev in events),
            "also": {
                "续报 follow-ups": len(follow_ups),
                "先期处置 first measures": len(measures),
                "信息报送 upward reports": len(upward),
                "启用工作组 activated groups": len(groups),
                "响应启动记录 level setups": len(self.rows["setups"]),
                "工作清单 checklist items": len(self.rows["checklist"]),
                "现场指挥部 on-site HQs": len(self.rows["hqs"]),
                "关联事件 linked events": len(linked),
            },
        }
