"""附件4(1), reading (DOMAIN §6 "The service area must cover the incident's county"): each service area
lists the counties it serves; an incident's outage share is computed only against an area covering its
county; the form says which areas are possible and refuses the others (Chinese first); a county's own
network is a service area with its own heated-area total."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from incidents.forms import IncidentReportForm
from incidents.models import Incident
from incidents.services import incident_report
from orgchart.loader import load_plan
from orgchart.models import County, ServiceArea
from tests.support.forms import NEW, refused, report_data
from tests.support.incidents import report_data as service_data

pytestmark = pytest.mark.django_db


def test_the_built_up_area_serves_yanhu_and_the_development_zone(demo):
    area = ServiceArea.objects.get(is_default=True)
    assert sorted(area.counties.values_list("code", flat=True)) == ["kaifaqu", "yanhu"]


def test_every_county_is_served_by_an_area_of_its_own_network_with_a_total(demo):
    for county in County.objects.exclude(code__in=("yanhu", "kaifaqu")):
        area = ServiceArea.objects.get(counties=county)
        assert area.name == f"{county.name}供热管网" and list(area.counties.all()) == [county]
        assert area.heated_area_m2 > 0 and area.totals_are_demo  # the demo's totals, marked as such
        assert "解读" in area.clause and "DOMAIN" not in area.clause


def test_the_migration_fills_existing_areas(demo):
    migration = importlib.import_module("orgchart.migrations.0003_service_area_counties_filled")
    default = ServiceArea.objects.get(is_default=True)
    default.counties.clear()
    yongji = ServiceArea.objects.get(code="county-yongji")
    yongji.counties.clear()
    named = ServiceArea.objects.create(code="x-hejin", name="河津市城区热网")
    ServiceArea.objects.get(code="county-hejin").counties.clear()
    migration.forwards(apps, None)
    assert sorted(default.counties.values_list("code", flat=True)) == ["kaifaqu", "yanhu"]
    assert list(yongji.counties.values_list("code", flat=True)) == ["yongji"]
    assert list(named.counties.values_list("code", flat=True)) == ["hejin"]
    assert not County.objects.filter(service_areas__isnull=True).exists()


def test_load_plan_is_idempotent_with_the_county_networks(demo):
    before = ServiceArea.objects.count()
    load_plan()
    assert ServiceArea.objects.count() == before


def test_the_form_lists_each_areas_counties(demo):
    form = IncidentReportForm()
    labels = [label for _v, label in form.fields["service_area"].choices]
    assert any("运城市城市建成区（服务盐湖区、运城开发区" in str(label) for label in labels)
    assert any("永济市供热管网（服务永济市；供热面积 3,000,000 平方米）" in str(label) for label in labels)
    assert "解读" in str(form.fields["service_area"].help_text)


def test_a_yongji_incident_against_the_built_up_area_is_refused(office):
    data = report_data(county=County.objects.get(code="yongji").pk, affected_area_m2="1500000")
    refused(office, data, "service_area", "不包括永济市", "可选：永济市供热管网", "附件4(1)，解读")


def test_a_yongji_incident_against_its_own_network(office):
    area = ServiceArea.objects.get(code="county-yongji")
    data = report_data(
        county=County.objects.get(code="yongji").pk, service_area=area.pk, affected_area_m2="1500000"
    )
    resp = office.post(NEW, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    incident = Incident.objects.latest("id")
    assert incident.service_area == area
    assert incident.outage_share == Decimal("0.5")  # 1,500,000 ÷ 3,000,000, not ÷ the city's area


def test_the_model_refuses_it_whatever_the_path(demo, people):
    yongji = County.objects.get(code="yongji")
    data = service_data(county=yongji, service_area=ServiceArea.objects.get(is_default=True))
    before = Incident.objects.count()
    with pytest.raises(ValidationError) as exc:
        incident_report(actor=people.office, data=data)
    assert "不包括永济市" in str(exc.value) and "service_area" in exc.value.message_dict
    assert Incident.objects.count() == before


def test_an_incident_stored_before_the_rule_still_takes_a_follow_up(demo, people):
    """An incident stored against an area that does not cover its county (before the rule, or data
    loaded in bulk) keeps taking 续报 that touch neither; changing its county is checked again."""
    from incidents.services import follow_up_add

    incident = incident_report(
        actor=people.office, data=service_data(county=County.objects.get(code="yanhu"))
    )
    Incident.objects.filter(pk=incident.pk).update(county=County.objects.get(code="yongji"))
    follow_up_add(actor=people.office, incident_id=incident.pk, note="旧数据的续报", data={})
    fresh = Incident.objects.get(pk=incident.pk)
    fresh.county = County.objects.get(code="jishan")
    with pytest.raises(ValidationError) as exc:
        fresh.full_clean()
    assert "service_area" in exc.value.message_dict
