"""Browser tests: Chromium's flags, the viewports we look at, screenshots, axe-core, and incidents set up
for the level-change and task pages."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from command.approvals.services import level_request_submit
from command.models import Assignment, LevelSetup
from incidents.services import incident_report
from tests.support.incidents import ensure_plan_version, report_data

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


# Viewports we look at: a phone, a desktop, the command hall's wall screen.
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1366, "height": 900},
    "wall": {"width": 1920, "height": 1080},
}


# The sizes the dashboard issue asks screenshots at (desktop 1440×900, phone 390×844, wall 1920×1080).
SIZES = {**VIEWPORTS, "desktop": {"width": 1440, "height": 900}}


AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"


# Moderate rules that still fail the check on the main pages: a skipped heading level confuses the
# screen-reader user who moves by headings.
ALSO_FAIL = {"heading-order"}


def axe_violations(page):
    """Runs the vendored axe-core on the page; returns the serious and critical violations and those of
    the rules in ALSO_FAIL."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical") or v["id"] in ALSO_FAIL]


def describe(url, violations):
    lines = []
    for v in violations:
        targets = [n["target"] for n in v["nodes"][:3]]
        summary = v["nodes"][0].get("failureSummary", "").replace("\n", " ")[:300] if v["nodes"] else ""
        lines.append(
            f"{url}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes) {v['help']} — {targets} — {summary}"
        )
    return lines


def shoot(screenshot, page, name):
    page.evaluate("window.scrollTo(0, 0)")  # sticky panels at their place in a full-page picture
    return screenshot(page, name)


def assessing_incident(user_of, title="测试：供热主管网破裂"):
    """An incident under assessment whose 附件4 recommendation is a firm Ⅱ: 20,000,000 m² of the default
    service area's 32,000,000 m² (62.5%) without heat for 30 hours."""

    ensure_plan_version()
    now = timezone.now()
    office = user_of("office")
    incident = incident_report(
        actor=office,
        data=report_data(
            title=title,
            occurred_at=now - timedelta(hours=30),
            reported_at=now - timedelta(hours=30),
            outage_started_at=now - timedelta(hours=30),
            affected_area_m2=Decimal("20000000"),
        ),
    )
    incident.start_assessment(office)
    rec = incident.recommendation()
    assert rec.level == 2 and rec.firm, rec
    return incident


def activate_level_2(user_of, incident):
    """The commander decides Ⅱ directly (he holds the decision); the setup runs on commit."""

    request = level_request_submit(incident_id=incident.pk, actor=user_of("commander"), to_level=2)
    assert LevelSetup.objects.filter(incident=incident, level=2).exists()
    return request


def activated_incident(user_of, title="测试：供热主管网破裂"):
    """An incident at Ⅱ级响应 with its assignments (one per activated group and per unit concerned)."""

    incident = assessing_incident(user_of, title=title)
    activate_level_2(user_of, incident)
    incident.refresh_from_db()
    assert (incident.state, incident.level) == ("responding", 2)
    assert Assignment.objects.filter(incident=incident, kind="assignment").exists()
    return incident
