"""§7.2 (reading, DOMAIN §6 "The investigation follows the grade"): when a 续报 raises the accident grade
after the investigation record exists, the team follows (一般 → county, 较大 → city, 重大/特别重大 →
provincial with its document number), and the archive gate refuses while the record's team does not match
the current grade."""

import pytest

from aftermath import plan, services
from aftermath.models import Record
from incidents import lifecycle
from incidents import services as incident_services
from incidents.lifecycle import TransitionError
from incidents.models import TimelineEvent
from tests.support.aftermath import close_items, full_raw, submit_record

pytestmark = pytest.mark.django_db


def raise_deaths(incident, user, deaths):
    incident_services.follow_up_add(
        actor=user, incident_id=incident.pk, note=f"续报：死亡{deaths}人", data={"deaths": deaths}
    )
    incident.refresh_from_db()


@pytest.mark.parametrize(
    ("grade", "team"),
    [("general", "county"), ("larger", "city"), ("major", "province"), ("extraordinary", "province")],
)
def test_the_team_by_grade_is_data(grade, team):
    assert plan.TEAM_BY_GRADE[grade] == team
    assert "解读" in plan.TEAM_CLAUSE and "DOMAIN" not in plan.TEAM_CLAUSE


@pytest.mark.parametrize(("deaths", "team", "label"), [(3, "city", "较大事故"), (12, "province", "重大事故")])
def test_a_rising_grade_blocks_the_archive_until_the_record_follows(deaths, team, label, in_aftermath, fresh):
    incident = in_aftermath("general")
    office = fresh("office")
    close_items(incident, office)
    submit_record(incident, "summary", office)
    submit_record(incident, "investigation", office)
    assert Record.objects.get(incident=incident, kind="investigation").team_level == "county"
    assert lifecycle.archive_blockers(incident) == []

    raise_deaths(incident, office, deaths)
    assert services.team_level(incident) == team
    with pytest.raises(TransitionError) as exc:
        lifecycle.perform(incident.pk, move="archive", actor=fresh("office"))
    message = str(exc.value)
    assert f"事故等级现为{label}" in message and str(plan.TEAM_LABELS[team]) in message
    assert "县级政府事故调查组所作" in message
    incident.refresh_from_db()
    assert incident.state == "aftermath"

    # The correction, by the team of the current grade (the province: its document number is required).
    services.save_draft(
        incident_id=incident.pk,
        kind="investigation",
        user=office,
        raw=full_raw("investigation", outside_ref=""),
        reason="事故等级上升，调查组随之调整",
    )
    if team == "province":
        with pytest.raises(services.CommandError, match="上级调查报告文号"):
            services.submit(incident_id=incident.pk, kind="investigation", user=office)
        services.save_draft(
            incident_id=incident.pk,
            kind="investigation",
            user=office,
            raw=full_raw("investigation", outside_ref="晋政调〔2026〕3号"),
            reason="事故等级上升，调查组随之调整",
        )
    services.submit(incident_id=incident.pk, kind="investigation", user=office)
    record = Record.objects.get(incident=incident, kind="investigation")
    assert record.team_level == team
    event = TimelineEvent.objects.filter(incident=incident, data__team=["county", team]).get()
    assert "调查主体随事故等级调整" in event.summary and event.clause == plan.TEAM_CLAUSE
    assert lifecycle.archive_blockers(incident) == []
    lifecycle.perform(incident.pk, move="archive", actor=office)


def test_a_draft_opened_at_one_grade_is_submitted_for_the_current_one(in_aftermath, fresh):
    incident = in_aftermath("general")
    office = fresh("office")
    services.save_draft(incident_id=incident.pk, kind="investigation", user=office, raw={"cause": "管道老化"})
    raise_deaths(incident, office, 3)
    submit_record(incident, "investigation", office)
    assert Record.objects.get(incident=incident, kind="investigation").team_level == "city"
    assert services.team_mismatch(incident) == ""


def test_the_aftermath_page_names_the_current_team_and_the_mismatch(in_aftermath, fresh, client):
    incident = in_aftermath("general")
    office = fresh("office")
    submit_record(incident, "investigation", office)
    raise_deaths(incident, office, 3)
    client.force_login(office)
    html = client.get(f"/aftermath/incidents/{incident.pk}/").content.decode()
    assert "较大事故：由市政府事故调查组" in html
    assert 'data-testid="team-mismatch"' in html and "须按现等级提交更正" in html
    assert "解读" in html and "DOMAIN" not in html
