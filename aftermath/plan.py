"""What §7 of the plan asks after a response, as data (issue 9; DOMAIN.md §5 "Aftermath").

§7.1 善后处置: "善后处置工作由事发地政府负责组织，包括受害及受影响人员妥善安置、慰问、后续医疗救治、赔（补）偿，
征用物资和救援费用补偿，灾后恢复和重建，污染物收集、清理与处理等事项。" Each item becomes a task for the
事发地县级政府 under the 善后工作组 (附件3), with the same mechanics as the response's tasks.

§7.2 调查评估: "按照事故等级和有关规定，市、县政府相应成立事故调查组，及时对事故发生经过、原因、类别、性质、
人员伤亡情况及直接经济损失、教训、责任进行调查，提出防范措施。" and "市指挥部办公室及时总结、分析事故发生、
应急处置情况和应吸取的经验教训等，提出改进措施。"
"""

from django.utils.translation import gettext_lazy as _

from incidents.choices import AccidentGrade

AFTERMATH_GROUP = "aftermath"  # 善后工作组 (附件3)
ITEM_CLAUSE = "§7.1"

# (code, title, duties): §7.1's items, in the plan's order and words.
ITEMS = (
    ("resettle", _("受害及受影响人员妥善安置、慰问"), "受害及受影响人员妥善安置、慰问。"),
    ("medical", _("后续医疗救治"), "后续医疗救治。"),
    ("compensation", _("赔（补）偿"), "赔（补）偿。"),
    ("requisition", _("征用物资和救援费用补偿"), "征用物资和救援费用补偿。"),
    ("rebuild", _("灾后恢复和重建"), "灾后恢复和重建。"),
    ("pollutants", _("污染物收集、清理与处理"), "污染物收集、清理与处理。"),
)
# Shown above the items; each item's duty text is this, then "本项：" and the item's own words.
ITEM_CONTEXT = "善后处置工作由事发地政府负责组织（§7.1）；善后工作组：做好家属安抚、伤亡赔偿和应急补偿、恢复重建工作，处理其他有关善后事宜（附件3）。"
ITEM_PREAMBLE = ITEM_CONTEXT + "本项："

# Who investigates, by the accident grade (附件5). §7.2 says "按照事故等级和有关规定，市、县政府相应成立事故
# 调查组". READING (kept as data, shown as 解读): 一般 → county team, 较大 → city team, 重大 and 特别重大 →
# the provincial team, whose report's document number the office records (重大 and above are beyond the
# city, 附件4 Ⅰ(3)). The team FOLLOWS the grade: when a later 续报 changes the grade, the record's team must
# be the current grade's team before the incident may be archived (services.archive_blockers).
TEAM_COUNTY, TEAM_CITY, TEAM_PROVINCE, TEAM_STATE = "county", "city", "province", "state"
TEAM_LABELS = {
    TEAM_COUNTY: _("县级政府事故调查组"),
    TEAM_CITY: _("市政府事故调查组"),
    TEAM_PROVINCE: _("省级人民政府（或其授权部门）调查"),
    TEAM_STATE: _("国务院（或其授权部门）调查"),
}
TEAM_BY_GRADE = {
    AccidentGrade.GENERAL: TEAM_COUNTY,
    AccidentGrade.LARGER: TEAM_CITY,
    AccidentGrade.MAJOR: TEAM_PROVINCE,
    AccidentGrade.EXTRAORDINARY: TEAM_PROVINCE,
}
TEAM_CLAUSE = "§7.2（解读）"
# Above the city: the office records the outside investigation's reference and conclusions only.
OUTSIDE_TEAMS = (TEAM_PROVINCE, TEAM_STATE)


class F:
    """One field of a record: name, label, kind ("text", "line", "int", "money", "choice"), required."""

    def __init__(self, name, label, kind="text", required=True, help=""):
        self.name, self.label, self.kind, self.required, self.help = name, label, kind, required, help


# The investigation record (§7.2 first paragraph). For an outside investigation only the reference and
# conclusions are required; the rest is recorded as far as the report gives it.
INVESTIGATION_FIELDS = (
    F("team", _("调查组组成（组长、成员单位）"), "text"),
    F("outside_ref", _("上级调查报告文号"), "line", required=False),
    F("conclusions", _("调查结论"), "text", required=False),
    F("course", _("事故发生经过"), "text"),
    F("cause", _("事故原因"), "text"),
    F("category", _("事故类别"), "line"),
    F("nature", _("事故性质"), "line", help=_("如：生产安全责任事故、自然灾害引发的事故")),
    F("deaths", _("死亡人数"), "int"),
    F("injuries", _("受伤人数（含重伤）"), "int"),
    F("direct_loss_yuan", _("直接经济损失（元）"), "money"),
    F("lessons", _("事故教训"), "text"),
    F("responsibility", _("责任认定及处理建议"), "text"),
    F("prevention", _("防范措施"), "text"),
)
OUTSIDE_REQUIRED = ("outside_ref", "conclusions")

# The office's summary (§7.2 last paragraph); its improvement measures are tracked one by one.
SUMMARY_FIELDS = (
    F("occurrence", _("事件发生情况"), "text"),
    F("handling", _("应急处置情况"), "text"),
    F("lessons", _("经验教训"), "text"),
    F("improvements", _("改进措施（综述）"), "text"),
)

FIELDS = {"investigation": INVESTIGATION_FIELDS, "summary": SUMMARY_FIELDS}
CLAUSES = {"investigation": "§7.2", "summary": "§7.2"}

# An improvement measure past its due date reminds its owner unit, then the office (issue 9; the
# timings are the office's to change on the reminder settings page like the others).
MEASURE_REMINDER = {
    "label": _("改进措施超期"),
    "clause": "§7.2",
    "defaults": {"after": 0, "office": 1440},
    "fields": {
        "after": _("超过完成时限后（分钟）提醒责任单位"),
        "office": _("超过完成时限后（分钟）提醒办公室"),
    },
}
