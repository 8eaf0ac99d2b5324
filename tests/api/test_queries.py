"""The lists cost a fixed number of queries whatever their length (DESIGN.md: speed is designed in)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import Delivery, Webhook
from command.assignments import services as tasking
from orgchart.models import Unit
from tests.support.api import COMPANY


def urls(hook):
    return ("/api/v1/tasks/", f"/api/v1/webhooks/{hook.pk}/deliveries/", "/api/v1/incidents/")


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_task_and_delivery_lists_are_flat(api, people, incident_in, django_capture_on_commit_callbacks):
    company = Unit.objects.get(code=COMPANY)
    client = api(COMPANY)
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_in("responding", level=4, company=company)
    hook = Webhook.objects.create(
        unit=company, url="http://127.0.0.1:9/", events=["task.new"], secret="s", created_by=people.office
    )

    def add(n):
        for i in range(n):
            tasking.task_issue(
                incident_id=incident.pk, user=people.office, title=f"任务{i}", text="", unit_id=company.pk
            )
            Delivery.objects.create(webhook=hook, event="task.new", key=f"extra-{Delivery.objects.count()}")

    add(1)
    for url in urls(hook):  # once-only costs (the token's last use, the process's position names)
        client.get(url)
    few = [_count(client, u) for u in urls(hook)]
    add(6)
    many = [_count(client, u) for u in urls(hook)]
    assert few == many, (few, many)
