"""Every page a person opens fits a 360 px phone without sideways scrolling (issue 17, point 10).

The pages of the URLconf that answer GET, with sample objects from the demo set (a Ⅲ response in 盐湖区
with its tasks, the 永济 accident at Ⅳ, a drill), opened at 360×740 by the office director and by the
police liaison; on each ``document.documentElement.scrollWidth <= window.innerWidth``. The wall screen is
exempt (it is a 1920×1080 screen, tests/command/test_browser_dashboard.py). One browser context per role,
reused for all its pages. Screenshots of the director's pages land in var/screenshots/phone-*.png.
"""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def sample_pages(ended):
    """(name, url) of every GET page, filled with objects of the demo set (and ``ended``, an incident in
    its aftermath, for the aftermath page with its records)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from aftermath.demo import MARK, load_demo_incidents
    from command.assignments.services import task_issue
    from command.models import Assignment
    from incidents.models import Incident
    from orgchart.models import Expert, Person, ServiceArea, Unit, WorkingGroup

    load_demo_incidents()
    demo = Incident.objects.filter(title__endswith=MARK)
    three = demo.get(county__code="yanhu")
    four = demo.get(county__code="yongji")
    drill = demo.get(is_drill=True)
    unit = Unit.objects.get(code="public_security")
    task = Assignment.objects.filter(incident=three, unit=unit).order_by("pk").first() or task_issue(
        incident_id=three.pk,
        user=get_user_model().objects.get(username="office"),
        title="测试：疏导解放路交通，保障抢修车辆通行",
        text="测试：在抢修现场周边设置警戒，疏导交通。",
        unit_id=unit.pk,
    )
    group = WorkingGroup.objects.order_by("order", "pk").first()
    person = Person.objects.filter(user__username="police").first()
    area = ServiceArea.objects.order_by("pk").first()
    expert = Expert.objects.order_by("pk").first()
    today = timezone.localdate()
    pages = [
        ("overview", "/"),
        ("incidents", "/incidents/"),
        ("incident-new", "/incidents/new/"),
        ("incident-3", f"/incidents/{three.pk}/"),
        ("incident-4", f"/incidents/{four.pk}/"),
        ("incident-drill", f"/incidents/{drill.pk}/"),
        ("inbox", "/command/"),
        ("charts", "/command/charts/"),
        ("notifications", "/command/notifications/"),
        ("command-3", f"/command/incidents/{three.pk}/"),
        ("command-4", f"/command/incidents/{four.pk}/"),
        ("board", f"/command/incidents/{three.pk}/tasks/"),
        ("task", f"/command/tasks/{task.pk}/"),
        ("my-tasks", "/command/tasks/"),
        ("reminders", "/command/reminders/"),
        ("reminder-settings", "/command/reminders/settings/"),
        ("statistics", "/command/statistics/"),
        ("aftermath", f"/aftermath/incidents/{four.pk}/"),
        ("aftermath-ended", f"/aftermath/incidents/{ended.pk}/"),
        ("incident-ended", f"/incidents/{ended.pk}/"),
        ("documents-ended", f"/documents/incidents/{ended.pk}/"),
        ("measures", "/aftermath/measures/"),
        ("documents", f"/documents/incidents/{four.pk}/"),
        ("org", "/org/"),
        ("unit", f"/org/units/{unit.code}/"),
        ("unit-edit", f"/org/units/{unit.code}/edit/"),
        ("group", f"/org/groups/{group.code}/"),
        ("group-members", f"/org/groups/{group.code}/members/"),
        ("person", f"/org/people/{person.pk}/"),
        ("person-edit", f"/org/people/{person.pk}/edit/"),
        ("person-add", "/org/people/add/"),
        ("duty", "/org/duty/"),
        ("roster-edit", f"/org/duty/{today.year}-{today.month}/edit/"),
        ("search", "/org/search/?q=热力"),
        ("contacts", "/org/contacts/"),
        ("authority", "/org/authority/"),
        ("lockouts", "/org/lockouts/"),
        ("changes", "/org/changes/"),
        ("areas", "/org/areas/"),
        ("experts", "/org/experts/"),
    ]
    if area:
        pages.append(("area-edit", f"/org/areas/{area.pk}/edit/"))
    if expert:
        pages.append(("expert-edit", f"/org/experts/{expert.pk}/edit/"))
    return pages


def too_wide(page):
    """The elements that stick out past the right edge (the widest first), for the failure message."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5 && el.offsetParent)
            .map(el => [el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : ''),
                        Math.round(el.getBoundingClientRect().right)])
            .sort((a, b) => b[1] - a[1]).slice(0, 4)"""
    )


@pytest.mark.parametrize("role", ["director", "police"])
def test_every_page_fits_a_360_px_phone(role, live_server, browser, login, demo, screenshot, in_aftermath):
    pages = sample_pages(
        in_aftermath("general", level=4, title="测试：永济市换热站爆管一名工人死亡，响应已结束")
    )
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, reduced_motion="reduce"
    )
    context.set_default_timeout(15_000)
    try:
        page = login(context.new_page(), role)
        problems = []
        for name, url in pages:
            page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state("load")
            width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if width > inner:
                problems.append(f"{role} {url}: {width} px on {inner} px, {too_wide(page)}")
                screenshot(page, f"phone-{role}-{name}-too-wide")
            elif role == "director":
                screenshot(page, f"phone-{name}")
    finally:
        context.close()
    assert not problems, "pages wider than a 360 px phone:\n" + "\n".join(problems)
