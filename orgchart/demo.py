"""The demo accounts: the ONE list of demo usernames. ``create_demo_accounts`` creates them, the org
chart's ``load_plan --demo`` attaches them to positions, ``make run`` prints them. All fictitious."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import (
    Appointment,
    Channel,
    CompanyType,
    County,
    DutyShift,
    Expert,
    Person,
    Position,
    ServiceArea,
    Unit,
    UnitKind,
)

DEMO_PASSWORD = "yuncheng-demo-2026"

# (username, full name shown in the UI, role: a position code of orgchart.plan_2021.POSITIONS, unit code)
DEMO_ACCOUNTS = (
    ("office", "王文静（演示）", "office_staff", "city_admin"),
    ("director", "李建国（演示）", "office_director", "city_admin"),
    ("commander", "张振华（演示）", "commander", ""),
    ("general", "赵国强（演示）", "general_commander", ""),
    ("police", "刘晓军（演示）", "unit_liaison", "public_security"),
    # The county government where the demo accident happened: it signs for the §7.1 aftermath items.
    ("county", "孙丽华（演示）", "county_liaison", "gov-yongji"),
)

# Shown by `make run` next to each login.
ROLE_LABELS = {
    "office_staff": "市指挥部办公室工作人员",
    "office_director": "市指挥部办公室主任",
    "commander": "市指挥部指挥长",
    "general_commander": "市应急救援总指挥部总指挥",
    "unit_liaison": "成员单位联络员（市公安局）",
    "county_liaison": "县级政府联络员（永济市人民政府）",
}


# ------------------------------------------------------------------------------------------------
# The demo set (`load_plan --demo`): fictitious people for every position, a liaison for every unit,
# three heating companies (one a 热源单位), two water companies, experts, a month of duty roster.
# Every row is marked is_demo and every name carries （演示）.
# ------------------------------------------------------------------------------------------------

DEMO_COMPANIES = (
    # (code, name, category code, company type)
    ("demo-heat-1", "运城市演示热力有限公司（演示）", "heating_companies", "heating"),
    ("demo-heat-2", "盐湖区示例供热有限公司（演示）", "heating_companies", "heating"),
    ("demo-heat-source", "运城示例热电厂（演示·热源单位）", "heating_companies", "heat_source"),
    ("demo-water-1", "运城市示例供水有限公司（演示）", "water_companies", "water"),
    ("demo-water-2", "开发区示例水务有限公司（演示）", "water_companies", "water"),
)

DEMO_WATER_SERVES = {"demo-water-1": ("yanhu",), "demo-water-2": ("kaifaqu",)}

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
_GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "海燕",
    "志强",
    "晓东",
    "红梅",
    "文博",
    "立新",
    "国庆",
    "春生",
    "玉兰",
)


def demo_name(i):
    """A deterministic fictitious name, so a second run finds the same people."""
    return f"{_SURNAMES[i % len(_SURNAMES)]}{_GIVEN[(i * 7) % len(_GIVEN)]}（演示）"


def demo_phone(i):
    return f"139{i:08d}"[:11]


def load_demo(*, today=None):
    """Idempotent: people are keyed by username, shifts by (date, kind), companies by code."""
    today = today or timezone.localdate()
    book = _DemoPeople()
    with transaction.atomic():
        units = _demo_companies()
        by_role = _demo_logins(book, units)
        director = by_role["office_director"]
        _demo_duty_phones()
        heads = _demo_unit_people(book, director)
        deputy_head = _demo_command_posts(book, heads)
        officers, leaders = _demo_duty_staff(book, units, by_role, deputy_head)
        _demo_roster(today, officers, leaders)
        _demo_experts()
        _demo_area_totals(today)


class _DemoPeople:
    """Creates (or finds) demo people and their posts; keyed by username, so a second run changes nothing."""

    def __init__(self):
        self.positions = {p.code: p for p in Position.objects.all()}
        self.counter = iter(range(1, 10_000))

    def person(self, username, name, *, unit=None, organisation="", title="", login=False):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created and not login:
            user.set_unusable_password()  # a directory entry, not a login
            user.first_name = name
            user.save()
        p, _ = Person.objects.update_or_create(
            user=user,
            defaults={
                "name": name,
                "unit": unit,
                "organisation": organisation,
                "title": title,
                "is_demo": True,
            },
        )
        if not p.mobile:
            n = next(self.counter)
            p.mobile = demo_phone(p.pk * 97 + n)
            p.channels = [Channel.IN_APP, Channel.SMS] + ([Channel.EMAIL] if login else [])
            p.save(update_fields=["mobile", "channels"])
        return p

    def appoint(self, p, code, *, unit=None, group=None, role="holder"):
        Appointment.objects.get_or_create(
            person=p, position=self.positions[code], unit=unit, group=group, role=role
        )


def _demo_companies():
    """The demo companies under their categories; returns {code: Unit} of every unit."""
    units = {u.code: u for u in Unit.objects.all()}
    for code, name, category, ctype in DEMO_COMPANIES:
        units[code], _ = Unit.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": UnitKind.ENTERPRISE,
                "parent": units[category],
                "company_type": ctype,
                "is_demo": True,
                "order": units[category].order + 1,
                "duty_phone": f"0359-66{len(code):02d}{ord(code[-1]) % 100:02d}",
            },
        )
    assert CompanyType.HEAT_SOURCE in {c[3] for c in DEMO_COMPANIES}
    # Which counties each demo water company serves (附件3 应急保障组 "各供水企业", reading).
    for code, county_codes in DEMO_WATER_SERVES.items():
        if not units[code].serves_counties.exists():
            units[code].serves_counties.set(County.objects.filter(code__in=county_codes))
    return units


def _demo_logins(book, units):
    """The six demo logins (the one list above), attached to their posts; returns {role: Person}."""
    by_role = {}
    for username, full_name, role, unit_code in DEMO_ACCOUNTS:
        unit = units.get(unit_code) if unit_code else None
        org = "" if unit else ("运城市应急救援总指挥部" if role == "general_commander" else "运城市人民政府")
        by_role[role] = book.person(
            username, full_name, unit=unit, organisation=org, login=True, title=ROLE_LABELS[role]
        )
    book.appoint(by_role["commander"], "commander")
    book.appoint(by_role["commander"], "onsite_commander")  # §5.3.3(2): he takes command on arrival
    book.appoint(by_role["general_commander"], "general_commander")
    director = by_role["office_director"]
    book.appoint(director, "office_director")
    book.appoint(director, "deputy_city_admin")
    book.appoint(director, "onsite_deputy")
    book.appoint(director, "unit_head", unit=units["city_admin"])
    book.appoint(by_role["office_staff"], "office_staff")
    book.appoint(by_role["unit_liaison"], "unit_liaison", unit=units["public_security"])
    book.appoint(by_role["county_liaison"], "unit_liaison", unit=units["gov-yongji"])
    return by_role


def _demo_duty_phones():
    for unit in Unit.objects.filter(duty_phone="").exclude(kind=UnitKind.ENTERPRISE_CATEGORY):
        unit.duty_phone = f"0359-20{unit.pk:05d}"  # fictitious 运城 (0359) numbers
        unit.save(update_fields=["duty_phone"])


def _demo_unit_people(book, director):
    """Heads, deputy heads and liaisons of every member unit, company and county government;
    returns {unit code: head}."""
    heads = {"city_admin": director}
    for i, unit in enumerate(
        Unit.objects.exclude(kind=UnitKind.ENTERPRISE_CATEGORY).order_by("order", "code")
    ):
        if unit.code not in heads:
            heads[unit.code] = book.person(
                f"demo-{unit.code}-head", demo_name(3 * i), unit=unit, title="主要负责人"
            )
            book.appoint(heads[unit.code], "unit_head", unit=unit)
        deputy = book.person(f"demo-{unit.code}-deputy", demo_name(3 * i + 1), unit=unit, title="分管负责人")
        book.appoint(deputy, "unit_deputy_head", unit=unit)
        book.appoint(deputy, "unit_head", unit=unit, role="deputy")  # AB角: acts when the head is away
        if unit.code not in ("public_security", "gov-yongji"):  # the demo logins are their liaisons
            liaison = book.person(
                f"demo-{unit.code}-liaison", demo_name(3 * i + 2), unit=unit, title="联络员"
            )
            book.appoint(liaison, "unit_liaison", unit=unit)
    return heads


def _demo_command_posts(book, heads):
    """The deputy commanders, the deputy secretary-general and the deputies (AB角) of the command posts;
    returns the city administration's deputy head (the office director's deputy)."""
    book.appoint(heads["housing"], "deputy_housing")
    book.appoint(heads["emergency"], "deputy_emergency")
    book.appoint(heads["fire_rescue"], "deputy_fire")
    for code in ("housing", "emergency", "fire_rescue"):
        book.appoint(heads[code], "onsite_deputy")
    dsg = book.person(
        "demo-deputy-secretary-general",
        "钱立群（演示）",
        organisation="运城市人民政府",
        title="市政府协管副秘书长",
    )
    book.appoint(dsg, "deputy_secretary_general")
    book.appoint(dsg, "onsite_deputy")
    book.appoint(dsg, "commander", role="deputy")  # acts for the commander when he is away (reading)
    book.appoint(dsg, "onsite_commander", role="deputy")
    deputy_general = book.person(
        "demo-deputy-general", "孙卫东（演示）", organisation="运城市应急救援总指挥部", title="副总指挥"
    )
    book.appoint(deputy_general, "general_commander", role="deputy")
    city_admin_deputy = Person.objects.get(user__username="demo-city_admin-deputy")
    book.appoint(city_admin_deputy, "office_director", role="deputy")
    return city_admin_deputy


def _demo_duty_staff(book, units, by_role, city_admin_deputy):
    """The office's duty staff: 值班员 from the office staff, 带班领导 from the bureau's leaders."""
    officers = [by_role["office_staff"]] + [
        book.person(f"demo-duty-officer-{n}", demo_name(200 + n), unit=units["city_admin"], title="值班员")
        for n in range(1, 4)
    ]
    leaders = [
        by_role["office_director"],
        city_admin_deputy,
        book.person("demo-duty-leader-3", demo_name(250), unit=units["city_admin"], title="副局长"),
    ]
    for p in officers:
        book.appoint(p, "duty_officer")
        book.appoint(p, "office_staff")
    for p in leaders:
        book.appoint(p, "duty_leader")
    return officers, leaders


def _demo_roster(today, officers, leaders):
    """A month of roster, from yesterday so that the night shift running past midnight is covered
    (shift times: DutyShift.SHIFT_TIMES)."""
    for d in range(-1, 31):
        day = today + timedelta(days=d)
        for k, kind in enumerate(DutyShift.Kind.values):
            begins, ends = DutyShift.bounds(day, kind)
            DutyShift.objects.get_or_create(
                date=day,
                kind=kind,
                defaults={
                    "starts_at": begins,
                    "ends_at": ends,
                    "is_demo": True,
                    "duty_officer": officers[(2 * day.toordinal() + k) % len(officers)],
                    "duty_leader": leaders[day.toordinal() % len(leaders)],
                },
            )


DEMO_EXPERTS = (
    # (field, organisation)
    ("供热管网", "太原理工大学（演示）"),
    ("锅炉与热源", "山西省特种设备检验研究院（演示）"),
    ("结构安全", "运城市建筑设计研究院（演示）"),
    ("电气与自控", "国网运城供电公司（演示）"),
    ("应急救援", "运城市应急管理研究中心（演示）"),
    ("给排水", "运城市示例供水有限公司（演示）"),
)


def _demo_experts():
    for i, (field, org) in enumerate(DEMO_EXPERTS):
        Expert.objects.get_or_create(
            name=demo_name(300 + i),
            defaults={
                "field": field,
                "organisation": org,
                "phone": demo_phone(5_000_000 + i),
                "is_demo": True,
            },
        )


def _demo_area_totals(today):
    """Demo heated areas and households, where the office has entered none."""
    area = ServiceArea.objects.get(is_default=True)
    if area.heated_area_m2 is None:
        area.heated_area_m2, area.households, area.totals_are_demo = 32_000_000, 260_000, True
        area.totals_as_of = today
        area.save(update_fields=["heated_area_m2", "households", "totals_are_demo", "totals_as_of"])
    # Each county's own network (附件4(1), reading), with demo totals: the two county-level cities larger.
    for net in ServiceArea.objects.filter(code__startswith="county-", heated_area_m2__isnull=True):
        big = net.code in ("county-yongji", "county-hejin")
        net.heated_area_m2 = 3_000_000 if big else 1_500_000
        net.households, net.totals_are_demo, net.totals_as_of = (24_000 if big else 12_000), True, today
        net.save(update_fields=["heated_area_m2", "households", "totals_are_demo", "totals_as_of"])
