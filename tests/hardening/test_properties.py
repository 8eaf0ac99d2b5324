"""Generated bad input (hypothesis) against the shared checks of config/inputs.py and the forms that
use them: whatever is typed, the answer is a value inside its window or a Chinese error — never an
exception the page would turn into a 500 (issue 16)."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.inputs import (
    EARLIEST,
    FIELDS,
    MalformedInput,
    PlausibleDateTimeField,
    hidden_int,
    latest,
    window_error,
)
from incidents.forms import FollowUpForm, IncidentReportForm, UpwardReportForm

from .walk import PAYLOADS

BAD = st.one_of(st.sampled_from(list(PAYLOADS.values())), st.text(max_size=40))
LOCAL_TIMES = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59))


@given(st.one_of(BAD, st.integers().map(str)))
def test_a_hidden_number_is_a_number_or_malformed(raw):
    try:
        value = hidden_int(raw)
    except MalformedInput as e:
        assert "请刷新页面后重试" in str(e)
    else:
        assert isinstance(value, int) and value == int(raw.strip())


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_the_window_answers_for_any_time(value):
    for kind in ("past", "planned", "roster"):
        message = window_error(value, kind)
        assert (message is None) == (EARLIEST <= value <= latest(kind)), (value, kind)


@given(st.one_of(BAD, LOCAL_TIMES.map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))))
def test_the_date_time_field_gives_a_time_in_its_window_or_an_error(raw):
    field = PlausibleDateTimeField(window="planned", required=False)
    try:
        value = field.clean(raw)
    except ValidationError as e:
        assert e.messages and all(m for m in e.messages)
    else:
        assert value is None or EARLIEST <= value <= latest("planned")


REPORT_FIELDS = list(IncidentReportForm.base_fields)
FOLLOW_UP_FIELDS = list(FollowUpForm.base_fields)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(REPORT_FIELDS), BAD, max_size=8))
def test_the_report_form_never_raises(demo, data):
    form = IncidentReportForm(data)
    if form.is_valid():  # hypothesis rarely fills every required field; if so, the times are plausible
        for name, kind in FIELDS["incidents.Incident"].items():
            assert window_error(form.cleaned_data.get(name), kind) is None
    else:
        assert form.errors
    form.preview_incident()  # the live preview copes with whatever cleaned


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(FOLLOW_UP_FIELDS), BAD, max_size=6))
def test_a_follow_up_never_raises_and_changes_only_what_it_carries(demo, make_incident, data):
    incident = make_incident(affected_households=500)
    form = FollowUpForm({**data, "note": "续报"}, incident=incident)
    if form.is_valid():
        changed = form.changed_values()
        carried = {n if n != "direct_loss" else "direct_loss_yuan" for n in data}
        carried |= {n.removesuffix("__sent") for n in data}
        assert set(changed) <= carried, (changed, data)


@given(data=st.dictionaries(st.sampled_from(list(UpwardReportForm.base_fields)), BAD, max_size=7))
@settings(max_examples=60, deadline=None)
def test_the_report_log_form_never_raises(data):
    form = UpwardReportForm(data)
    if form.is_valid():
        assert window_error(form.cleaned_data["due_at"], "planned") is None
        assert window_error(form.cleaned_data["sent_at"], "past") is None


@pytest.mark.django_db
def test_the_walk_would_see_a_server_error(settings, client, user_of, make_incident):
    """The bad-input walk's checker (walk.Poster) reports a 500: without the NUL refusal, PostgreSQL
    refuses the text and the page fails, which the walk must notice."""
    from .walk import Poster

    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "config.inputs.NulRefusalMiddleware"]
    incident = make_incident()
    client.force_login(user_of("office"))
    poster = Poster(client)
    form = {"method": "post", "action": f"/incidents/{incident.pk}/link/"}
    poster.check(form, {"event_name": PAYLOADS["nul"]}, "event_name=nul")
    assert poster.problems and "→ 500" in poster.problems[0]
