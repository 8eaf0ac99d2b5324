"""Issue 16, finding 5: a double submit makes one incident. One single-use token per form (a unique row
claimed in the incident's transaction), the button disabled while sending (static/js/submit-once.js),
and a "可能重复" warning when the same county and company reported in the last 30 minutes."""

import re
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from incidents import services
from incidents.models import Incident
from orgchart.models import CompanyType, Unit, UnitKind
from tests.support.forms import report_data as form_data
from tests.support.incidents import ensure_plan_version, report_data

NEW = "/incidents/new/"


def _token(client):
    html = client.get(NEW).content.decode()
    return re.search(r'name="submission" value="([^"]+)"', html).group(1)


def test_the_same_form_sent_twice_makes_one_incident(as_user):
    client = as_user("office")
    token = _token(client)
    first = client.post(NEW, form_data(submission=token))
    assert first.status_code == 302
    second = client.post(NEW, form_data(submission=token), follow=True)
    assert Incident.objects.count() == 1
    incident = Incident.objects.get()
    assert second.redirect_chain[0][0] == first.url == incident.get_absolute_url()
    assert "没有重复登记" in second.content.decode()
    # a fresh form (a new token) is a new report
    assert client.post(NEW, form_data(submission=_token(client), confirm_duplicate="1")).status_code == 302
    assert Incident.objects.count() == 2


def test_a_token_is_kept_while_the_form_is_corrected(as_user):
    client = as_user("office")
    token = _token(client)
    resp = client.post(NEW, form_data(submission=token, title=""))
    assert resp.status_code == 422 and f'value="{token}"' in resp.content.decode()
    assert client.post(NEW, form_data(submission=token)).status_code == 302
    assert Incident.objects.count() == 1


def test_another_persons_token_is_refused(as_user):
    client = as_user("office")
    token = _token(client)
    client.post(NEW, form_data(submission=token))
    client = as_user("police")
    resp = client.post(NEW, form_data(submission=token, confirm_duplicate="1"))
    assert resp.status_code == 422 and "已经提交过" in resp.content.decode()
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_posts_at_once_have_one_winner(demo, user_of):
    """The second waits on the unique row until the first commits, then gets the first incident."""
    ensure_plan_version()
    office = user_of("office")
    token = "t" * 32
    done, result, errors = threading.Event(), [], []

    def second():
        try:
            result.append(services.incident_report(actor=office, data=report_data(), submission=token))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            done.set()
            connection.close()

    with transaction.atomic():
        first = services.incident_report(actor=office, data=report_data(), submission=token)
        thread = threading.Thread(target=second)
        thread.start()
        assert not done.wait(timeout=1.5), "the second POST did not wait for the first"
    thread.join(timeout=15)
    assert done.is_set() and not errors
    assert result[0].pk == first.pk and result[0].duplicate_submission
    assert Incident.objects.count() == 1


def test_possibly_a_duplicate(as_user):
    company = Unit.objects.filter(
        kind=UnitKind.ENTERPRISE, active=True, company_type=CompanyType.HEATING
    ).first()
    client = as_user("office")
    client.post(NEW, form_data(submission=_token(client), company=company.pk))
    earlier = Incident.objects.get()
    resp = client.post(NEW, form_data(submission=_token(client), company=company.pk, title="又一处漏水"))
    html = resp.content.decode()
    assert resp.status_code == 409 and "可能重复" in html and earlier.get_absolute_url() in html
    assert Incident.objects.count() == 1
    # the office confirms it is another incident
    data = form_data(submission=_token(client), company=company.pk, title="又一处漏水", confirm_duplicate="1")
    assert client.post(NEW, data).status_code == 302
    assert Incident.objects.count() == 2
    # another company (or none) is not a duplicate
    assert client.post(NEW, form_data(submission=_token(client))).status_code == 302


def test_the_button_is_disabled_while_sending(as_user):
    html = as_user("office").get(NEW).content.decode()
    assert "data-submit-once" in html and "js/submit-once.js" in html
    script = (Path(__file__).resolve().parents[2] / "static/js/submit-once.js").read_text()
    assert "data-submit-once" in script and "disabled = true" in script
