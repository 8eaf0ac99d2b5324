"""The grading (附件5) and response-condition (附件4) thresholds of a plan version, as data.

``RULES_2021`` is the 2021 plan (运政办发〔2021〕68 号) with the readings of DOMAIN.md §3. A revised plan
(§8.2) is a new ``PlanVersion`` row whose ``rules`` JSON has this shape; ``rules.py`` reads only this.
Numbers are strings so that JSON keeps them exact ("1/4" is a fraction, money is Decimal yuan).
"以上"包括本数，"以下"不包括本数: every band is [lower, upper) unless ``lower_inclusive`` is false.
"""

RULES_2021 = {
    "code": "2021",
    "accident_grades": [  # 附件5, highest first; any one criterion suffices (或者)
        {
            "grade": "extraordinary",
            "clause": "附件5 特别重大",
            "deaths": ["30", True],
            "serious_injuries": ["100", True],
            "direct_loss_yuan": ["100000000", True],
        },
        {
            "grade": "major",
            "clause": "附件5 重大",
            "deaths": ["10", True],
            "serious_injuries": ["50", True],
            "direct_loss_yuan": ["50000000", True],
        },
        {
            "grade": "larger",
            "clause": "附件5 较大",
            "deaths": ["3", True],
            "serious_injuries": ["10", True],
            "direct_loss_yuan": ["10000000", True],
        },
        {
            "grade": "general",
            "clause": "附件5 一般",
            "deaths": ["1", True],
            "serious_injuries": ["1", True],
            "direct_loss_yuan": ["0", False],
        },
    ],
    "firm_after_hours": "24",  # 附件4: 凡满足下列条件之一且 24 小时以上不能恢复供热的
    "outage_share": [  # 附件4 (1)
        {
            "level": 1,
            "clause": "Ⅰ(1)",
            "text": "全城停热",
            "lower": "1",
            "lower_inclusive": True,
            "upper": None,
        },
        {
            "level": 2,
            "clause": "Ⅱ(1)",
            "text": "全城停热一半以上",
            "lower": "1/2",
            "lower_inclusive": True,
            "upper": "1",
        },
        {
            "level": 3,
            "clause": "Ⅲ(1)",
            "text": "全城停热四分之一以上",
            "lower": "1/4",
            "lower_inclusive": True,
            "upper": "1/2",
        },
        {
            "level": 4,
            "clause": "Ⅳ(1)",
            "text": "全城停热四分之一以下",
            "lower": "0",
            "lower_inclusive": False,
            "upper": "1/4",
        },
    ],
    "accident": [  # 附件4 (2), and 附件4 Ⅰ(3) for 重大 and above
        {
            "grade": "extraordinary",
            "level": 1,
            "clause": "Ⅰ(3)",
            "text": "超出市级人民政府应急处置能力的事故",
            "reading": "特别重大、重大事故超出市级处置能力（由省级调查），按Ⅰ(3)。",
        },
        {
            "grade": "major",
            "level": 1,
            "clause": "Ⅰ(3)",
            "text": "超出市级人民政府应急处置能力的事故",
            "reading": "特别重大、重大事故超出市级处置能力（由省级调查），按Ⅰ(3)。",
        },
        {
            "grade": "larger",
            "level": 2,
            "clause": "Ⅱ(2)",
            "text": "发生较大事故",
            "reading": "“发生较大事故”同时列于Ⅰ级、Ⅱ级：按较低的Ⅱ级（附件2：较大事件由市指挥部在指挥长领导下处置）；"
            "Ⅰ级可作为备选，无需说明偏离理由。",
            "alternative": {"level": 1, "clause": "Ⅰ(2)"},
        },
        {
            "grade": "general",
            "level": 4,
            "clause": "Ⅳ(2)",
            "text": "发生一般事故",
            "reading": "“发生一般事故”同时列于Ⅲ级、Ⅳ级：按较低的Ⅳ级；Ⅲ级可作为备选，无需说明偏离理由。",
            "alternative": {"level": 3, "clause": "Ⅲ(2)"},
        },
    ],
    "people_at_risk": [  # 附件4 (3): 涉险、被困、失联 (the peak number)
        {
            "level": 1,
            "clause": "Ⅱ(3) 外推",
            "text": "造成10人以上涉险、被困、失联的事故",
            "lower": "10",
            "upper": None,
            "reading": "附件4未规定10人以上：按Ⅲ(3)→Ⅱ(3)的阶梯外推为Ⅰ级，而非“无级别”。",
        },
        {
            "level": 2,
            "clause": "Ⅱ(3)",
            "text": "造成3人以上10人以下涉险、被困、失联的事故",
            "lower": "3",
            "upper": "10",
        },
        {
            "level": 3,
            "clause": "Ⅲ(3)",
            "text": "造成3人以下涉险、被困、失联的事故",
            "lower": "1",
            "upper": "3",
        },
    ],
    "beyond_city_capacity": {"level": 1, "clause": "Ⅰ(3)", "text": "超出市级人民政府应急处置能力的事故"},
    "command_judgment": {  # 附件4 (4) (Ⅳ级: (3)): always open, with a written reason
        "1": "Ⅰ(4)",
        "2": "Ⅱ(4)",
        "3": "Ⅲ(4)",
        "4": "Ⅳ(3)",
    },
    "readings": {
        "highest": "建议级别取所有满足条件中的最高级别，并列出全部满足的条款。",
        "firm": "满足条件且停热已满24小时（以上包括本数）：建议确定。",
        "provisional": "条件已满足，待满24小时：建议暂定，不作为启动依据。",
        "lapsed": "24小时内已恢复供热：附件4的响应条件不成立，建议失效。",
        "no_outage": "未发生停热：“24小时以上不能恢复供热”不成立，附件4的响应条件不成立。",
        "unrestored_hours": "停热时长：已恢复的按恢复时间减停热开始时间；未恢复的取（现在−停热开始）与（预计恢复−停热开始）中的较大者。",
        "outage_share": "停热比例 = 停热供热面积 ÷ 事件所在供热服务区域的供热面积（默认运城市城市建成区）。",
        "bands": "附件5“一般事故”和附件4“3人以下”“四分之一以下”在预案中未写下限：读作至少1人、大于0（无伤亡、无损失则不构成事故，"
        "无停热则不适用(1)）；“一半以上”“四分之一以上”读作到上一档为止，每项只列最高的一档。",
        "condition_4": "第4项（市指挥部认为需要启动的其他情形）始终可用：可立即启动任一级别，须写明理由。",
    },
}
