"""The task board and 我的任务 at size (issue 15): each task rendered once, the figures counted in SQL,
a section's rows loaded when it is opened (htmx) or on the board page without JavaScript, TASK_ROWS
at a time with "更多任务", and a constant number of SQL queries whatever the number of tasks."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html

from command.assignments.selectors import TASK_ROWS
from command.models import Assignment
from orgchart.models import Unit, WorkingGroup

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def add_tasks(incident, n, *, group=None, unit=None, overdue=False, state="pending"):
    now = timezone.now()
    Assignment.objects.bulk_create(
        Assignment(
            incident=incident,
            kind="task",
            group=group,
            unit=unit,
            title=f"测试任务{i:03d}",
            duties="现场抢修，报告进展。",
            clause="§5.3.3(2)",
            level=incident.level,
            state=state,
            due_at=now - timedelta(hours=1) if overdue else now + timedelta(hours=i + 1),
        )
        for i in range(n)
    )


def task_ids(content):
    text = content.decode() if isinstance(content, bytes) else content
    return [int(x) for x in re.findall(r'<li class="task-row[^"]*" data-testid="task-(\d+)"', text)]


def tree(content):
    return html.fromstring(content.decode())


def queries(client, url, **kw):
    client.get(url, **kw)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **kw).status_code == 200
    return len(ctx.captured_queries)


def section_rows(client, incident, key):
    """All the rows of a board section, opened with htmx and followed through its "更多任务"."""
    url, ids = f"/command/incidents/{incident.pk}/tasks/?part=rows&section={key}", []
    while url:
        part = client.get(url, headers=HX)
        assert part.status_code == 200 and "<html" not in part.content.decode()
        ids += task_ids(part.content)
        more = tree(part.content).xpath('//a[@data-testid="tasks-more-link"]/@hx-get')
        url = more[0] if more else None
    return ids


def test_the_board_lists_each_task_once_and_counts_in_sql(as_user, at_two):
    police = Unit.objects.get(code="public_security")
    rescue = WorkingGroup.objects.get(code="rescue")
    add_tasks(at_two, 3, group=rescue, unit=police)  # a group's task for a unit: once, under the group
    add_tasks(at_two, 2, unit=police, overdue=True)
    client = as_user("office")
    page = client.get(f"/command/incidents/{at_two.pk}/tasks/")
    assert page.status_code == 200
    assert task_ids(page.content) == []  # no rows until a section is opened: the page is the figures
    doc = tree(page.content)
    unit = doc.xpath(f'//*[@data-testid="board-unit-{police.code}"]')[0]
    assert "签收 0/6" in unit.text_content() and "超时 2" in unit.text_content()
    assert "另有 3 项列在工作组下" in unit.text_content()
    group = doc.xpath(f'//*[@data-testid="board-group-{rescue.code}"]')[0]
    assert "签收 0/4" in group.text_content()  # its assignment and the three tasks
    totals = doc.xpath('//*[@data-testid="board-totals"]')[0].text_content()
    assert f"共 {Assignment.objects.filter(incident=at_two).count()} 项" in totals and "超时 2" in totals
    listed = []
    for details in doc.xpath('//details[starts-with(@id, "board-")]'):
        listed += section_rows(client, at_two, details.get("id").removeprefix("board-"))
    everything = set(Assignment.objects.filter(incident=at_two).values_list("pk", flat=True))
    assert sorted(listed) == sorted(everything)  # every task, each once
    overdue = Assignment.objects.filter(incident=at_two, unit=police, group=None, kind="task")
    assert section_rows(client, at_two, f"u{police.pk}")[:2] == sorted(overdue.values_list("pk", flat=True))


def test_a_long_section_pages_and_works_without_javascript(as_user, at_two):
    police = Unit.objects.get(code="public_security")
    add_tasks(at_two, 2 * TASK_ROWS + 7, unit=police)
    client = as_user("office")
    key = f"u{police.pk}"
    ids = section_rows(client, at_two, key)
    assert len(ids) == 2 * TASK_ROWS + 8 and len(set(ids)) == len(ids)
    # without JavaScript: the board page with the section open, and a plain link to the next rows
    page = client.get(f"/command/incidents/{at_two.pk}/tasks/?section={key}")
    first = task_ids(page.content)
    assert first == ids[:TASK_ROWS]
    href = tree(page.content).xpath('//a[@data-testid="tasks-more-link"]/@href')[0]
    assert "part=" not in href
    assert task_ids(client.get(href).content) == ids[TASK_ROWS : 2 * TASK_ROWS]
    assert (
        client.get(f"/command/incidents/{at_two.pk}/tasks/?part=rows&section=x1", headers=HX).status_code
        == 404
    )


def test_a_unit_sees_only_its_own_sections(as_user, at_two):
    page = as_user("police").get(f"/command/incidents/{at_two.pk}/tasks/").content.decode()
    assert (
        'data-testid="board-unit-public_security"' in page and 'data-testid="board-unit-health"' not in page
    )
    health = Unit.objects.get(code="health")
    part = as_user("police").get(
        f"/command/incidents/{at_two.pk}/tasks/?part=rows&section=u{health.pk}", headers=HX
    )
    assert part.status_code == 200 and task_ids(part.content) == []


def test_my_tasks_shows_a_page_and_more_loads_the_rest(as_user, at_two):
    police = Unit.objects.get(code="public_security")
    add_tasks(at_two, TASK_ROWS + 5, unit=police)  # and its assignment: TASK_ROWS + 6
    client = as_user("police")
    page = client.get("/command/tasks/")
    first = task_ids(page.content)
    assert len(first) == TASK_ROWS
    link = tree(page.content).xpath('//a[@data-testid="tasks-more-link"]')[0]
    part = client.get(link.get("hx-get"), headers=HX)
    rest = task_ids(part.content)
    assert "<html" not in part.content.decode() and len(rest) == 6
    assert not set(first) & set(rest)
    assert task_ids(client.get(link.get("href")).content) == rest  # without JavaScript


@pytest.mark.parametrize("role", ["office", "police"])
def test_task_pages_cost_the_same_queries_at_10_and_300_tasks(as_user, at_two, role):
    police = Unit.objects.get(code="public_security")
    rescue = WorkingGroup.objects.get(code="rescue")
    client = as_user(role)
    board = f"/command/incidents/{at_two.pk}/tasks/"
    urls = [
        ("/command/tasks/", {}),
        ("/command/tasks/?done=1", {}),
        (board, {}),
        (f"{board}?section=u{police.pk}", {}),
        (f"{board}?part=rows&section=u{police.pk}", {"headers": HX}),
        (f"{board}?part=rows&section=g{rescue.pk}", {"headers": HX}),
        (f"/command/incidents/{at_two.pk}/", {}),
    ]
    add_tasks(at_two, 3, unit=police)
    add_tasks(at_two, 3, group=rescue, unit=police)
    before = [queries(client, url, **kw) for url, kw in urls]
    add_tasks(at_two, 150, unit=police, overdue=True)
    add_tasks(at_two, 150, group=rescue, unit=police, state="done")
    after = [queries(client, url, **kw) for url, kw in urls]
    # never more (one may be fewer: a group's leaders are looked up only when a row is a group's task)
    assert all(a <= b for a, b in zip(after, before, strict=True)), (before, after)


def test_forms_with_long_lists_load_when_opened(as_user, at_two):
    """下达任务 (board), 到岗通知 and 增加成员单位 (command page): the page carries the closed form only; htmx
    loads it when opened; without JavaScript "?form=" opens the page with the form in place."""
    board = f"/command/incidents/{at_two.pk}/tasks/"
    command = f"/command/incidents/{at_two.pk}/"
    forms = (
        ("office", board, "issue", 'id="t-person"'),
        ("office", command, "calldown", 'id="cd-people"'),
        ("commander", command, "group_unit", 'id="gu-unit"'),  # 附件3: the commander adjusts the groups
    )
    for username, url, name, control in forms:
        office = as_user(username)
        page = office.get(url).content.decode()
        assert f'data-testid="{name.replace("_", "-")}-form"' in page and control not in page
        testid = name.replace("_", "-")
        assert f"?part={name}_form" in page and f"?form={name}#{testid}-form" in page
        part = office.get(f"{url}?part={name}_form", headers=HX)
        assert part.status_code == 200 and control in part.content.decode()
        assert "<html" not in part.content.decode() and "<option value=" in part.content.decode()
        full = office.get(f"{url}?form={name}").content.decode()
        assert "<html" in full and control in full
    police = as_user("police")
    assert police.get(f"{board}?part=issue_form", headers=HX).status_code == 403
    assert police.get(f"{command}?part=calldown_form", headers=HX).status_code == 403
    assert 'id="t-person"' not in police.get(f"{board}?form=issue").content.decode()
