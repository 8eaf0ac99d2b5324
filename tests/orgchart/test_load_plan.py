"""`manage.py load_plan` puts the plan's organisation in the database exactly and idempotently."""

import pytest
from django.core.management import call_command
from django.db import models as dj

from orgchart import models as m
from orgchart.loader import load_plan
from tests.support.plan import strip_ws

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(demo):
    """The suite's database holds the plan (and the demo set) already; see tests/conftest.py."""


# DOMAIN.md §4, typed by hand: group → (leaders as (unit name, rank)), member unit names, county.
EXPECTED_GROUPS = {
    "综合协调组": (
        [("市城市管理局", "head"), ("市住建局", "head")],
        ["市住建局", "市城市管理局", "市应急局"],
        True,
    ),
    "抢险救援组": (
        [("市城市管理局", "head"), ("市住建局", "head")],
        ["市应急局", "市住建局", "市城市管理局", "武警运城支队", "市消防救援支队"],
        True,
    ),
    "社会稳定组": ([("市公安局", "deputy_head")], ["市公安局"], True),
    "技术专家组": ([("市城市管理局", "deputy_head"), ("市住建局", "deputy_head")], [], False),
    "医学救护组": ([("市卫健委", "head")], ["市卫健委"], True),
    "应急保障组": (
        [(None, "head")],
        [
            "市发展改革委",
            "市工信局",
            "市财政局",
            "市住建局",
            "市城市管理局",
            "市交通局",
            "市应急局",
            "市市场监管局",
            "市能源局",
            "市气象局",
            "市通联办",
            "运城银保监分局",
            "国网运城供电公司",
            "各供水企业",
            "各供热企业",
        ],
        True,
    ),
    "宣传报道组": ([("市委宣传部", "deputy_head")], ["市委宣传部", "市住建局", "市城市管理局"], True),
    "善后工作组": (
        [(None, "head")],
        ["市财政局", "市民政局", "市人社局", "市住建局", "市城市管理局", "市应急局", "运城银保监分局"],
        True,
    ),
}
MEMBER_UNITS = [
    "市委宣传部",
    "市发展改革委",
    "市工信局",
    "市公安局",
    "市民政局",
    "市财政局",
    "市人社局",
    "市规划和自然资源局",
    "市城市管理局",
    "市住建局",
    "市交通局",
    "市卫健委",
    "市应急局",
    "市市场监管局",
    "市能源局",
    "市气象局",
    "市通联办",
    "运城银保监分局",
    "武警运城支队",
    "市消防救援支队",
    "国网运城供电公司",
    "各供水企业",
    "各供热企业",
]
COUNTY_GOVS = [
    "盐湖区人民政府",
    "永济市人民政府",
    "河津市人民政府",
    "临猗县人民政府",
    "万荣县人民政府",
    "闻喜县人民政府",
    "稷山县人民政府",
    "新绛县人民政府",
    "绛县人民政府",
    "垣曲县人民政府",
    "夏县人民政府",
    "平陆县人民政府",
    "芮城县人民政府",
    "运城开发区管委会",
]


def snapshot():
    """Every row of every org-chart table, as plain values."""
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in dj.Model.__subclasses__() + m.AppendOnlyModel.__subclasses__()
        if model._meta.app_label == "orgchart" and not model._meta.abstract
    } | {
        mm: sorted(map(repr, m.ServiceArea.counties.through.objects.values_list())) for mm in ["sa_counties"]
    }


def test_member_units_groups_and_counties_as_the_plan(plan):
    members = m.Unit.objects.filter(parent=None).exclude(kind=m.UnitKind.COUNTY_GOVERNMENT)
    assert list(members.values_list("name", flat=True)) == MEMBER_UNITS
    assert list(m.County.objects.values_list("government__name", flat=True)) == COUNTY_GOVS
    assert m.WorkingGroup.objects.count() == 8
    assert m.Unit.objects.filter(kind=m.UnitKind.ENTERPRISE_CATEGORY).count() == 2
    for group in m.WorkingGroup.objects.all():
        leaders, member_names, county = EXPECTED_GROUPS[group.name]
        got_leaders = [(gl.unit.name if gl.unit else None, gl.rank) for gl in group.leaders.all()]
        assert got_leaders == leaders, group.name
        assert [ms.unit.name for ms in group.memberships.all()] == member_names, group.name
        assert group.includes_county is county


def test_the_renamed_regulator_keeps_the_plan_name_and_shows_the_current_one(plan):
    unit = m.Unit.objects.get(name="运城银保监分局")
    assert unit.current_name == "国家金融监督管理总局运城监管分局"
    assert unit.display_name == "国家金融监督管理总局运城监管分局"
    assert unit.kind == m.UnitKind.REGULATOR


def test_duties_match_the_seed_character_for_character(plan, plan_text):
    seed = strip_ws(plan_text)
    for unit in m.Unit.objects.exclude(duties=""):
        assert "\n" not in unit.duties and " " not in unit.duties
        assert unit.name + unit.duties in seed, unit.name  # the duty text follows the unit's name in 附件2
    for group in m.WorkingGroup.objects.all():
        assert group.duties in seed and group.leader_text in seed and group.members_text in seed
    assert m.Unit.objects.get(name="市能源局").duties == "负责协调供热应急燃煤。"
    assert m.Unit.objects.get(name="各供水企业").duties == "负责处理因停水影响供热运行的供水抢修、恢复工作。"
    assert (
        m.Unit.objects.get(name="市气象局").duties
        == "负责灾害天气监测、预警、预报，及时提供应急气象保障信息。"
    )
    assert m.Unit.objects.get(name="市公安局").duties == (
        "负责维护事故现场治安，做好周边道路交通管制和疏导，确定伤亡和失踪人员身份，对事故遇难人员遗体进行鉴定。"
    )
    assert m.WorkingGroup.objects.get(name="社会稳定组").duties == (
        "负责现场及周边治安、警戒和道路交通管制、疏导，开展人员核查和遇难人员身份识别工作。"
    )
    heat = m.Unit.objects.get(name="各供热企业").duties
    assert heat.startswith("负责制定本企业供热事故应急预案") and heat.endswith("消除各种不安全、不稳定因素。")
    assert m.CommandBody.objects.get(code="office").duties.endswith(
        "指导县（市、区）做好集中供热突发事件应对等工作。"
    )


def test_positions_carry_the_plan_definitions(plan):
    pos = {p.code: p for p in m.Position.objects.all()}
    assert pos["commander"].holder_definition == "市政府分管城市管理工作的副市长"
    assert pos["office_director"].holder_unit.name == "市城市管理局"
    deputies = m.Position.objects.filter(name="副指挥长")
    assert deputies.count() == 5  # 附件2 lists five; §2.1 four
    assert pos["deputy_fire"].note == "附件2列为副指挥长，§2.1未列"
    assert pos["general_commander"].clause == "§5.3.4"
    assert pos["duty_officer"].is_reading and not pos["commander"].is_reading
    assert pos["unit_liaison"].scope == "unit" and pos["group_leader"].scope == "group"


def test_default_service_area_is_the_built_up_area(plan):
    area = m.ServiceArea.objects.get(is_default=True)
    assert area.name == "运城市城市建成区"
    assert sorted(area.counties.values_list("name", flat=True)) == ["盐湖区", "运城开发区"]
    # The plan gives no figure: the office enters it; the demo's figure is marked as demo.
    assert area.heated_area_m2 is None or area.totals_are_demo
    assert m.County.objects.get(name="运城开发区").map_county == "盐湖区"


def test_running_twice_changes_nothing(plan):
    before = snapshot()
    assert load_plan() == 0
    assert snapshot() == before


def test_reloading_keeps_the_office_edits(plan):
    m.Unit.objects.filter(code="public_security").update(duty_phone="0359-110", active=False)
    m.Unit.objects.filter(code="banking_insurance").update(current_name="（新名称）")
    load_plan()
    police = m.Unit.objects.get(code="public_security")
    assert (police.duty_phone, police.active) == ("0359-110", False)
    assert m.Unit.objects.get(code="banking_insurance").current_name == "（新名称）"


def test_reloading_restores_plan_text_changed_behind_its_back(plan):
    m.Unit.objects.filter(code="energy").update(duties="篡改")
    assert load_plan() == 1
    assert m.Unit.objects.get(code="energy").duties == "负责协调供热应急燃煤。"


def test_demo_set_is_complete_marked_and_idempotent(demo):
    before = snapshot()
    call_command("load_plan", demo=True)
    assert snapshot() == before
    companies = m.Unit.objects.filter(kind=m.UnitKind.ENTERPRISE)
    assert companies.filter(parent__code="heating_companies").count() == 3
    assert companies.filter(company_type=m.CompanyType.HEAT_SOURCE).count() == 1
    assert companies.filter(parent__code="water_companies").count() == 2
    assert all(c.is_demo and "演示" in c.name for c in companies)
    assert not m.Person.objects.filter(is_demo=False).exists()
    assert all("演示" in name for name in m.Person.objects.values_list("name", flat=True))
    for unit in m.Unit.objects.exclude(kind=m.UnitKind.ENTERPRISE_CATEGORY):
        assert m.Appointment.objects.filter(position__code="unit_liaison", unit=unit).exists(), unit.name
    for position in m.Position.objects.exclude(scope="unit").exclude(code="group_leader"):
        assert m.Appointment.objects.filter(position=position, role="holder").exists(), position.code
    assert (
        m.DutyShift.objects.count() == 64 and m.DutyShift.objects.filter(is_demo=True).count() == 64
    )  # 32 days
    from orgchart.selectors import on_duty

    assert on_duty() is not None  # whatever the hour, someone is on duty now
    assert not m.DutyShift.objects.filter(duty_officer=None).exists()
    assert m.Expert.objects.filter(is_demo=True).count() >= 5
    assert m.ServiceArea.objects.get(is_default=True).totals_are_demo


def test_demo_accounts_hold_their_posts(demo, user_of):
    def posts(username):
        return set(
            m.Appointment.objects.filter(person__user__username=username, role="holder").values_list(
                "position__code", flat=True
            )
        )

    assert {"office_director", "deputy_city_admin", "unit_head"} <= posts("director")
    assert {"commander", "onsite_commander"} <= posts("commander")
    assert posts("general") == {"general_commander"}
    assert posts("office") >= {"office_staff", "duty_officer"}
    police = m.Appointment.objects.get(person__user__username="police", position__code="unit_liaison")
    assert police.unit.name == "市公安局"
    assert user_of("police").has_usable_password()
    assert not user_of("demo-fire_rescue-head").has_usable_password()  # directory entry, not a login
