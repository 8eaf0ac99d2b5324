"""Demo incidents (``load_plan --demo``), made through the same services a person uses, so every
timeline event, assignment and check is real. Idempotent: nothing is added when they exist. Titles end
with （演示）; all figures are fictitious.

1. 盐湖区 — a pipe burst at Ⅲ, responding (the dashboard's map and the task board have something to show).
2. 永济市 — a burst that killed one worker (一般事故, 附件5), at Ⅳ, everybody rescued and the hazards
   controlled: ready for the office director to end the response, then walk the aftermath, the
   investigation and the summary to the archive (the issue 9 walk-through).
3. 【演练】 a drill at 河津市, reported.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from command.response.activation import response_setup
from incidents import services as incident_services
from incidents.choices import State
from incidents.models import Incident
from orgchart.models import County, ServiceArea

MARK = "（演示）"

# What the office would write for the 永济 demo accident (fictitious): the investigation record (§7.2) and
# the office summary, as typed in the aftermath page's forms. Used by the walk-through tests.
DEMO_INVESTIGATION = {
    "team": "永济市人民政府事故调查组：组长（演示），市应急管理局、市城市管理局、市公安局",
    "course": "11月27日22时许，城北换热站一次网供水管道焊缝开裂，检修工人在抢修中被高温水烫伤致死。",
    "cause": "焊缝老化，抢修作业未先行泄压。",
    "category": "灼烫",
    "nature": "生产安全责任事故",
    "deaths": "1",
    "injuries": "0",
    "direct_loss_yuan": "860000",
    "lessons": "抢修作业须先泄压、隔离。",
    "responsibility": "供热企业安全管理责任落实不到位，建议对相关责任人依规处理。",
    "prevention": "全面排查老旧管网焊缝；修订抢修作业规程。",
}
DEMO_SUMMARY = {
    "occurrence": "城北换热站爆管，停热约27小时，一人死亡。",
    "handling": "启动Ⅳ级响应，3小时内隔离故障管段，次日恢复供热。",
    "lessons": "老旧管网风险排查不足。",
    "improvements": "一季度内完成全市老旧管网焊缝排查。",
}


def _report(office, *, title, county, hours_ago, **fields):
    now = timezone.now()
    # the service area covering the county (附件4(1), reading): the built-up area or the county's own
    area = ServiceArea.objects.filter(counties__code=county).order_by("-is_default", "name").first()
    data = {
        "title": title,
        "category": "heat_source_pipeline",
        "incident_type": "",
        "facility": "main_network",
        "service_area": area,
        "county": County.objects.get(code=county),
        "address": "",
        "company": None,
        "description": "演示数据：虚构事件，用于熟悉系统。",
        "occurred_at": now - timedelta(hours=hours_ago, minutes=20),
        "reported_at": now - timedelta(hours=hours_ago),
        "is_drill": False,
        "source": "company",
        "reporter_name": "",
        "reporter_phone": "",
        "reporter_unit": "",
        **fields,
    }
    return incident_services.incident_report(actor=office, data=data)


def load_demo_incidents():
    """Returns the number of incidents created (0 when the demo incidents exist already)."""
    if Incident.objects.filter(title__endswith=MARK).exists():
        return 0
    User = get_user_model()
    office, director = User.objects.get(username="office"), User.objects.get(username="director")
    now = timezone.now()
    with transaction.atomic():
        made = [
            _demo_responding(office, director, now),
            _demo_accident(office, director, now),
            _demo_drill(office, now),
        ]
    for incident in made:
        if Incident.objects.filter(pk=incident.pk, state=State.RESPONDING).exists():
            response_setup(incident.pk)  # the groups, assignments and checklists of its level
    return len(made)


def _demo_responding(office, director, now):
    """1. 盐湖区: a pipe burst at Ⅲ, responding."""
    a = _report(
        office,
        title="盐湖区解放路热力站一次网管线破裂" + MARK,
        county="yanhu",
        hours_ago=5,
        outage_started_at=now - timedelta(hours=4, minutes=50),
        estimated_restoration_at=now + timedelta(hours=14),
        affected_area_m2=Decimal("1800000"),
        affected_households=21000,
        facility="heat_station",
        lon=Decimal("111.0074"),
        lat=Decimal("35.0263"),
    )
    a.start_assessment(office, now=now - timedelta(hours=4, minutes=40))
    a.activate(
        director,
        level=3,
        reason="演示：停热面积较大、预计停热超过24小时（附件4）",
        now=now - timedelta(hours=4, minutes=20),
    )
    return a


def _demo_accident(office, director, now):
    """2. 永济市: a burst that killed one worker (一般事故, 附件5), at Ⅳ, hazards controlled."""
    b = _report(
        office,
        title="永济市城北换热站爆管致一名检修工人死亡" + MARK,
        county="yongji",
        hours_ago=30,
        outage_started_at=now - timedelta(hours=29, minutes=50),
        restored_at=now - timedelta(hours=3),
        affected_area_m2=Decimal("240000"),
        affected_households=3100,
        facility="heat_station",
        deaths=1,
        serious_injuries=0,
        direct_loss_yuan=Decimal("860000"),
        people_at_risk_peak=2,
        lon=Decimal("110.4477"),
        lat=Decimal("34.8671"),
    )
    b.start_assessment(office, now=now - timedelta(hours=29, minutes=40))
    b.activate(
        director,
        level=4,
        reason="演示：一般事故（附件5），启动Ⅳ级响应",
        now=now - timedelta(hours=29, minutes=20),
    )
    Incident.objects.filter(pk=b.pk).update(hazards_controlled=True)
    return b


def _demo_drill(office, now):
    """3. 【演练】 a drill at 河津市, reported."""
    return _report(
        office,
        title="河津市热源厂停运演练" + MARK,
        county="hejin",
        hours_ago=1,
        is_drill=True,
        outage_started_at=now - timedelta(minutes=50),
        affected_area_m2=Decimal("500000"),
        affected_households=6000,
    )
