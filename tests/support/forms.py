"""The report form (接报登记, §5.1) as a browser posts it, and the check that a bad value is refused."""

from datetime import timedelta

from django.utils import timezone

from incidents.models import FirstMeasure, Incident, TimelineEvent
from orgchart.models import County, ServiceArea

NEW = "/incidents/new/"


VALIDATE = "/incidents/new/validate/"


def at(delta=timedelta(0)):
    """A datetime-local value (Asia/Shanghai), ``delta`` from now."""
    return f"{timezone.localtime(timezone.now() + delta):%Y-%m-%dT%H:%M}"


def report_data(**over):
    area = ServiceArea.objects.get(is_default=True)
    data = {
        "title": "热力站爆管",
        "category": "heat_source_pipeline",
        "facility": "heat_station",
        "description": "某小区热力站一次网管道爆裂，现场蒸汽弥漫。",
        "county": County.objects.get(name="盐湖区").pk,
        "service_area": area.pk,
        "occurred_at": at(-timedelta(hours=2)),
        "reported_at": at(-timedelta(hours=1)),
        "source": "company",
        "direct_loss_unit": "wan",
        "measures-TOTAL_FORMS": "1",
        "measures-INITIAL_FORMS": "0",
        "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "20",
        "measures-0-at": "",
        "measures-0-by": "",
        "measures-0-text": "",
    }
    data.update({k: v for k, v in over.items() if v is not None})
    for k, v in over.items():
        if v is None:
            data.pop(k, None)
    return data


def refused(client, data, field, *texts):
    """POST the report; expect 422, the messages on the field, and nothing saved."""
    before = (Incident.objects.count(), TimelineEvent.objects.count(), FirstMeasure.objects.count())
    resp = client.post(NEW, data)
    assert resp.status_code == 422
    html = resp.content.decode()
    for text in texts:
        assert text in html, text
    assert f'data-testid="error-{field}"' in html, field
    assert (Incident.objects.count(), TimelineEvent.objects.count(), FirstMeasure.objects.count()) == before
    return html
