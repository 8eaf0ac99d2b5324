"""The demo accounts: the ONE list of demo usernames. ``create_demo_accounts`` creates them, the org
chart's ``load_plan --demo`` attaches them to positions, ``make run`` prints them. All fictitious."""

DEMO_PASSWORD = "yuncheng-demo-2026"

# (username, full name shown in the UI, role: a position code of orgchart.plan_2021.POSITIONS, unit code)
DEMO_ACCOUNTS = (
    ("office", "王文静（演示）", "office_staff", "city_admin"),
    ("director", "李建国（演示）", "office_director", "city_admin"),
    ("commander", "张振华（演示）", "commander", ""),
    ("general", "赵国强（演示）", "general_commander", ""),
    ("police", "刘晓军（演示）", "unit_liaison", "public_security"),
)

# Shown by `make run` next to each login.
ROLE_LABELS = {
    "office_staff": "市指挥部办公室工作人员",
    "office_director": "市指挥部办公室主任",
    "commander": "市指挥部指挥长",
    "general_commander": "市应急救援总指挥部总指挥",
    "unit_liaison": "成员单位联络员（市公安局）",
}
