"""Improvement measures of the office's summary (§7.2 last paragraph; issue 9): each with a text, an
owner unit and a due date not in the past, tracked to done with a note; done once; the office only."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftermath import services
from aftermath.models import Measure
from command.common import CommandError
from incidents.models import TimelineEvent
from orgchart.models import Unit, UnitKind
from tests.support.aftermath import tomorrow

pytestmark = pytest.mark.django_db


def state_of(incident):
    return (
        list(
            Measure.objects.filter(incident=incident).values_list(
                "id", "state", "text", "done_note", "done_at"
            )
        ),
        TimelineEvent.objects.filter(incident=incident).count(),
    )


def add(incident, user, **kw):
    values = {
        "text": "增加夜间巡线频次",
        "owner_unit_id": incident.county.government_id,
        "owner_name": "张三",
        "due_on": tomorrow(),
    }
    values.update(kw)
    return services.measure_add(incident_id=incident.pk, user=user, **values)


def test_a_measure_is_added_with_its_owner_and_due_date(in_aftermath, fresh):
    incident = in_aftermath()
    office = fresh("office")
    measure = add(incident, office, text="  增加夜间巡线频次  ", owner_name=" 张三 ")
    row = Measure.objects.get(pk=measure.pk)
    assert (row.text, row.owner_unit_id, row.owner_name, row.due_on) == (
        "增加夜间巡线频次",
        incident.county.government_id,
        "张三",
        tomorrow(),
    )
    assert (row.state, row.done_at, row.created_by) == ("open", None, office)
    assert not row.is_overdue()
    assert row.is_overdue(today=tomorrow() + timedelta(days=1))
    event = TimelineEvent.objects.filter(incident=incident, data__measure=row.pk).get()
    assert (
        event.clause == "§7.2"
        and "增加夜间巡线频次" in event.summary
        and tomorrow().isoformat() in event.summary
    )

    # Due today is fine; no person named is fine.
    today = add(incident, office, due_on=timezone.localdate(), owner_name="")
    assert today.due_on == timezone.localdate() and today.owner_name == ""


BAD = [
    ({"text": ""}, ["text"]),
    ({"text": "   "}, ["text"]),
    ({"owner_unit_id": ""}, ["owner_unit"]),
    ({"owner_unit_id": "abc"}, ["owner_unit"]),
    ({"owner_unit_id": "999999"}, ["owner_unit"]),
    ({"due_on": None}, ["due_on"]),
    ({"due_on": timezone.localdate() - timedelta(days=1)}, ["due_on"]),
    ({"owner_name": "名" * 61}, ["owner_name"]),
    ({"text": "", "owner_unit_id": None, "due_on": None}, ["due_on", "owner_unit", "text"]),
]


@pytest.mark.parametrize(("bad", "fields"), BAD, ids=[",".join(f) + str(i) for i, (_b, f) in enumerate(BAD)])
def test_a_bad_measure_is_refused_with_field_errors_and_nothing_saved(bad, fields, in_aftermath, fresh):
    incident = in_aftermath()
    before = state_of(incident)
    with pytest.raises(CommandError) as exc:
        add(incident, fresh("office"), **bad)
    errors = exc.value.args[0]
    assert sorted(errors) == fields
    assert state_of(incident) == before


def test_an_inactive_unit_is_not_an_owner(in_aftermath, fresh):
    incident = in_aftermath()
    unit = Unit.objects.get(code="civil_affairs")
    Unit.objects.filter(pk=unit.pk).update(active=False)
    before = state_of(incident)
    with pytest.raises(CommandError) as exc:
        add(incident, fresh("office"), owner_unit_id=unit.pk)
    assert list(exc.value.args[0]) == ["owner_unit"]
    assert state_of(incident) == before


def test_done_with_a_note_once(in_aftermath, fresh):
    incident = in_aftermath()
    measure = add(incident, fresh("office"))
    before = state_of(incident)
    for note in ("", "  "):
        with pytest.raises(CommandError) as exc:
            services.measure_done(measure_id=measure.pk, user=fresh("office"), note=note)
        assert list(exc.value.args[0]) == ["note"]
    assert state_of(incident) == before

    done = services.measure_done(measure_id=measure.pk, user=fresh("director"), note=" 已修订巡线制度 ")
    row = Measure.objects.get(pk=measure.pk)
    assert (row.state, row.done_note, row.done_by_name) == (
        "done",
        "已修订巡线制度",
        fresh("director").person.name,
    )
    assert row.done_at and done.done_at == row.done_at
    assert (row.text, row.due_on) == ("增加夜间巡线频次", tomorrow())  # as proposed
    assert not row.is_overdue(today=tomorrow() + timedelta(days=5))

    before = state_of(incident)
    with pytest.raises(CommandError, match=r"已由.*确认完成"):
        services.measure_done(measure_id=measure.pk, user=fresh("office"), note="再次确认")
    assert state_of(incident) == before


def test_an_unknown_measure(in_aftermath, fresh):
    with pytest.raises(CommandError, match="没有这项改进措施"):
        services.measure_done(measure_id=999999, user=fresh("office"), note="x")


@pytest.mark.parametrize("username", ["police", "demo-gov-yanhu-liaison", "commander"])
def test_only_the_office_adds_and_closes_measures(username, in_aftermath, fresh):
    incident = in_aftermath()
    measure = add(incident, fresh("office"))
    before = state_of(incident)
    with pytest.raises(PermissionDenied):
        add(incident, fresh(username))
    with pytest.raises(PermissionDenied):  # even with bad input, the person is told who may
        add(incident, fresh(username), text="", due_on=None)
    with pytest.raises(PermissionDenied):
        services.measure_done(measure_id=measure.pk, user=fresh(username), note="已完成")
    assert state_of(incident) == before


@pytest.mark.parametrize("state", ["responding", "response_ended"])
def test_measures_are_proposed_in_aftermath(state, incident_in, fresh):
    incident = incident_in(state)
    before = state_of(incident)
    with pytest.raises(CommandError, match="后期处置"):
        add(incident, fresh("office"))
    assert state_of(incident) == before


# ---- over HTTP ------------------------------------------------------------------------------------------


def messages_of(resp):
    return [str(m) for m in resp.context["messages"]] if resp.context else []


def test_the_measure_form(in_aftermath, client, fresh):
    incident = in_aftermath()
    gov = incident.county.government_id
    client.force_login(fresh("office"))
    url = f"/aftermath/incidents/{incident.pk}/measures/"
    before = state_of(incident)
    resp = client.post(url, {"text": "措施", "owner_unit": gov, "due_on": "2025-13-40"}, follow=True)
    assert any("不是有效的日期" in m for m in messages_of(resp))
    resp = client.post(url, {"text": "", "owner_unit": "", "due_on": ""}, follow=True)
    shown = " ".join(messages_of(resp))
    assert "请填写改进措施" in shown and "请选择责任单位" in shown and "请填写完成时限" in shown
    assert state_of(incident) == before

    resp = client.post(
        url, {"text": "修订抢修预案", "owner_unit": gov, "due_on": tomorrow().isoformat()}, follow=True
    )
    assert any("已添加" in m for m in messages_of(resp))
    measure = Measure.objects.get(incident=incident)
    assert "修订抢修预案" in resp.content.decode()

    resp = client.post(f"/aftermath/measures/{measure.pk}/done/", {"note": "", "next": "list"}, follow=True)
    assert any("请填写完成情况" in m for m in messages_of(resp))
    assert Measure.objects.get(pk=measure.pk).state == "open"
    resp = client.post(
        f"/aftermath/measures/{measure.pk}/done/", {"note": "已印发", "next": "list"}, follow=True
    )
    assert resp.redirect_chain[-1][0].startswith("/aftermath/measures/")
    assert Measure.objects.get(pk=measure.pk).state == "done"


def test_the_measure_list_is_the_offices(in_aftermath, client, fresh):
    incident = in_aftermath()
    add(incident, fresh("office"), text="按期完成的措施")
    overdue = add(incident, fresh("office"), text="已超期的措施")
    Measure.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    client.force_login(fresh("office"))
    html = client.get("/aftermath/measures/?state=overdue").content.decode()
    assert "已超期的措施" in html and "按期完成的措施" not in html
    html = client.get("/aftermath/measures/").content.decode()
    assert "已超期的措施" in html and "按期完成的措施" in html
    client.force_login(fresh("police"))
    assert client.get("/aftermath/measures/").status_code == 403
    resp = client.post(f"/aftermath/measures/{overdue.pk}/done/", {"note": "已完成"}, follow=True)
    assert Measure.objects.get(pk=overdue.pk).state == "open"
    assert messages_of(resp)


def test_an_enterprise_category_is_not_an_owner(in_aftermath, fresh):
    """The form offers no 企业类别 (a category, not a unit); the service should not take one either."""
    incident = in_aftermath()
    category = Unit.objects.filter(kind=UnitKind.ENTERPRISE_CATEGORY, active=True).first()
    if category is None:
        pytest.skip("no enterprise category in the plan data")
    before = state_of(incident)
    with pytest.raises(CommandError) as exc:
        add(incident, fresh("office"), owner_unit_id=category.pk)
    assert list(exc.value.args[0]) == ["owner_unit"]
    assert state_of(incident) == before
