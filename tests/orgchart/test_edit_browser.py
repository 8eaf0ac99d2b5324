"""What the office does in the browser: edit a unit's duty phone on a phone and find it in the change
log; appoint a liaison through the htmx form; the roster editor at phone and desktop size."""

import pytest

from orgchart.models import Appointment, DutyShift, OrgChange, Person, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_edits_a_duty_phone_on_a_phone_and_sees_it_in_the_change_log(
    live_server, new_page, login, demo, screenshot
):
    old_phone = Unit.objects.get(code="public_security").duty_phone
    page = login(new_page("phone"), "office")
    page.goto(f"{live_server.url}/org/units/public_security/")
    page.get_by_role("link", name="编辑联系方式").click()
    assert page.url.endswith("/org/units/public_security/edit/")
    assert page.get_by_test_id("plan-text").get_by_text("负责维护事故现场治安").is_visible()
    page.fill("#id_duty_phone", "0359-2086110")
    screenshot(page, "unit-edit-phone")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}/org/units/public_security/")
    assert page.get_by_role("alert").filter(has_text="已保存“市公安局”的修改").is_visible()
    assert Unit.objects.get(code="public_security").duty_phone == "0359-2086110"

    page.goto(f"{live_server.url}/org/changes/")
    entry = page.get_by_test_id("change-entry").first
    assert "市公安局" in entry.inner_text()
    assert "王文静（演示）" in entry.inner_text()
    assert entry.locator("del").first.inner_text() == old_phone
    assert entry.locator("ins").first.inner_text() == "0359-2086110"
    # the page fits the phone's width
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "changes-phone")
    page.goto(f"{live_server.url}/org/groups/logistics/members/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "group-members-phone")


def test_appointment_form_swaps_errors_and_success_with_htmx(live_server, new_page, login, demo, screenshot):
    police = Person.objects.get(user__username="police")
    page = login(new_page("desktop"), "office")
    page.goto(f"{live_server.url}/org/people/{police.pk}/edit/")
    form = page.get_by_test_id("appointment-form")
    assert not form.locator("[data-field=unit]").is_visible()  # hidden until a per-unit post is chosen
    form.locator("select[name=position]").select_option(label="成员单位联络员 · 各成员单位指定的联络员")
    assert form.locator("[data-field=unit]").is_visible()
    assert not form.locator("[data-field=group]").is_visible()
    form.get_by_role("button", name="添加任职").click()
    error = page.locator("#appointments").get_by_text("“成员单位联络员”按单位任职：请选择单位。")
    error.wait_for()
    assert page.url.endswith(f"/org/people/{police.pk}/edit/")  # swapped in place, no navigation
    page.get_by_test_id("appointment-form").locator("select[name=unit]").select_option(label="市卫健委")
    page.get_by_test_id("appointment-form").locator("select[name=role]").select_option("deputy")
    page.get_by_test_id("appointment-form").get_by_role("button", name="添加任职").click()
    page.locator("#appointments").get_by_text("已添加任职").wait_for()
    assert Appointment.objects.filter(person=police, unit__code="health", role="deputy").exists()
    assert OrgChange.objects.filter(model="orgchart.Appointment").count() == 1
    screenshot(page, "person-edit-desktop")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_roster_editor_at_phone_and_desktop_size(live_server, new_page, login, demo, screenshot, size):
    from django.utils import timezone

    today = timezone.localdate()
    page = login(new_page(size), "office")
    page.goto(f"{live_server.url}/org/duty/{today.year}-{today.month}/edit/")
    assert page.get_by_role("heading", name="编排值班表").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    first_select = page.locator("select[name$='-day-duty_officer']").first
    box = first_select.bounding_box()
    assert box["width"] >= 140  # readable names, also on a phone
    screenshot(page, f"roster-edit-{size}")
    if size == "desktop":  # swap tonight's 值班员, save, and find it in the change log
        select = page.locator(f"select[name='{today:%Y-%m-%d}-night-duty_officer']")
        current = select.input_value()
        other = next(
            v
            for v in select.locator("option").evaluate_all("os => os.map(o => o.value)")
            if v and v != current
        )
        select.select_option(other)
        page.get_by_role("button", name="保存整月值班表").click()
        page.wait_for_url(f"{live_server.url}/org/duty/?month={today:%Y-%m}")
        assert page.get_by_role("alert").filter(has_text="新建0个班次，修改1个班次").is_visible()
        assert DutyShift.objects.get(date=today, kind="night").duty_officer_id == int(other)
        page.goto(f"{live_server.url}/org/changes/?model=orgchart.DutyShift")
        entry = page.get_by_test_id("change-entry").first
        assert f"{today.year}年{today.month}月值班表" in entry.inner_text()
        assert f"{today:%Y-%m-%d} 夜班·值班员" in entry.inner_text()
        screenshot(page, "changes-roster-desktop")
