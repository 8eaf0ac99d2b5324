"""The aftermath page (issue 9) over HTTP: what the office sees, the record forms (a draft saved, a
refusal shown again with what was typed, a stale page, a correction), closing an item that does not
apply, the archive button with its blockers, and who is turned away."""

import re

import pytest

from aftermath import plan
from aftermath.models import Record, Revision
from command.models import Assignment
from incidents.models import Incident, TimelineEvent
from tests.support.aftermath import full_raw

pytestmark = pytest.mark.django_db


def messages_of(resp):
    return [str(m) for m in resp.context["messages"]] if resp.context and "messages" in resp.context else []


def revisions(incident):
    return list(
        Revision.objects.filter(record__incident=incident)
        .order_by("record__kind", "number")
        .values_list("record__kind", "number", "status", "content", "reason", "saved_at")
    )


def page(client, incident):
    resp = client.get(f"/aftermath/incidents/{incident.pk}/")
    assert resp.status_code == 200
    return resp.content.decode()


def token_on(html, kind):
    form = html.split(f'data-testid="{kind}-form"')[1]
    return re.search(r'name="token" value="([^"]*)"', form).group(1)


def test_the_office_sees_the_items_the_forms_and_the_blockers(in_aftermath, client, fresh):
    incident = in_aftermath("general")
    client.force_login(fresh("office"))
    html = page(client, incident)
    for _code, title, _duties in plan.ITEMS:
        assert str(title) in html
    assert 'data-testid="investigation-form"' in html and 'data-testid="summary-form"' in html
    assert 'data-testid="measure-form"' in html and f"/aftermath/incidents/{incident.pk}/archive/" in html
    assert "一般事故" in html and str(plan.TEAM_LABELS["county"]) in html
    assert "仍有 6 项" in html and "调查评估报告尚未提交" in html and "办公室总结尚未提交" in html
    # The items' common context stands alone: no dangling "本项：" (issue 17 point 11).
    assert plan.ITEM_CONTEXT in html and plan.ITEM_CONTEXT + "本项：" not in html


def test_without_an_accident_there_is_no_investigation_form(in_aftermath, client, fresh):
    incident = in_aftermath()
    client.force_login(fresh("office"))
    html = page(client, incident)
    assert 'data-testid="investigation-form"' not in html and 'data-testid="summary-form"' in html
    resp = client.post(
        f"/aftermath/incidents/{incident.pk}/records/investigation/", full_raw("investigation")
    )
    assert resp.status_code == 400 and "没有事故等级" in " ".join(messages_of(resp))
    assert not Record.objects.filter(incident=incident).exists()


@pytest.mark.parametrize("username", ["police", "demo-gov-yanhu-liaison"])
def test_people_outside_the_command_are_turned_away(username, in_aftermath, client, fresh):
    incident = in_aftermath()
    client.force_login(fresh(username))
    # a unit not on the incident does not learn of it (404, issue 16 finding 7); the county's: 403
    expected = 404 if username == "police" else 403
    assert client.get(f"/aftermath/incidents/{incident.pk}/").status_code == expected
    before = (revisions(incident), Incident.objects.get(pk=incident.pk).state)
    resp = client.post(
        f"/aftermath/incidents/{incident.pk}/records/summary/",
        {**full_raw("summary"), "action": "submit"},
        follow=True,
    )
    assert resp.status_code == 404 if expected == 404 else messages_of(resp)
    client.post(f"/aftermath/incidents/{incident.pk}/archive/", follow=True)
    assert (revisions(incident), Incident.objects.get(pk=incident.pk).state) == before


def test_a_refused_form_is_shown_again_with_what_was_typed(in_aftermath, client, fresh):
    incident = in_aftermath("general")
    client.force_login(fresh("office"))
    data = full_raw("investigation", deaths="-1", cause="管线老化，未按期更换")
    resp = client.post(
        f"/aftermath/incidents/{incident.pk}/records/investigation/", {**data, "action": "save"}
    )
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "死亡人数须为不小于0的整数" in html
    assert 'value="-1"' in html and "管线老化，未按期更换" in html
    assert not Record.objects.filter(incident=incident).exists()


def test_save_then_submit_missing_then_complete(in_aftermath, client, fresh):
    incident = in_aftermath()
    client.force_login(fresh("office"))
    url = f"/aftermath/incidents/{incident.pk}/records/summary/"
    token = token_on(page(client, incident), "summary")
    assert token == "new"
    resp = client.post(url, {"occurrence": "管线破裂", "token": token, "action": "save"}, follow=True)
    assert any("草稿已保存" in m for m in messages_of(resp))
    draft = Revision.objects.get(record__incident=incident)
    assert (draft.number, draft.status, draft.content) == (1, "draft", {"occurrence": "管线破裂"})

    # Submitting an incomplete draft: what was typed is saved (as you go), the missing fields are named.
    token = token_on(resp.content.decode(), "summary")
    resp = client.post(
        url, {"occurrence": "管线破裂", "handling": "抢修", "token": token, "action": "submit"}
    )
    assert resp.status_code == 400
    shown = " ".join(messages_of(resp))
    assert "经验教训" in shown and "改进措施（综述）" in shown
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.content == {"occurrence": "管线破裂", "handling": "抢修"}

    token = token_on(page(client, incident), "summary")
    resp = client.post(url, {**full_raw("summary"), "token": token, "action": "submit"}, follow=True)
    assert any("已提交" in m for m in messages_of(resp))
    draft.refresh_from_db()
    assert draft.status == "submitted" and draft.content == full_raw("summary")
    assert 'data-testid="summary-status"' in resp.content.decode()


def test_a_stale_page_does_not_overwrite(in_aftermath, client, fresh):
    incident = in_aftermath()
    url = f"/aftermath/incidents/{incident.pk}/records/summary/"
    client.force_login(fresh("office"))
    client.post(url, {"occurrence": "第一稿", "action": "save"})
    stale = token_on(page(client, incident), "summary")
    client.force_login(fresh("director"))
    client.post(
        url,
        {"occurrence": "主任改过", "token": token_on(page(client, incident), "summary"), "action": "save"},
    )
    before = revisions(incident)
    client.force_login(fresh("office"))
    resp = client.post(url, {"occurrence": "工作人员改过", "token": stale, "action": "save"})
    assert resp.status_code == 400 and "刚被他人保存" in " ".join(messages_of(resp))
    assert "工作人员改过" in resp.content.decode()  # what was typed is not lost
    assert revisions(incident) == before


def test_a_correction_over_http_needs_a_reason(in_aftermath, client, fresh):
    incident = in_aftermath()
    url = f"/aftermath/incidents/{incident.pk}/records/summary/"
    client.force_login(fresh("office"))
    client.post(url, {**full_raw("summary"), "action": "submit"})
    assert Revision.objects.get(record__incident=incident).status == "submitted"
    before = revisions(incident)
    corrected = full_raw("summary", lessons="补充：夜间巡线不足")
    resp = client.post(
        url, {**corrected, "token": token_on(page(client, incident), "summary"), "action": "save"}
    )
    assert resp.status_code == 400 and revisions(incident) == before
    resp = client.post(
        url,
        {
            **corrected,
            "reason": "补充经验教训",
            "token": token_on(page(client, incident), "summary"),
            "action": "submit",
        },
        follow=True,
    )
    assert any("第2版" in m for m in messages_of(resp))
    assert [(r[1], r[2]) for r in revisions(incident)] == [(1, "submitted"), (2, "submitted")]
    html = resp.content.decode()
    assert "补充经验教训" in html  # the reason is shown with the revision


def test_an_item_is_closed_as_not_applicable_from_the_page(in_aftermath, client, fresh):
    incident = in_aftermath()
    task = Assignment.objects.filter(incident=incident, phase="aftermath").order_by("id")[1]
    client.force_login(fresh("office"))
    resp = client.post(f"/aftermath/items/{task.pk}/not-applicable/", {"reason": ""}, follow=True)
    assert any("理由" in m for m in messages_of(resp))
    assert Assignment.objects.get(pk=task.pk).state == "pending"
    resp = client.post(f"/aftermath/items/{task.pk}/not-applicable/", {"reason": "无人员受伤"}, follow=True)
    assert any("不适用" in m for m in messages_of(resp))
    assert Assignment.objects.get(pk=task.pk).state == "closed"


def test_the_archive_button_names_the_blockers_then_archives(in_aftermath, client, fresh):
    incident = in_aftermath()
    client.force_login(fresh("office"))
    events = TimelineEvent.objects.filter(incident=incident).count()
    resp = client.post(f"/aftermath/incidents/{incident.pk}/archive/", follow=True)
    shown = " ".join(messages_of(resp))
    assert "不能归档" in shown and "仍有 6 项" in shown and "办公室总结尚未提交" in shown
    assert Incident.objects.get(pk=incident.pk).state == "aftermath"
    assert TimelineEvent.objects.filter(incident=incident).count() == events

    for task in Assignment.objects.filter(incident=incident, phase="aftermath"):
        client.post(f"/aftermath/items/{task.pk}/not-applicable/", {"reason": "本事件不涉及"})
    client.post(
        f"/aftermath/incidents/{incident.pk}/records/summary/", {**full_raw("summary"), "action": "submit"}
    )
    resp = client.post(f"/aftermath/incidents/{incident.pk}/archive/", follow=True)
    assert any("已归档" in m for m in messages_of(resp))
    assert Incident.objects.get(pk=incident.pk).state == "archived"
    assert 'data-testid="archived-note"' in resp.content.decode()
