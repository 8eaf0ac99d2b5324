"""The 2021 plan (运政办发〔2021〕68 号) transcribed: the organisation of
《运城市城市集中供热突发事件应急预案》 as plain Python data.

Source: the plan's full text (``shared/seed/000_68dc7ff3ca07d204.txt``), §2, §5.3, 附件2 and 附件3;
rules and readings from ``shared/DOMAIN.md`` §3–§4.  Every text below is transcribed exactly from the
plan: the seed was extracted from a PDF, so line breaks, blank lines and repeated page headers
(" 指挥机构 主要职责", "成\\n\\n员\\n\\n单\\n\\n位") were removed and the broken lines joined; every
Chinese punctuation mark is kept as printed (including the ASCII "," the plan prints in
"副秘书长,市…" in §2.1/§2.2).  ``tests/orgchart/test_plan_transcription.py`` checks the texts
against the seed.

Where the plan itself is silent (the duty roster, liaison officers), the entry is a *reading* and its
clause says so ("… (解读)").  This module is pure data: no Django import; the models load it.
"""

PLAN = {
    "code": "2021",
    "doc_no": "运政办发〔2021〕68 号",
    "title": "运城市城市集中供热突发事件应急预案",
    "issued_on": "2021-12-23",
    "interpreter": "市城市管理局",  # §8.5 本预案由市城市管理局负责解释。
}

# ---------------------------------------------------------------------------------------------------
# Command bodies (§2, §5.3.4, 附件2, 附件3)
# ---------------------------------------------------------------------------------------------------

CITY_HQ = {
    "name": "运城市城市基础公用事业应急工作指挥部",
    "short_name": "市指挥部",
    "clause": "§2.1、附件2",
    # 附件2 "市指挥部主要职责：…"
    "duties": (
        "贯彻落实省委、省政府及市委、市政府关于城市集中供热安全工作的决策部署，"
        "统筹协调集中供热突发事故防范及隐患排查治理工作，制定集中供热安全总体规划、重要措施，"
        "组织指挥较大集中供热突发事件应急处置工作，指导协调集中供热突发事故的调查评估和善后处置工作，"
        "落实市委、市政府及市应急救援总指挥部交办的集中供热突发事件的应急处置的其他重大事项。"
    ),
}

OFFICE = {
    "name": "市指挥部办公室",
    "host_unit": "city_admin",  # §2.1 办公室设在市城市管理局
    "clause": "§2.1、附件2",
    # 附件2 "市指挥部办公室主要职责：…"
    "duties": (
        "承担市指挥部日常工作，制定、修订较大集中供热突发事件专项应急预案，"
        "组织集中供热突发事件防范和隐患排查治理工作，开展桌面推演、实兵演练等应对集中供热突发事件专项训练，"
        "协调各方面力量参加较大集中供热事件救援行动，"
        "协助市委、市政府指定的负责同志组织较大集中供热突发事件应急处置工作，"
        "配合做好较大集中供热突发事件调查评估和善后处置工作，报告和发布较大集中供热突发事件信息，"
        "指导县（市、区）做好集中供热突发事件应对等工作。"
    ),
}

GENERAL_HQ = {
    "name": "市应急救援总指挥部",
    "clause": "§5.3.4",
}

ONSITE_HQ = {
    "name": "现场指挥部",
    "clause": "§2.2、附件3",
    # last sentence of 附件3
    "note": "根据现场情况，现场指挥部指挥长可视情况调整工作组组成单位及职责。",
}

# ---------------------------------------------------------------------------------------------------
# Member units (附件2, in the plan's order)
# ---------------------------------------------------------------------------------------------------
# in_section_2_1: §2.1's 成员单位 list names 市委宣传部 … 国网运城供电公司、各供水企业 but NOT
# 运城银保监分局 and NOT 各供热企业 (both are in 附件2 and in 附件3's groups).


def _unit(code, name, kind, duties, *, current_name="", is_category=False, in_section_2_1=True):
    return {
        "code": code,
        "name": name,
        "current_name": current_name,
        "kind": kind,
        "is_category": is_category,
        "in_section_2_1": in_section_2_1,
        "duties": duties,
        "clause": "附件2",
    }


UNITS = (
    _unit(
        "propaganda",
        "市委宣传部",
        "government",
        "根据市指挥部的统一部署，组织协调新闻媒体开展应急新闻报道，积极引导舆论。",
    ),
    _unit(
        "development_reform",
        "市发展改革委",
        "government",
        "负责执行市指挥部下达的动用重要物资和应急储备物资命令。",
    ),
    _unit(
        "industry_it",
        "市工信局",
        "government",
        "负责紧急状态下重要物资生产组织工作，负责市级医药储备应急调拨；"
        "参与市属企业事故应急救援和善后处置工作，督促市属企业做好应急管理工作。",
    ),
    _unit(
        "public_security",
        "市公安局",
        "government",
        "负责维护事故现场治安，做好周边道路交通管制和疏导，确定伤亡和失踪人员身份，"
        "对事故遇难人员遗体进行鉴定。",
    ),
    _unit(
        "civil_affairs",
        "市民政局",
        "government",
        "负责协调事故遇难人员遗体处理工作。",
    ),
    _unit(
        "finance",
        "市财政局",
        "government",
        "负责落实事故应急救援所需经费和应急救援项目配套资金，"
        "及时支付经市指挥部协调救援工作发生的医疗救助、事故评估等相关费用，"
        "组织对所需应急救援物资的政府采购，做好应急救援资金使用的监督管理工作。",
    ),
    _unit(
        "hr_social_security",
        "市人社局",
        "government",
        "负责组织协调事发地县级人社部门按规定做好事故伤亡人员的工伤保险工作。",
    ),
    _unit(
        "natural_resources",
        "市规划和自然资源局",
        "government",
        "负责为集中供热突发事件应急救援涉及地质灾害治理提供技术指导。",
    ),
    _unit(
        "city_admin",
        "市城市管理局",
        "government",
        "负责组织协调有关部门做好集中供热突发事件各项应急处置工作；"
        "承担集中供热突发事件信息的收集、分析、评估、审核和上传下达等工作；"
        "会同有关部门组织开展预案宣传、培训和演练，并根据实际情况，适时组织进行评估和修订；"
        "完成省、市委、市政府交办的其他工作。",
    ),
    _unit(
        "housing",
        "市住建局",
        "government",
        "负责组织协调有关部门做好事故各项应急处置工作；负责确保大型工程机械、应急物资的保障和调配工作；"
        "承担事故信息的收集、分析、评估、审核和上传下达等工作。",
    ),
    _unit(
        "transport",
        "市交通局",
        "government",
        "负责组织协调事发地农村公路畅通及设施的损坏修复，为应急救援车辆提供绿色通道，保障救援物资运输畅通。",
    ),
    _unit(
        "health",
        "市卫健委",
        "government",
        "负责组织督导事发地卫生健康部门，调派专家团队和卫生应急队伍，开展事故伤病员医疗救治、"
        "相关区域卫生防疫、心理危机干预和相关人员医疗卫生保障。",
    ),
    _unit(
        "emergency",
        "市应急局",
        "government",
        "指导应急预案修订工作，指导集中供热突发事件应急处置，按照权限指挥调度各类救援队伍参与应急救援。",
    ),
    _unit(
        "market_regulation",
        "市市场监管局",
        "regulator",
        "依法负责指导涉及特种设备事故的紧急救援和调查处理工作；"
        "负责应急救援所需药品、医疗器械的质量监督管理。",
    ),
    _unit(
        "energy",
        "市能源局",
        "government",
        "负责协调供热应急燃煤。",
    ),
    _unit(
        "meteorology",
        "市气象局",
        "government",
        "负责灾害天气监测、预警、预报，及时提供应急气象保障信息。",
    ),
    _unit(
        "telecom",
        "市通联办",
        "government",
        "负责组织协调各电信运营企业做好应急通信保障工作，保障应急通信指挥畅通。",
    ),
    _unit(
        "banking_insurance",
        "运城银保监分局",
        "regulator",
        "负责督促、指导有关保险公司及时做好理赔工作。",
        current_name="国家金融监督管理总局运城监管分局",
        in_section_2_1=False,
    ),
    _unit(
        "armed_police",
        "武警运城支队",
        "armed_police",
        "负责组织协调驻运武警部队参加事故救援工作。",
    ),
    _unit(
        "fire_rescue",
        "市消防救援支队",
        "fire_brigade",
        "负责组织指挥所属队伍参加以抢救人员生命为主的应急救援工作。",
    ),
    _unit(
        "state_grid",
        "国网运城供电公司",
        "utility",
        "负责做好营业区域所属供电设施抢修及事故抢险供电保障工作。",
    ),
    _unit(
        "water_companies",
        "各供水企业",
        "enterprise_category",
        "负责处理因停水影响供热运行的供水抢修、恢复工作。",
        is_category=True,
    ),
    _unit(
        "heating_companies",
        "各供热企业",
        "enterprise_category",
        "负责制定本企业供热事故应急预案，并落实到位；组织制定事故现场抢修方案，组织实施现场抢修；"
        "做好集中供热突发事件期间备用热源的启用工作；如事件处置超出自身能力，按规定程序请求支援；"
        "因工程设施损毁或管网泄漏造成人员伤害事故的，应先抢救受伤人员，及时、有序、高效地清理现场，"
        "搜寻、急救与安全转送伤员，降低伤亡率，减少事故损失；"
        "配合相关部门组织好现场人员疏散、交通管制等工作，为现场提供抢修条件；"
        "保障应急物资供应，做好生产调度、抢修作业、安全监护、用户通告等工作；"
        "限制或停止公共建筑和工业生产用热量，先期保障居民用热；配合做好事故调查、取证、分析工作；"
        "协调安排应急工作人员食宿，参与伤员救护工作；配合做好伤亡人员家属安抚、慰问工作，妥善处理善后事宜；"
        "做好群众思想工作，消除各种不安全、不稳定因素。",
        is_category=True,
        in_section_2_1=False,
    ),
)

# ---------------------------------------------------------------------------------------------------
# 事发地县级政府 (DOMAIN.md §4): one per county-level area; the incident's county joins the groups
# ---------------------------------------------------------------------------------------------------


def _county(code, county, government, *, map_county=None, in_built_up_area=False):
    return {
        "code": code,
        "county": county,
        "government": government,
        "map_county": map_county or county,
        # §1.4 适用范围: 运城市城市建成区 = 盐湖区 and 运城开发区 (DOMAIN.md §3 reading)
        "in_built_up_area": in_built_up_area,
    }


COUNTIES = (
    _county("yanhu", "盐湖区", "盐湖区人民政府", in_built_up_area=True),
    _county("yongji", "永济市", "永济市人民政府"),
    _county("hejin", "河津市", "河津市人民政府"),
    _county("linyi", "临猗县", "临猗县人民政府"),
    _county("wanrong", "万荣县", "万荣县人民政府"),
    _county("wenxi", "闻喜县", "闻喜县人民政府"),
    _county("jishan", "稷山县", "稷山县人民政府"),
    _county("xinjiang", "新绛县", "新绛县人民政府"),
    _county("jiangxian", "绛县", "绛县人民政府"),
    _county("yuanqu", "垣曲县", "垣曲县人民政府"),
    _county("xiaxian", "夏县", "夏县人民政府"),
    _county("pinglu", "平陆县", "平陆县人民政府"),
    _county("ruicheng", "芮城县", "芮城县人民政府"),
    _county("kaifaqu", "运城开发区", "运城开发区管委会", map_county="盐湖区", in_built_up_area=True),
)

# ---------------------------------------------------------------------------------------------------
# Positions (§2.1, §2.2, §5.3.3–§5.3.4, 附件2, 附件3; readings marked 解读)
# ---------------------------------------------------------------------------------------------------


def _position(code, name, body, holder_definition, clause, *, holder_unit="", note=""):
    return {
        "code": code,
        "name": name,
        "body": body,
        "holder_definition": holder_definition,
        "holder_unit": holder_unit,
        "clause": clause,
        "note": note,
    }


POSITIONS = (
    _position("commander", "指挥长", "city_hq", "市政府分管城市管理工作的副市长", "§2.1、附件2"),
    # 附件2 lists five 副指挥长, in this order; §2.1 lists only the first four
    # (as 市政府协管副秘书长,市应急局、市城市管理局、市住建局主要负责人).
    _position("deputy_secretary_general", "副指挥长", "city_hq", "市政府协管副秘书长", "§2.1、附件2"),
    _position(
        "deputy_housing", "副指挥长", "city_hq", "市住建局主要负责人", "§2.1、附件2", holder_unit="housing"
    ),
    _position(
        "deputy_city_admin",
        "副指挥长",
        "city_hq",
        "市城市管理局主要负责人",
        "§2.1、附件2",
        holder_unit="city_admin",
    ),
    _position(
        "deputy_emergency",
        "副指挥长",
        "city_hq",
        "市应急局主要负责人",
        "§2.1、附件2",
        holder_unit="emergency",
    ),
    _position(
        "deputy_fire",
        "副指挥长",
        "city_hq",
        "市消防救援支队主要负责人",
        "附件2",
        holder_unit="fire_rescue",
        note="附件2列为副指挥长，§2.1未列",
    ),
    _position(
        "office_director",
        "办公室主任",
        "office",
        "市城市管理局主要负责人兼任",
        "§2.1",
        holder_unit="city_admin",
    ),
    _position(
        "office_staff",
        "办公室工作人员",
        "office",
        "市指挥部办公室工作人员（设在市城市管理局）",
        "§2.1",
        holder_unit="city_admin",
    ),
    _position(
        "duty_officer",
        "值班员",
        "office",
        "值班表上当班的值班人员",
        "附件2 办公室（值班表，解读）",
        note="预案未规定值班表，此为解读",
    ),
    _position(
        "duty_leader",
        "带班领导",
        "office",
        "值班表上当班的带班领导",
        "附件2 办公室（值班表，解读）",
        note="预案未规定值班表，此为解读",
    ),
    _position("general_commander", "总指挥", "general_hq", "市应急救援总指挥部总指挥", "§5.3.4"),
    _position(
        "onsite_commander",
        "现场指挥长",
        "onsite_hq",
        "市政府副市长",
        "§2.2",
        note="指挥长到达现场后接管指挥权，§5.3.3(2)",
    ),
    _position(
        "onsite_deputy",
        "现场副指挥长",
        "onsite_hq",
        "市政府协管副秘书长,市城市管理局、市住建局、市应急局、市消防救援支队主要负责人",
        "§2.2",
    ),
    _position("group_leader", "组长", "group", "见附件3各工作组", "附件3"),
    _position("unit_liaison", "成员单位联络员", "unit", "各成员单位指定的联络员", "附件2 (解读)"),
)

# ---------------------------------------------------------------------------------------------------
# On-site working groups (附件3, in the plan's order)
# ---------------------------------------------------------------------------------------------------
# leaders: (unit code or "county" for 事发地县级政府, "head" = 主要负责人 | "deputy_head" = 分管负责人)

GROUPS = (
    {
        "code": "coordination",
        "name": "综合协调组",
        "leader_text": "市城市管理局、市住建局主要负责人。",
        "leaders": [("city_admin", "head"), ("housing", "head")],
        "members_text": "市住建局、市城市管理局、市应急局等有关部门，事发地县级政府及相关部门。",
        "member_units": ["housing", "city_admin", "emergency"],
        "includes_county": True,
        "duties": (
            "收集、汇总、报送事故和救援动态信息，承办文秘、会务工作；协调、服务、督办各组工作落实；"
            "完成现场指挥部交办的其他任务。"
        ),
        "expert_tasks": "",
        "clause": "附件3",
    },
    {
        "code": "rescue",
        "name": "抢险救援组",
        "leader_text": "市城市管理局、市住建局主要负责人。",
        "leaders": [("city_admin", "head"), ("housing", "head")],
        "members_text": (
            "市应急局、市住建局、市城市管理局、武警运城支队、市消防救援支队等有关部门，"
            "事发地县级政府及相关部门。"
        ),
        "member_units": ["emergency", "housing", "city_admin", "armed_police", "fire_rescue"],
        "includes_county": True,
        "duties": (
            "负责掌握事故现场动态，制定救援方案，指挥、调集专业应急队伍、装备和物资；"
            "组织灾情侦察、抢险救援，控制危险源。"
        ),
        "expert_tasks": "",
        "clause": "附件3",
    },
    {
        "code": "public_order",
        "name": "社会稳定组",
        "leader_text": "市公安局分管负责人。",
        "leaders": [("public_security", "deputy_head")],
        "members_text": "市公安局，事发地县级政府及相关部门。",
        "member_units": ["public_security"],
        "includes_county": True,
        "duties": "负责现场及周边治安、警戒和道路交通管制、疏导，开展人员核查和遇难人员身份识别工作。",
        "expert_tasks": "",
        "clause": "附件3",
    },
    {
        "code": "experts",
        "name": "技术专家组",
        "leader_text": "市城市管理局、市住建局分管负责人。",
        "leaders": [("city_admin", "deputy_head"), ("housing", "deputy_head")],
        "members_text": "根据事故现场实际情况确定成员单位。",
        "member_units": [],
        "includes_county": False,
        "duties": (
            "掌握、研判灾情，组织专家研究论证，为救援工作提供技术支持；制定救援方案、技术措施和安全保障措施。"
        ),
        "expert_tasks": (
            "研判灾情，研究论证救援技术措施，为救援决策提出意见和建议；参与救援方案制定；"
            "提出防范事故扩大措施建议。"
        ),
        "clause": "附件3",
    },
    {
        "code": "medical",
        "name": "医学救护组",
        "leader_text": "市卫健委主要负责人。",
        "leaders": [("health", "head")],
        "members_text": "市卫健委，事发地县级政府及相关部门。",
        "member_units": ["health"],
        "includes_county": True,
        "duties": "负责伤员救治和医疗卫生保障，调配市级医疗资源指导援助，开展现场卫生防疫。",
        "expert_tasks": "",
        "clause": "附件3",
    },
    {
        "code": "logistics",
        "name": "应急保障组",
        "leader_text": "事发地县级政府主要负责人。",
        "leaders": [("county", "head")],
        "members_text": (
            "市发展改革委、市工信局、市财政局、市住建局、市城市管理局、市交通局、市应急局、市市场监管局、"
            "市能源局、市气象局、市通联办、运城银保监分局、国网运城供电公司、各供水企业、各供热企业"
            "等有关单位及事发地县级政府。"
        ),
        "member_units": [
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
        "includes_county": True,
        "duties": "组织交通运输、通信、电力、供水、后勤服务等保障工作。",
        "expert_tasks": "",
        "clause": "附件3",
    },
    {
        "code": "publicity",
        "name": "宣传报道组",
        "leader_text": "市委宣传部分管负责人。",
        "leaders": [("propaganda", "deputy_head")],
        "members_text": "市委宣传部、市住建局、市城市管理局，事发地县级政府及相关部门。",
        "member_units": ["propaganda", "housing", "city_admin"],
        "includes_county": True,
        "duties": (
            "根据市现场指挥部发布的权威信息，组织协调新闻媒体开展较大集中供热突发事件应急救援的新闻报道、"
            "新闻发布，积极引导舆论。"
        ),
        "expert_tasks": "",
        "clause": "附件3",
    },
    {
        "code": "aftermath",
        "name": "善后工作组",
        "leader_text": "事发地县级政府主要负责人。",
        "leaders": [("county", "head")],
        "members_text": (
            "市财政局、市民政局、市人社局、市住建局、市城市管理局、市应急局、运城银保监分局等有关部门，"
            "事发地县级政府及相关部门。"
        ),
        "member_units": [
            "finance",
            "civil_affairs",
            "hr_social_security",
            "housing",
            "city_admin",
            "emergency",
            "banking_insurance",
        ],
        "includes_county": True,
        "duties": "做好家属安抚、伤亡赔偿和应急补偿、恢复重建工作，处理其他有关善后事宜。",
        "expert_tasks": "",
        "clause": "附件3",
    },
)

# ---------------------------------------------------------------------------------------------------
# §5.3 response clauses (checklists)
# ---------------------------------------------------------------------------------------------------

SECTION_5_3_1 = (
    "符合Ⅳ级响应条件时，由市指挥部办公室主任启动Ⅳ级响应，视情派出工作组赶赴现场，指导、协调应急处置工作。"
)

SECTION_5_3_2 = (
    "符合Ⅲ级响应条件时，由市指挥部办公室主任启动Ⅲ级响应，关注掌握现场动态，根据事件发展趋势，"
    "立即派出相关人员赶赴现场，指导、协调事故应急处置工作；随时掌握工作进展情况，"
    "视情协调增派有关处置力量，做好扩大响应的准备。"
)

# The lead-in of §5.3.3, before its eight numbered duties.
SECTION_5_3_3_INTRO = (
    "符合Ⅱ级响应条件时，市指挥部办公室主任向指挥长报告，由指挥长启动Ⅱ级响应。重点做好以下工作："
)

SECTION_5_3_3_DUTIES = (
    # 1.
    "市指挥部办公室通知指挥长、副指挥长、有关成员单位负责人及相关人员立即赶赴现场。"
    "同时，根据事故情况，迅速指挥调度有关救援力量赶赴现场参加救援工作。",
    # 2.
    "指挥长到达现场后，迅速成立现场指挥部及其工作组，接管指挥权，开展事故会商，了解先期处置情况、"
    "分析研判事故灾害现状及发展态势，研究制定事故救援方案，指挥各组迅速开展行动。",
    # 3.
    "加强救援人员安全防护，发现可能直接危及应急救援人员生命安全的紧急情况时，立即组织采取相应措施消除隐患，"
    "降低或者化解风险，必要时可以暂时撤离应急救援人员，防止事故扩大和次生灾害发生。",
    # 4.
    "根据发展态势和救援需要，协调增调救援力量。",
    # 5.
    "组织展开人员核查、事故现场秩序维护、遇险人员和遇险遇难人员亲属安抚工作。",
    # 6.
    "及时、统一发布事故等信息，积极协调各类新闻媒体开展新闻报道，做好舆论监测和引导工作。",
    # 7.
    "按照省工作组指导意见，落实相应工作。",
    # 8.
    "认真贯彻落实省领导同志批示指示精神及省住建厅、市委、市政府工作要求，并及时向事发地传达。",
)

SECTION_5_3_4 = (
    "符合Ⅰ级响应条件时，指挥长向市应急救援总指挥部总指挥报告，建议总指挥启动Ⅰ级响应，"
    "进一步加强现场指挥部力量，在做好Ⅱ级响应重点工作基础上，落实省工作组指导意见，"
    "必要时请求省有关部门给予支持。"
)

SECTION_5_3_5 = "市指挥部或市指挥部办公室根据事故情况变化，结合事故实际调整响应级别。"

SECTION_5_3_6 = (
    "遇难遇险人员全部救出，导致次生、衍生事故的威胁和危害得到控制或者消除后，"
    "Ⅰ级、Ⅱ级响应由市现场指挥部指挥长决定响应结束；Ⅲ级、Ⅳ级响应由市指挥部办公室主任决定响应结束。"
)

# ---------------------------------------------------------------------------------------------------
# Look-ups by code (derived, for convenience)
# ---------------------------------------------------------------------------------------------------

UNIT_BY_CODE = {u["code"]: u for u in UNITS}
COUNTY_BY_CODE = {c["code"]: c for c in COUNTIES}
POSITION_BY_CODE = {p["code"]: p for p in POSITIONS}
GROUP_BY_CODE = {g["code"]: g for g in GROUPS}
