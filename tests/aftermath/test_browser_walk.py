"""Issue 9 in the browser: the demo incident (永济市, 一般事故, Ⅳ级响应, everybody rescued) is taken by a
newcomer from the end of its response to the archive, and the archive is refused while an aftermath item
is open or the investigation is missing.

The office director ends the response (§5.3.6) → the incident enters aftermath and the six §7.1 items are
issued to 永济市人民政府 under the 善后工作组 → the office closes one as not applicable, and the county
government's liaison signs for the other five on a phone and reports them done → the archive is refused (investigation and summary missing) → the investigation record is
saved as a draft, refused on submit while incomplete (the typed text is kept), completed and submitted
(locked) → the office summary with one improvement measure → archived, read-only; the director reopens it
with a reason. Screenshots at desktop and phone size land in var/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from aftermath.demo import DEMO_INVESTIGATION, DEMO_SUMMARY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVESTIGATION, SUMMARY = DEMO_INVESTIGATION, DEMO_SUMMARY


@pytest.fixture
def demo_incident(demo):
    from aftermath.demo import load_demo_incidents
    from incidents.models import Incident

    load_demo_incidents()
    return Incident.objects.get(title__startswith="永济市城北换热站爆管")


def fill(page, kind, values):
    for name, value in values.items():
        page.locator(f"#{kind}-{name}").fill(value)


def test_a_newcomer_takes_the_demo_incident_from_response_end_to_the_archive(
    live_server, new_page, login, screenshot, demo_incident
):
    from aftermath.models import Measure, Revision
    from command.models import Assignment
    from incidents.models import Incident

    pk = demo_incident.pk
    assert (demo_incident.state, demo_incident.level) == ("responding", 4)

    # 1. the office director ends the Ⅳ response (§5.3.6: the conditions hold in the demo)
    page = login(new_page("desktop"), "director")
    page.goto(f"{live_server.url}/command/incidents/{pk}/end/")
    page.get_by_test_id("end-submit").click()
    page.wait_for_load_state()
    assert Incident.objects.get(pk=pk).state == "aftermath"
    items = list(Assignment.objects.filter(incident_id=pk, phase="aftermath").order_by("id"))
    assert len(items) == 6 and {t.unit.code for t in items} == {
        Incident.objects.get(pk=pk).county.government.code
    }

    # 2. the office opens the aftermath page: six items waiting, archive refused with the reasons
    page = login(new_page("desktop"), "office")
    page.goto(f"{live_server.url}/aftermath/incidents/{pk}/")
    expect(page.get_by_test_id("aftermath-items").locator("li")).to_have_count(6)
    expect(page.get_by_test_id("grade")).to_have_text("一般事故")
    expect(page.get_by_test_id("team")).to_contain_text("县级政府事故调查组")
    blockers = page.get_by_test_id("archive-blockers")
    expect(blockers).to_contain_text("仍有 6 项")
    expect(blockers).to_contain_text("调查评估报告尚未提交")
    expect(blockers).to_contain_text("办公室总结尚未提交")
    screenshot(page, "aftermath-start-desktop")

    # 3. one item does not apply; the other five are reported done on their task pages
    first = items[1]  # 后续医疗救治: nobody injured
    row = page.get_by_test_id(f"item-{first.pk}")
    row.locator("summary").click()
    row.locator("input[name=reason]").fill("无人员受伤")
    row.get_by_role("button", name="关闭：不适用").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id(f"item-{first.pk}").get_by_test_id("item-state")).to_have_text("已关闭")
    # the county government's liaison, on a phone, signs for the other five and reports them done
    phone = login(new_page("phone"), "county")
    phone.wait_for_url(re.compile(r".*/command/tasks/$"))  # a liaison lands on 我的任务
    for t in items:
        if t.pk == first.pk:
            continue
        phone.goto(f"{live_server.url}/command/tasks/{t.pk}/")
        phone.get_by_test_id("move-sign").click()
        phone.wait_for_load_state()
        phone.get_by_test_id("move-done").click()
        phone.wait_for_load_state()
        assert Assignment.objects.get(pk=t.pk).state == "done", t.title
    screenshot(phone, "aftermath-items-done-phone")

    # 4. the archive is still refused: the investigation record and the summary are missing
    page.goto(f"{live_server.url}/aftermath/incidents/{pk}/")
    expect(page.get_by_test_id("archive-blockers")).not_to_contain_text("仍有")
    page.get_by_test_id("archive-submit").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-danger, .alert-error").first).to_contain_text("不能归档（§7）")
    assert Incident.objects.get(pk=pk).state == "aftermath"

    # 5. the investigation: a draft, an incomplete submit (refused, the typed text kept), then complete
    fill(page, "investigation", {"course": INVESTIGATION["course"]})
    page.get_by_test_id("investigation-save").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("investigation-status")).to_contain_text("草稿")
    page.locator("#investigation-cause").fill(INVESTIGATION["cause"])
    page.get_by_test_id("investigation-submit").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("以下内容尚未填写")
    expect(page.locator("#investigation-cause")).to_have_value(INVESTIGATION["cause"])  # not lost
    fill(page, "investigation", INVESTIGATION)
    page.get_by_test_id("investigation-submit").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("investigation-status")).to_contain_text("已提交")
    expect(page.get_by_test_id("investigation-current")).to_contain_text("生产安全责任事故")
    expect(page.get_by_test_id("investigation-form")).to_be_hidden()  # locked: only "更正" remains
    rev = Revision.objects.get(record__incident_id=pk, record__kind="investigation")
    assert (
        rev.status == "submitted"
        and rev.content["deaths"] == 1
        and rev.content["direct_loss_yuan"] == "860000.00"
    )

    # 6. the office summary and one improvement measure
    fill(page, "summary", SUMMARY)
    page.get_by_test_id("summary-submit").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("summary-status")).to_contain_text("已提交")
    form = page.get_by_test_id("measure-form")
    if not form.is_visible():
        page.locator("#measures summary").first.click()
    form.locator("#m-text").fill("一季度内完成全市老旧管网焊缝排查")
    form.locator("#m-unit").select_option(label="市城市管理局")
    form.locator("#m-due").fill("2027-03-31")
    page.get_by_test_id("measure-add").click()
    page.wait_for_load_state()
    assert Measure.objects.filter(incident_id=pk, state="open").count() == 1

    # 7. archive: allowed now; the page is read-only
    expect(page.get_by_test_id("archive-ready")).to_be_visible()
    page.get_by_test_id("archive-submit").click()
    page.wait_for_load_state()
    assert Incident.objects.get(pk=pk).state == "archived"
    expect(page.get_by_test_id("archived-note")).to_be_visible()
    expect(page.locator("form.record-form")).to_have_count(0)
    expect(page.get_by_test_id("measure-form")).to_have_count(0)
    screenshot(page, "aftermath-archived-desktop")

    # 8. the director, on a phone, sees it and reopens it with a reason (back to aftermath, level kept)
    phone = login(new_page("phone"), "director")
    phone.goto(f"{live_server.url}/aftermath/incidents/{pk}/")
    screenshot(phone, "aftermath-archived-phone")
    phone.get_by_test_id("reopen-form").locator("..").locator("summary").click()
    phone.locator("#reopen-reason").fill("调查报告需补充责任认定")
    phone.get_by_role("button", name="重新打开", exact=True).click()
    phone.wait_for_url(re.compile(rf".*/incidents/{pk}/.*"))
    incident = Incident.objects.get(pk=pk)
    assert (incident.state, incident.level) == ("aftermath", 4)
