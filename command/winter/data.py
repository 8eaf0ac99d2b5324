"""What a generated winter draws from: the weights of categories, counties, levels and hours, and the
texts of titles, notes, measures and tasks (issue 8). Figures, not rules: the rules come from the plan."""

MARK = "【生成】"
BATCH_SIZE = 2000
DEMO_USERS = ("office", "director", "commander", "general")
DEMO_COMPANIES = ("demo-heat-1", "demo-heat-2", "demo-heat-source")

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
