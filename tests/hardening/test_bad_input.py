"""Bad input never breaks the system (issue 16). The walk finds every form of the site — the pages
reachable from the home page and the scenario's incidents, as the office, the director and the
commander (a form only the approver or the on-site commander sees is found too) — and
posts the payload list (``walk.PAYLOADS``: NUL, year 0001 and 9999, 1e309, NaN, -1, 20,000 characters,
RTL override, emoji, HTML/script) to every field:

1. one field at a time, each post rolled back (forms × fields × payloads): no server error, and when
   the answer is an error nothing was saved (the row counts of every application table);
2. every visible field at once, kept (forms × payloads), so that step 3 renders whatever was accepted;
3. afterwards the pages (overview, wall, statistics, charts, reminders, incident, command, document,
   person pages) answer, and a reminder sweep runs.

A URL pattern that takes a POST but is reached by no form, and is not listed below with a reason,
fails the test: a new form is walked from the day it appears. A field named by pattern (a roster's
``2026-12-01-day-duty_officer`` …) is walked once per pattern. The test prints what it covered; on
2026-12-03 (with the lazy forms and the API's office pages): 116 pages, 68 forms; 67 forms × 265 fields ×
10 payloads = 2,650 single-field posts and 68 × 10 = 680 all-field posts, about 2½ minutes.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from command.approvals.services import level_request_submit
from command.assignments import services as tasking
from command.models import Assignment, CallDown, LevelRequest
from command.reminders import schedule
from command.response.calldowns import calldown_add
from command.response.services import instruction_add
from incidents.services import upward_report_log
from orgchart.models import Person, Unit

from .walk import PAYLOADS, Poster, base_data, crawl, field_patterns, view_name

# Pages without a form (GET only), and POST targets the walk cannot reach, with the reason.
GET_ONLY = {
    "home", "wall", "healthz", "login", "logout", "set_language",
    "orgchart:chart", "orgchart:unit", "orgchart:group", "orgchart:person", "orgchart:contacts",
    "orgchart:authority", "orgchart:service_areas", "orgchart:experts",
    "incidents:detail", "incidents:recommendation",
    "orgchart:duty", "command:inbox",
    "command:charts", "command:incident", "command:request", "command:reminders", "command:bell",
    "command:my_tasks", "command:task", "command:task_file", "command:board", "command:statistics_xlsx",
    "command:statistics_csv", "aftermath:incident", "documents:incident", "documents:download",
    "documents:download_item", "documents:status", "documents:status_item", "documents:downloads",
    "incidents:timeline", "orgchart:lockouts", "api:schema", "api:docs", "api:redoc", "api:tokens",
    "api:webhooks",
}  # fmt: skip
# The REST API (issue 19) takes JSON with a token, not forms: tests/api/test_schema.py runs schemathesis over
# every operation (positive and negative cases, no server error, responses as documented).
API_JSON = {
    "api:incidents", "api:incident", "api:follow_ups", "api:tasks", "api:task", "api:task_sign",
    "api:task_progress", "api:task_complete", "api:ref_counties", "api:ref_service_areas", "api:ref_units",
    "api:ref_groups", "api:ref_choices", "api:webhooks_api", "api:webhook_api", "api:deliveries_api",
    "api:redeliver_api",
}  # fmt: skip
NOT_REACHED = {
    # a phone decision is confirmed by the approver it names: none is pending in the scenario
    "command:phone_confirm": "no phone decision pending",
    # the call-down link is opened from an SMS by a person without logging in (tests/command)
    "command:calldown": "opened from an SMS link, not from a page",
    # resending a failed delivery: the scenario sends nothing through a gateway
    "command:delivery_again": "no failed delivery in the scenario",
    # archiving needs every aftermath record submitted; the scenario's aftermath is still open
    "aftermath:archive": "the archive button appears only when the archive gate is open",
    "orgchart:absence_remove": "covered by test_findings (absence refused); none is stored here",
    # a lockout needs five failed logins; tests/foundation/test_proxy_and_limits.py posts to it
    "orgchart:unlock": "no account is locked out in the scenario",
    # the office's token and webhook buttons: tests/api (issue, revoke, resend) cover them
    "api:token_revoke": "no token issued in the scenario",
    "api:resend": "no webhook delivery in the scenario",
}


def _url_names():
    names = set()

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin":
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns)
    return names


@pytest.fixture
def scenario(incident_in, firm_two, make_incident, people, django_capture_on_commit_callbacks):
    """A responding incident (groups, tasks, call-downs, an instruction, a report log entry), an open
    level request, an incident in its aftermath (items, a measure), an absence."""
    with django_capture_on_commit_callbacks(execute=True):
        responding = incident_in("responding", level=2)  # Ⅱ: with an on-site HQ
        aftermath = incident_in("aftermath", level=4)
    office = people.office
    police = Unit.objects.get(code="public_security")
    with django_capture_on_commit_callbacks(execute=True):
        tasking.task_issue(
            incident_id=responding.pk, user=office, title="疏导交通", text="绕行", unit_id=police.pk,
            due_at=timezone.now() + timedelta(hours=2),
        )  # fmt: skip
    instruction_add(
        incident_id=responding.pk, actor=office, source="other", given_by="张三",
        given_at=timezone.now() - timedelta(minutes=5), text="全力抢修",
    )  # fmt: skip
    upward_report_log(actor=office, incident=responding, sender="city", recipient="commander")
    assessing = firm_two()
    level_request_submit(incident_id=assessing.pk, actor=office, to_level=2)
    from aftermath import services as aftermath_services

    aftermath_services.measure_add(
        incident_id=aftermath.pk, user=office, text="更换老旧管网", owner_unit_id=police.pk,
        due_on=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    person = Person.objects.filter(user__username="police").first()
    calldown_add(incident_id=responding.pk, actor=office, person_ids=[person.pk])
    assert Assignment.objects.filter(incident=responding).exists()
    assert CallDown.objects.filter(incident=responding).exists()
    assert LevelRequest.objects.filter(status="open").exists()
    with django_capture_on_commit_callbacks(execute=True):
        at_four = incident_in("responding", level=4)  # Ⅳ: groups left to activate
    return {"incidents": [responding, assessing, aftermath, at_four, make_incident()], "person": person}


def _seeds(s):
    seeds = ["/", "/incidents/", "/incidents/new/", "/command/", "/command/tasks/", "/command/reminders/",
             "/command/reminders/settings/", "/command/notifications/", "/command/statistics/",
             "/command/charts/", "/aftermath/measures/", "/org/", "/org/duty/", "/org/search/?q=张",
             "/org/changes/", "/org/areas/", "/org/experts/", "/org/units/heating_companies/",
             "/org/units/heating_companies/companies/add/", f"/org/people/{s['person'].pk}/",
             f"/org/people/{s['person'].pk}/edit/"]  # fmt: skip
    for incident in s["incidents"]:
        seeds += [
            f"/incidents/{incident.pk}/",
            f"/command/incidents/{incident.pk}/",
            f"/command/incidents/{incident.pk}/tasks/",
            f"/command/incidents/{incident.pk}/end/",
            f"/aftermath/incidents/{incident.pk}/",
            f"/documents/incidents/{incident.pk}/",
            # the forms these pages load only when opened (their no-JavaScript links)
            f"/incidents/{incident.pk}/?form=follow_up",
            f"/incidents/{incident.pk}/?form=report",
            f"/command/incidents/{incident.pk}/?form=calldown",
            f"/command/incidents/{incident.pk}/?form=member",
            f"/command/incidents/{incident.pk}/?form=group_unit",
            f"/command/incidents/{incident.pk}/tasks/?form=issue",
        ]
    seeds += [f"/command/tasks/{t.pk}/" for t in Assignment.objects.order_by("-id")[:3]]
    month = timezone.localdate()
    return [*seeds, f"/org/duty/{month:%Y}-{month.month}/edit/"]


def _pages_still_work(client, s):
    pages = ["/", "/wall/", "/command/statistics/", "/command/charts/", "/command/reminders/", "/command/",
             "/incidents/", "/aftermath/measures/", "/org/duty/", f"/org/people/{s['person'].pk}/"]  # fmt: skip
    for incident in s["incidents"]:
        pages += [f"/incidents/{incident.pk}/", f"/command/incidents/{incident.pk}/"]
        pages += [f"/documents/incidents/{incident.pk}/", f"/aftermath/incidents/{incident.pk}/"]
    client.raise_request_exception = True
    broken = [(p, r.status_code) for p in pages if (r := client.get(p)).status_code >= 400]
    assert not broken, broken


# Posted to with every field at once only: the same form class as another target walked field by field.
FIELD_BY_FIELD_ELSEWHERE = {"incidents:validate": "incidents:new (the live validation of the same form)"}


def _phase_one(poster, forms):
    """Every field alone with every payload, each post rolled back; returns (forms, fields) walked."""
    walked = fields = 0
    for form in forms:
        if view_name(form["action"])[0] in FIELD_BY_FIELD_ELSEWHERE:
            continue
        base, names = base_data(form), field_patterns(form)
        walked, fields = walked + 1, fields + len(names)
        for name in names:
            for label, payload in PAYLOADS.items():
                poster.check(form, {**base, name: payload}, f"{name}={label}")
    return walked, fields


def _phase_two(poster, forms):
    """Every visible field at once with each payload, kept (what is accepted is stored as typed)."""
    for form in forms:
        base = base_data(form)
        visible = [n for n in form["fields"] if n not in form["hidden"] and n != "csrfmiddlewaretoken"]
        for label, payload in PAYLOADS.items():
            poster.check(form, {**base, **dict.fromkeys(visible, payload)}, f"all={label}", undo=False)


def test_bad_input_on_every_form(scenario, client, user_of, capsys):
    # Find the forms first, as each role (before anything posted changes what the pages offer).
    by_role, pages = {}, set()
    for role in ("office", "director", "commander"):
        client.force_login(user_of(role))
        forms, seen = crawl(client, _seeds(scenario))
        by_role[role] = {k: f for k, f in forms.items() if not any(k in v for v in by_role.values())}
        pages |= seen
    reached = {view_name(f["action"])[0] for forms in by_role.values() for f in forms.values()}
    unknown = _url_names() - GET_ONLY - API_JSON - set(NOT_REACHED) - reached
    assert not unknown, f"URL patterns reached by no form of the walk (add a scenario or a reason): {unknown}"

    problems, posts, walked, fields, slowest = [], [0, 0], 0, 0, Counter()
    for phase in (1, 2):
        for role, forms in by_role.items():
            client.force_login(user_of(role))
            poster = Poster(client)
            if phase == 1:
                w, f = _phase_one(poster, forms.values())
                walked, fields = walked + w, fields + f
            else:
                _phase_two(poster, forms.values())
            posts[phase - 1] += poster.posts
            problems += poster.problems
            slowest += poster.seconds
    n_forms = sum(len(f) for f in by_role.values())
    with capsys.disabled():
        print(
            f"\nbad input: {len(pages)} pages, {n_forms} forms ("
            + ", ".join(f"{role} +{len(forms)}" for role, forms in by_role.items())
            + f"); one field at a time: {walked} forms × {fields} fields × "
            f"{len(PAYLOADS)} payloads = {posts[0]} posts; every field at once: {n_forms} forms × "
            f"{len(PAYLOADS)} payloads = {posts[1]} posts. Slowest: "
            + ", ".join(f"{n} {t:.0f}s" for n, t in slowest.most_common(5))
        )
    assert not problems, "\n".join(problems[:40])

    # the pages and the reminder sweep still work after everything that was accepted
    _pages_still_work(client, scenario)
    schedule.sweep()
