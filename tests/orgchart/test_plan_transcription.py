"""The transcription of the 2021 plan (运政办发〔2021〕68 号) in ``orgchart.plan_2021`` matches the seed.

Pure pytest: no database, no Django.  The plan's full text is read from ``shared/seed/*.txt`` in the
repository's parent directory (the seed was extracted from a PDF: the only differences tolerated are
whitespace, i.e. line breaks and the page-break junk around them).
"""

import itertools
import re
from pathlib import Path

import pytest

from orgchart import plan_2021 as plan
from tests.support.plan import strip_ws

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC_NO = "运政办发〔2021〕68"


@pytest.fixture(scope="module")
def seed_raw(plan_text):
    return plan_text


@pytest.fixture(scope="module")
def seed(seed_raw):
    """The seed with ALL whitespace removed."""
    return strip_ws(seed_raw)


# ---------------------------------------------------------------------------------------------------
# every transcribed text


def _all_texts():
    """(label, text) for every field transcribed from the plan."""
    yield "CITY_HQ.duties", plan.CITY_HQ["duties"]
    yield "OFFICE.duties", plan.OFFICE["duties"]
    yield "ONSITE_HQ.note", plan.ONSITE_HQ["note"]
    for unit in plan.UNITS:
        yield f"UNITS[{unit['code']}].duties", unit["duties"]
    for group in plan.GROUPS:
        for key in ("leader_text", "members_text", "duties", "expert_tasks"):
            if group[key]:
                yield f"GROUPS[{group['code']}].{key}", group[key]
    for i, duty in enumerate(plan.SECTION_5_3_3_DUTIES, start=1):
        yield f"SECTION_5_3_3_DUTIES[{i}]", duty
    for name in (
        "SECTION_5_3_1",
        "SECTION_5_3_2",
        "SECTION_5_3_3_INTRO",
        "SECTION_5_3_4",
        "SECTION_5_3_5",
        "SECTION_5_3_6",
    ):
        yield name, getattr(plan, name)


ALL_TEXTS = list(_all_texts())


@pytest.mark.parametrize(("label", "text"), ALL_TEXTS, ids=[label for label, _ in ALL_TEXTS])
def test_text_appears_in_seed(seed, label, text):
    assert text, f"{label} is empty"
    assert strip_ws(text) in seed, f"{label} not found in the seed: {text!r}"


@pytest.mark.parametrize(("label", "text"), ALL_TEXTS, ids=[label for label, _ in ALL_TEXTS])
def test_text_has_no_pdf_junk(label, text):
    assert "\n" not in text, f"{label} contains a line break"
    assert not re.search(r"\s", text), f"{label} contains whitespace left over from line breaking"
    assert "指挥机构" not in text, f"{label} contains the 附件2 page header"
    assert "主要职责" not in text, f"{label} contains a 附件2 header or label"
    # no half-width punctuation where the plan prints full-width
    assert not re.search(r"[,;:()]", text), f"{label} contains half-width punctuation"


def test_texts_are_exact_spans_not_prefixes(seed):
    """Each duty text ends where the plan's entry ends: it is followed in the seed by the next entry."""
    units = plan.UNITS
    for unit, nxt in itertools.pairwise(units):
        block = unit["name"] + unit["duties"]
        assert block in seed, unit["code"]
        following = seed[seed.index(block) + len(block) :]
        # the next unit's name follows, possibly after the page header junk
        following = following.replace("指挥机构主要职责成员单位", "")
        assert following.startswith(nxt["name"]), (unit["code"], following[:20])
    last = units[-1]
    following = seed[seed.index(last["name"] + last["duties"]) + len(last["name"] + last["duties"]) :]
    assert following.startswith("附件3")


def test_city_hq_and_office_duties_follow_their_labels(seed):
    assert "市指挥部主要职责：" + plan.CITY_HQ["duties"] + "市指挥部办公室主要职责：" in seed
    assert "市指挥部办公室主要职责：" + plan.OFFICE["duties"] + "副指挥长" in seed


def test_group_blocks_appear_whole_in_seed(seed):
    for group in plan.GROUPS:
        block = (
            group["name"]
            + "组长："
            + group["leader_text"]
            + "成员单位："
            + group["members_text"]
            + "职责："
            + group["duties"]
        )
        if group["expert_tasks"]:
            block += "专家主要任务：" + group["expert_tasks"]
        assert block in seed, group["code"]


def test_section_5_3_clauses_in_order(seed):
    expected = (
        "5.3.1Ⅳ级响应"
        + plan.SECTION_5_3_1
        + "5.3.2Ⅲ级响应"
        + plan.SECTION_5_3_2
        + "5.3.3Ⅱ级响应"
        + plan.SECTION_5_3_3_INTRO
        + "".join(f"{i}.{d}" for i, d in enumerate(plan.SECTION_5_3_3_DUTIES, start=1))
        + "5.3.4Ⅰ级响应"
        + plan.SECTION_5_3_4
        + "5.3.5响应调整"
        + plan.SECTION_5_3_5
        + "5.3.6响应结束"
        + plan.SECTION_5_3_6
        + "6应急保障"
    )
    assert expected in seed


def test_onsite_note_is_last_sentence_of_annex_3(seed):
    assert plan.ONSITE_HQ["note"] + "附件4" in seed


# ---------------------------------------------------------------------------------------------------
# counts, codes and names


def test_counts():
    assert len(plan.UNITS) == 23
    assert len(plan.GROUPS) == 8
    assert len(plan.COUNTIES) == 14
    assert len(plan.SECTION_5_3_3_DUTIES) == 8
    deputies = [p for p in plan.POSITIONS if p["name"] == "副指挥长"]
    assert len(deputies) == 5
    assert [p["code"] for p in deputies] == [
        "deputy_secretary_general",
        "deputy_housing",
        "deputy_city_admin",
        "deputy_emergency",
        "deputy_fire",
    ]


def test_plan_header(seed_raw):
    assert plan.PLAN == {
        "code": "2021",
        "doc_no": "运政办发〔2021〕68 号",
        "title": "运城市城市集中供热突发事件应急预案",
        "issued_on": "2021-12-23",
        "interpreter": "市城市管理局",
    }
    assert plan.PLAN["doc_no"] in seed_raw
    assert "《" + plan.PLAN["title"] + "》" in seed_raw
    assert "本预案由" + plan.PLAN["interpreter"] + "负责解释。" in seed_raw


def test_bodies(seed):
    assert plan.CITY_HQ["name"] == "运城市城市基础公用事业应急工作指挥部"
    assert plan.CITY_HQ["short_name"] == "市指挥部"
    assert plan.CITY_HQ["name"] + "（以下简称“市指挥部”）" in seed
    assert plan.OFFICE["name"] == "市指挥部办公室"
    assert plan.OFFICE["host_unit"] == "city_admin"
    assert plan.GENERAL_HQ == {"name": "市应急救援总指挥部", "clause": "§5.3.4"}
    assert plan.GENERAL_HQ["name"] + "总指挥" in seed
    assert plan.ONSITE_HQ["name"] == "现场指挥部"


UNIT_TABLE = [
    # code, name as printed in 附件2, kind, is_category, in §2.1's list
    ("propaganda", "市委宣传部", "government", False, True),
    ("development_reform", "市发展改革委", "government", False, True),
    ("industry_it", "市工信局", "government", False, True),
    ("public_security", "市公安局", "government", False, True),
    ("civil_affairs", "市民政局", "government", False, True),
    ("finance", "市财政局", "government", False, True),
    ("hr_social_security", "市人社局", "government", False, True),
    ("natural_resources", "市规划和自然资源局", "government", False, True),
    ("city_admin", "市城市管理局", "government", False, True),
    ("housing", "市住建局", "government", False, True),
    ("transport", "市交通局", "government", False, True),
    ("health", "市卫健委", "government", False, True),
    ("emergency", "市应急局", "government", False, True),
    ("market_regulation", "市市场监管局", "regulator", False, True),
    ("energy", "市能源局", "government", False, True),
    ("meteorology", "市气象局", "government", False, True),
    ("telecom", "市通联办", "government", False, True),
    ("banking_insurance", "运城银保监分局", "regulator", False, False),
    ("armed_police", "武警运城支队", "armed_police", False, True),
    ("fire_rescue", "市消防救援支队", "fire_brigade", False, True),
    ("state_grid", "国网运城供电公司", "utility", False, True),
    ("water_companies", "各供水企业", "enterprise_category", True, True),
    ("heating_companies", "各供热企业", "enterprise_category", True, False),
]


def test_units_table():
    actual = [(u["code"], u["name"], u["kind"], u["is_category"], u["in_section_2_1"]) for u in plan.UNITS]
    assert actual == UNIT_TABLE
    for unit in plan.UNITS:
        assert set(unit) == {
            "code",
            "name",
            "current_name",
            "kind",
            "is_category",
            "in_section_2_1",
            "duties",
            "clause",
        }
        assert unit["clause"] == "附件2"
        expected_current = "国家金融监督管理总局运城监管分局" if unit["code"] == "banking_insurance" else ""
        assert unit["current_name"] == expected_current


def test_in_section_2_1_matches_the_seed(seed):
    start = seed.index("成员单位：")
    listed = seed[start + len("成员单位：") : seed.index("等有关单位。", start)].split("、")
    assert {u["name"] for u in plan.UNITS if u["in_section_2_1"]} == set(listed)
    assert len(listed) == 21


def test_unit_names_in_annex_2_order(seed):
    annex = seed[seed.index("附件2运城市") : seed.index("附件3运城市")]
    positions = [annex.index(u["name"] + u["duties"]) for u in plan.UNITS]
    assert positions == sorted(positions)


COUNTY_TABLE = [
    ("yanhu", "盐湖区", "盐湖区人民政府", "盐湖区", True),
    ("yongji", "永济市", "永济市人民政府", "永济市", False),
    ("hejin", "河津市", "河津市人民政府", "河津市", False),
    ("linyi", "临猗县", "临猗县人民政府", "临猗县", False),
    ("wanrong", "万荣县", "万荣县人民政府", "万荣县", False),
    ("wenxi", "闻喜县", "闻喜县人民政府", "闻喜县", False),
    ("jishan", "稷山县", "稷山县人民政府", "稷山县", False),
    ("xinjiang", "新绛县", "新绛县人民政府", "新绛县", False),
    ("jiangxian", "绛县", "绛县人民政府", "绛县", False),
    ("yuanqu", "垣曲县", "垣曲县人民政府", "垣曲县", False),
    ("xiaxian", "夏县", "夏县人民政府", "夏县", False),
    ("pinglu", "平陆县", "平陆县人民政府", "平陆县", False),
    ("ruicheng", "芮城县", "芮城县人民政府", "芮城县", False),
    ("kaifaqu", "运城开发区", "运城开发区管委会", "盐湖区", True),
]


def test_counties_table():
    actual = [
        (c["code"], c["county"], c["government"], c["map_county"], c["in_built_up_area"])
        for c in plan.COUNTIES
    ]
    assert actual == COUNTY_TABLE


# ---------------------------------------------------------------------------------------------------
# positions

VERBATIM_HOLDERS = {
    # position code: the text of the plan the holder definition is taken from (whitespace removed)
    "commander": "市政府分管城市管理工作的副市长",
    "deputy_secretary_general": "市政府协管副秘书长",
    "deputy_housing": "市住建局主要负责人",
    "deputy_city_admin": "市城市管理局主要负责人",
    "deputy_emergency": "市应急局主要负责人",
    "deputy_fire": "市消防救援支队主要负责人",
    "office_director": "市城市管理局主要负责人兼任",
    "general_commander": "市应急救援总指挥部总指挥",
    "onsite_commander": "市政府副市长",
    "onsite_deputy": "市政府协管副秘书长,市城市管理局、市住建局、市应急局、市消防救援支队主要负责人",
}


def test_positions_table():
    codes = [p["code"] for p in plan.POSITIONS]
    assert codes == [
        "commander",
        "deputy_secretary_general",
        "deputy_housing",
        "deputy_city_admin",
        "deputy_emergency",
        "deputy_fire",
        "office_director",
        "office_staff",
        "duty_officer",
        "duty_leader",
        "general_commander",
        "onsite_commander",
        "onsite_deputy",
        "group_leader",
        "unit_liaison",
    ]
    for p in plan.POSITIONS:
        assert set(p) == {"code", "name", "body", "holder_definition", "holder_unit", "clause", "note"}
        assert p["body"] in {"city_hq", "office", "general_hq", "onsite_hq", "group", "unit"}
        assert p["holder_unit"] == "" or p["holder_unit"] in plan.UNIT_BY_CODE
        assert p["holder_definition"]
    by = plan.POSITION_BY_CODE
    for code, holder in VERBATIM_HOLDERS.items():
        assert by[code]["holder_definition"] == holder, code
    assert by["commander"]["name"] == "指挥长" and by["commander"]["clause"] == "§2.1、附件2"
    assert by["deputy_fire"]["note"] == "附件2列为副指挥长，§2.1未列"
    assert by["deputy_fire"]["clause"] == "附件2"
    for code in ("deputy_secretary_general", "deputy_housing", "deputy_city_admin", "deputy_emergency"):
        assert by[code]["note"] == ""
        assert by[code]["clause"] == "§2.1、附件2"
    assert by["office_director"]["holder_unit"] == "city_admin"
    assert by["office_staff"]["holder_definition"] == "市指挥部办公室工作人员（设在市城市管理局）"
    assert by["office_staff"]["clause"] == "§2.1"
    assert by["duty_officer"]["clause"] == by["duty_leader"]["clause"] == "附件2 办公室（值班表，解读）"
    assert by["general_commander"]["clause"] == "§5.3.4"
    assert by["onsite_commander"]["note"] == "指挥长到达现场后接管指挥权，§5.3.3(2)"
    assert by["onsite_commander"]["clause"] == by["onsite_deputy"]["clause"] == "§2.2"
    assert by["group_leader"]["body"] == "group"
    assert by["group_leader"]["holder_definition"] == "见附件3各工作组"
    assert by["unit_liaison"]["body"] == "unit"
    assert by["unit_liaison"]["holder_definition"] == "各成员单位指定的联络员"
    assert by["unit_liaison"]["clause"] == "附件2 (解读)"


def test_verbatim_holders_appear_in_seed(seed):
    for code, holder in VERBATIM_HOLDERS.items():
        assert holder in seed, code
    # §2.1 and §2.2 exactly as printed (the plan uses an ASCII comma after 副秘书长)
    assert "副指挥长：市政府协管副秘书长,市应急局、市城市管理局、市住建局主要负责人成员单位：" in seed
    assert "2.2现场指挥部指挥长：市政府副市长副指挥长：" + VERBATIM_HOLDERS["onsite_deputy"] in seed


def test_deputies_of_annex_2_in_order(seed):
    annex_deputies = seed[seed.index("副指挥长市政府协管") : seed.index("成员单位市委宣传部")]
    assert annex_deputies == "副指挥长" + "".join(
        plan.POSITION_BY_CODE[c]["holder_definition"]
        for c in (
            "deputy_secretary_general",
            "deputy_housing",
            "deputy_city_admin",
            "deputy_emergency",
            "deputy_fire",
        )
    )


# ---------------------------------------------------------------------------------------------------
# groups: DOMAIN.md §4's table, written out by hand

EXPECTED_GROUPS = [
    # code, name, leaders, member units (printed order), includes 事发地县级政府
    (
        "coordination",
        "综合协调组",
        [("city_admin", "head"), ("housing", "head")],
        ["housing", "city_admin", "emergency"],
        True,
    ),
    (
        "rescue",
        "抢险救援组",
        [("city_admin", "head"), ("housing", "head")],
        ["emergency", "housing", "city_admin", "armed_police", "fire_rescue"],
        True,
    ),
    ("public_order", "社会稳定组", [("public_security", "deputy_head")], ["public_security"], True),
    ("experts", "技术专家组", [("city_admin", "deputy_head"), ("housing", "deputy_head")], [], False),
    ("medical", "医学救护组", [("health", "head")], ["health"], True),
    (
        "logistics",
        "应急保障组",
        [("county", "head")],
        [
            "development_reform",
            "industry_it",
            "finance",
            "housing",
            "city_admin",
            "transport",
            "emergency",
            "market_regulation",
            "energy",
            "meteorology",
            "telecom",
            "banking_insurance",
            "state_grid",
            "water_companies",
            "heating_companies",
        ],
        True,
    ),
    (
        "publicity",
        "宣传报道组",
        [("propaganda", "deputy_head")],
        ["propaganda", "housing", "city_admin"],
        True,
    ),
    (
        "aftermath",
        "善后工作组",
        [("county", "head")],
        [
            "finance",
            "civil_affairs",
            "hr_social_security",
            "housing",
            "city_admin",
            "emergency",
            "banking_insurance",
        ],
        True,
    ),
]


def test_groups_match_domain_table():
    actual = [
        (g["code"], g["name"], g["leaders"], g["member_units"], g["includes_county"]) for g in plan.GROUPS
    ]
    assert actual == EXPECTED_GROUPS
    for g in plan.GROUPS:
        assert g["clause"] == "附件3"
        assert set(g) == {
            "code",
            "name",
            "leader_text",
            "leaders",
            "members_text",
            "member_units",
            "includes_county",
            "duties",
            "expert_tasks",
            "clause",
        }
        assert bool(g["expert_tasks"]) == (g["code"] == "experts")


def test_group_codes_agree_with_their_texts():
    names = {u["code"]: u["name"] for u in plan.UNITS}
    for g in plan.GROUPS:
        # member_units is the printed list, in order, followed by 等… or ，…
        if g["member_units"]:
            printed = "、".join(names[c] for c in g["member_units"])
            assert g["members_text"].startswith(printed), g["code"]
            assert g["members_text"][len(printed)] in "等，", g["code"]
        assert g["includes_county"] == ("事发地县级政府" in g["members_text"]), g["code"]
        # leaders agree with leader_text
        rank = {"head": "主要负责人。", "deputy_head": "分管负责人。"}
        ranks = {r for _, r in g["leaders"]}
        assert len(ranks) == 1
        who = "、".join("事发地县级政府" if c == "county" else names[c] for c, _ in g["leaders"])
        assert g["leader_text"] == who + rank[ranks.pop()], g["code"]


def test_group_names_in_section_2_2_order(seed):
    listed = "下设8个工作组：" + "、".join(g["name"] for g in plan.GROUPS) + "等。"
    assert listed in seed


# ---------------------------------------------------------------------------------------------------
# exact full strings, typed by hand


def test_exact_unit_duties():
    by = plan.UNIT_BY_CODE
    assert by["public_security"]["duties"] == (
        "负责维护事故现场治安，做好周边道路交通管制和疏导，确定伤亡和失踪人员身份，对事故遇难人员遗体进行鉴定。"
    )
    assert by["energy"]["duties"] == "负责协调供热应急燃煤。"
    assert by["fire_rescue"]["duties"] == "负责组织指挥所属队伍参加以抢救人员生命为主的应急救援工作。"
    assert by["banking_insurance"]["duties"] == "负责督促、指导有关保险公司及时做好理赔工作。"
    assert by["emergency"]["duties"] == (
        "指导应急预案修订工作，指导集中供热突发事件应急处置，按照权限指挥调度各类救援队伍参与应急救援。"
    )


def test_exact_coordination_group():
    g = plan.GROUP_BY_CODE["coordination"]
    assert g["leader_text"] == "市城市管理局、市住建局主要负责人。"
    assert g["members_text"] == "市住建局、市城市管理局、市应急局等有关部门，事发地县级政府及相关部门。"
    assert g["duties"] == (
        "收集、汇总、报送事故和救援动态信息，承办文秘、会务工作；协调、服务、督办各组工作落实；"
        "完成现场指挥部交办的其他任务。"
    )


def test_exact_experts_group():
    g = plan.GROUP_BY_CODE["experts"]
    assert g["members_text"] == "根据事故现场实际情况确定成员单位。"
    assert g["expert_tasks"] == (
        "研判灾情，研究论证救援技术措施，为救援决策提出意见和建议；参与救援方案制定；提出防范事故扩大措施建议。"
    )


def test_exact_sections():
    assert plan.SECTION_5_3_1 == (
        "符合Ⅳ级响应条件时，由市指挥部办公室主任启动Ⅳ级响应，视情派出工作组赶赴现场，指导、协调应急处置工作。"
    )
    assert plan.SECTION_5_3_3_DUTIES[6] == "按照省工作组指导意见，落实相应工作。"
    assert plan.ONSITE_HQ["note"] == "根据现场情况，现场指挥部指挥长可视情况调整工作组组成单位及职责。"
