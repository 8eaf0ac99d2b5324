"""Member units see only their own work (issue 16, finding 7; orgchart.permissions ``may_view_incident``,
§2、附件2 解读): `police` (市公安局 liaison) reads the incidents its unit is assigned to, `county`
(永济市人民政府 liaison) those of 永济市; other units' task details are left out of their timeline and of
the overview's latest events; the office and the command keep seeing everything. Refusal: 404."""

import pytest

from command.common import timeline_add
from command.models import Assignment
from incidents.models import Incident
from orgchart.models import County
from orgchart.permissions import may_view_incident, visible_incidents
from tests.support.incidents import assign_unit, report_incident

pytestmark = pytest.mark.django_db


def _incident(user_of, title, county="盐湖区"):
    return report_incident(user_of("office"), title=title, county=County.objects.get(name=county))


def incident_urls(pk):
    return [
        f"/incidents/{pk}/",
        f"/incidents/{pk}/timeline/",
        f"/command/incidents/{pk}/",
        f"/command/incidents/{pk}/tasks/",
        f"/documents/incidents/{pk}/",
        f"/documents/incidents/{pk}/first_report/pdf/",
        f"/aftermath/incidents/{pk}/",
    ]


def test_a_member_unit_reads_only_the_incidents_of_its_unit(as_user, user_of):
    other = _incident(user_of, "盐湖区别家的事件")
    ours = _incident(user_of, "公安参与的事件")
    assign_unit(ours, "public_security")
    police = user_of("police")
    assert not may_view_incident(police, other) and may_view_incident(police, ours)
    assert list(visible_incidents(police, Incident.objects.all())) == [ours]
    client = as_user("police")
    listing = client.get("/incidents/").content.decode()
    assert "公安参与的事件" in listing and "盐湖区别家的事件" not in listing
    assert 'data-testid="scope-note"' in listing and "解读" in listing  # the rule and its clause
    for url in incident_urls(other.pk):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert client.get(f"/incidents/{ours.pk}/").status_code == 200
    assert client.get(f"/command/incidents/{ours.pk}/").status_code == 200


def test_a_county_government_reads_its_countys_incidents(as_user, user_of):
    yanhu = _incident(user_of, "盐湖区的事件")
    yongji = _incident(user_of, "永济市的事件", county="永济市")
    client = as_user("county")
    listing = client.get("/incidents/").content.decode()
    assert "永济市的事件" in listing and "盐湖区的事件" not in listing
    assert client.get(f"/incidents/{yongji.pk}/").status_code == 200
    assert client.get(f"/incidents/{yanhu.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["office", "director", "commander", "general"])
def test_the_office_and_the_command_see_everything(as_user, user_of, role):
    incident = _incident(user_of, "盐湖区别家的事件")
    client = as_user(role)
    assert "盐湖区别家的事件" in client.get("/incidents/").content.decode()
    assert client.get(f"/incidents/{incident.pk}/").status_code == 200


def _task_events(incident, user_of):
    mine = assign_unit(incident, "public_security", kind=Assignment.Kind.TASK, title="封控现场秘密甲")
    theirs = assign_unit(incident, "city_admin", kind=Assignment.Kind.TASK, title="抢修管网秘密乙")
    for task in (mine, theirs):
        timeline_add(
            incident,
            actor=user_of("office"),
            summary=f"下达任务：{task.title}",
            clause="附件3",
            data={"task": task.pk},
        )


def test_other_units_task_details_are_left_out_of_the_timeline_and_events(as_user, user_of):
    incident = _incident(user_of, "公安参与的事件")
    _task_events(incident, user_of)
    client = as_user("police")
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "封控现场秘密甲" in page and "抢修管网秘密乙" not in page
    older = client.get(f"/incidents/{incident.pk}/timeline/").content.decode()
    assert "抢修管网秘密乙" not in older
    overview = client.get("/?overview=1").content.decode()
    assert "抢修管网秘密乙" not in overview
    wall = client.get("/wall/").content.decode()
    assert "抢修管网秘密乙" not in wall
    office = as_user("office")
    page = office.get(f"/incidents/{incident.pk}/").content.decode()
    assert "封控现场秘密甲" in page and "抢修管网秘密乙" in page
    assert "抢修管网秘密乙" in office.get("/").content.decode()


def test_the_overview_of_a_member_unit_lists_only_its_incidents(as_user, user_of):
    _incident(user_of, "盐湖区别家的事件")
    ours = _incident(user_of, "公安参与的事件")
    assign_unit(ours, "public_security")
    page = as_user("police").get("/?overview=1").content.decode()
    assert "公安参与的事件" in page and "盐湖区别家的事件" not in page
    assert "盐湖区别家的事件" in as_user("office").get("/").content.decode()
