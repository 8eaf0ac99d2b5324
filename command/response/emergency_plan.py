"""What each response level sets up (§5.3, 附件1), as data: the checklist items and who is called to the
scene. Every checklist text is an exact piece of the plan's own text (``orgchart.plan_2021``), checked by
``tests/command/test_plan_data.py``; the split of §5.3.1–§5.3.2 and §5.3.4 into items is a reading."""

from orgchart.plan_2021 import SECTION_5_3_3_DUTIES

# (code, clause, text, reading) per level. Ⅰ adds §5.3.4 on top of Ⅱ's eight duties (在做好Ⅱ级响应
# 重点工作基础上). Raising adds the new level's items; nothing is ever removed.
CHECKLISTS = {
    4: (("5.3.1", "§5.3.1", "视情派出工作组赶赴现场，指导、协调应急处置工作。"),),
    3: (
        ("5.3.2-1", "§5.3.2", "关注掌握现场动态"),
        ("5.3.2-2", "§5.3.2", "根据事件发展趋势，立即派出相关人员赶赴现场，指导、协调事故应急处置工作"),
        ("5.3.2-3", "§5.3.2", "随时掌握工作进展情况"),
        ("5.3.2-4", "§5.3.2", "视情协调增派有关处置力量"),
        ("5.3.2-5", "§5.3.2", "做好扩大响应的准备"),
    ),
    2: tuple((f"5.3.3-{i}", f"§5.3.3({i})", text) for i, text in enumerate(SECTION_5_3_3_DUTIES, 1)),
}
CHECKLISTS[1] = CHECKLISTS[2] + (
    ("5.3.4-1", "§5.3.4", "进一步加强现场指挥部力量"),
    ("5.3.4-2", "§5.3.4", "落实省工作组指导意见"),
    ("5.3.4-3", "§5.3.4", "必要时请求省有关部门给予支持"),
)
# Reading: §5.3.1、§5.3.2、§5.3.4各为一段文字，此处按句拆分为清单项（解读）；§5.3.3按原文八项。

# 事发地县级政府's own assignment (DOMAIN §6, reading): the plan's words for the government where it
# happens, exactly as printed (checked against the seed text by tests/command/test_plan_data.py).
COUNTY_GOVERNMENT_DUTIES = (
    (
        "§5.2",
        "根据事故情况及发展态势，按照分级属地原则，属地人民政府及住建部门应立即启动相应的应急响应，"
        "赶到事故现场组织事故救援。",
    ),
    ("§6.3", "事发地政府对应急保障工作总负责，统筹协调，全力保证应急处置工作需要。"),
    (
        "§7.1",
        "善后处置工作由事发地政府负责组织，包括受害及受影响人员妥善安置、慰问、后续医疗救治、赔（补）偿，"
        "征用物资和救援费用补偿，灾后恢复和重建，污染物收集、清理与处理等事项。",
    ),
)
COUNTY_GOVERNMENT_CLAUSE = "、".join(clause for clause, _text in COUNTY_GOVERNMENT_DUTIES)


def county_government_duties():
    """The duty text of the county government's assignment: each piece with its clause."""
    return "\n".join(f"{clause}：{text}" for clause, text in COUNTY_GOVERNMENT_DUTIES)


# Who goes to the scene (附件1 流程图; §5.3.3(1)).
CALLDOWN_CLAUSE = {
    4: "附件1（四级、三级响应：市指挥部领导和专家赶赴现场）、§5.3.1",
    3: "附件1（四级、三级响应：市指挥部领导和专家赶赴现场）、§5.3.2",
    2: "§5.3.3(1)、附件1（指挥部和成员单位领导赶赴现场）",
    1: "§5.3.3(1)、§5.3.4、附件1（指挥部和成员单位领导赶赴现场）",
}

# The on-site HQ's deputies (§2.2): 市政府协管副秘书长,市城市管理局、市住建局、市应急局、市消防救援支队主要负责人.
ONSITE_DEPUTY_POSITIONS = (
    "deputy_secretary_general",
    "deputy_city_admin",
    "deputy_housing",
    "deputy_emergency",
    "deputy_fire",
)
