"""The statistics page (issue 10) in the browser: the office opens it for a chosen period, reads the tables
(drills left out, and said so), downloads the Excel workbook by clicking its link and finds the known
numbers in it; the page at desktop 1440×900 and phone 390×844 (no sideways scrolling of the page) lands in
var/screenshots/ (statistics-desktop.png, statistics-phone.png)."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "测试：按预案研判决定"
PERIOD = "from=2024-12-01&to=2025-01-31"
AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"


def axe_problems(page):
    """The serious and critical violations axe-core (vendored) finds on the page, and any skipped
    heading level."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical") or v["id"] == "heading-order"
    ]


@pytest.fixture
def winter(make_incident, people):
    """Three incidents in December 2024 (two with a response at Ⅳ and Ⅲ, in 盐湖区 and 永济市), one in January
    2025, and a drill in January that must not count."""
    from orgchart.models import County

    def incident(day, *, level=None, county="yanhu", **fields):
        reported = timezone.make_aware(datetime(day[0], day[1], day[2], 9))
        inc = make_incident(
            reported_at=reported,
            occurred_at=reported - timedelta(hours=1),
            county=County.objects.get(code=county),
            **fields,
        )
        inc.start_assessment(people.office, now=reported + timedelta(minutes=20))
        if level:
            inc.activate(people.director, level=level, reason=REASON, now=reported + timedelta(minutes=80))
        return inc

    incident((2024, 12, 3), level=4)
    incident((2024, 12, 15), level=3, county="yongji", category="equipment_failure")
    incident((2024, 12, 28), category="extreme_cold")
    incident((2025, 1, 9), county="kaifaqu")
    incident((2025, 1, 12), level=3, is_drill=True)


def test_the_office_reads_the_statistics_and_downloads_the_workbook(
    live_server, sized_page, login, screenshot, winter, tmp_path
):
    page = sized_page("desktop", accept_downloads=True, bypass_csp=True)  # axe is injected
    login(page, "office")
    page.goto(f"{live_server.url}/command/statistics/?{PERIOD}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("统计分析")
    expect(page.get_by_test_id("drills-stated")).to_contain_text("另有演练 1 起未计入")
    years = page.get_by_test_id("table-years")
    expect(years.locator("tfoot")).to_contain_text("4")
    expect(page.get_by_test_id("table-categories")).to_contain_text("§1.5")
    expect(page.get_by_test_id("table-grades")).to_contain_text("附件5")
    # the charts are drawn by ECharts beside the tables (not the fallback table)
    expect(page.locator('[data-testid="chart-categories"] canvas')).to_have_count(1)

    with page.expect_download() as info:
        page.get_by_test_id("download-xlsx").click()
    download = info.value
    assert download.suggested_filename == "供热事件统计_20241201-20250131.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(saved)
    sheet = book["按年份"]
    assert [c.value for c in sheet[2]] == ["2024", 3, 2, 0, 0]
    assert [c.value for c in sheet[3]] == ["2025", 1, 0, 0, 1]
    assert book["按县区"]["B2"].value == 2  # 盐湖区 (listed first): 3 and 28 December; the drill left out
    assert dict(book["说明"].iter_rows(values_only=True, max_row=7, max_col=2))["演练"].startswith("不含演练")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "statistics-desktop")
    assert not axe_problems(page), axe_problems(page)

    phone = sized_page("phone", bypass_csp=True)  # axe is injected
    login(phone, "office")
    phone.goto(f"{live_server.url}/command/statistics/?{PERIOD}")
    expect(phone.get_by_test_id("table-years")).to_be_visible()
    # the page itself never scrolls sideways on a phone (a wide table scrolls within its own box)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "statistics-phone")
    assert not axe_problems(phone), axe_problems(phone)
