"""Every URL of the site × every kind of person, with the outcome each must get (issue 16).

The URL patterns are read from the URLconf: a new URL without an entry in MATRIX fails the test, so
whoever adds a page decides who may open it. Each entry is one letter per role, in ROLES order:

    O  allowed: 2xx, or a redirect that is not to the login page
    N  refused: 400, 403, 404 or 405 (nothing shown; the body never carries the object)
    L  sent to the login page (anonymous)
    U  503: only the health report, which says "unhealthy" while the test runs no beat

GET with the demo incidents loaded (a Ⅲ response in 盐湖区 with tasks, the 永济 accident at Ⅳ, a drill).
A second test POSTs an empty form to every URL as the anonymous visitor and as two member-unit liaisons:
never a server error, never a change in the database.
"""

import os
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.support.incidents import assign_unit

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "office", "director", "commander", "general", "police", "county")

# fmt: off
MATRIX = {
    "home":                            "LOOOOOO",  # / — a unit's liaison lands on 我的任务 (a redirect)
    "wall":                            "LOOOOOO",  # /wall/
    "healthz":                         "UUUUUUU",  # /healthz — 503 without a beat heartbeat
    "favicon":                         "OOOOOOO",  # /favicon.ico
    "orgchart:chart":                  "LOOOOOO",  # /org/
    "orgchart:unit":                   "LOOOOOO",  # /org/units/public_security/
    "orgchart:group":                  "LOOOOOO",  # /org/groups/logistics/
    "orgchart:person":                 "LOOOOOO",  # /org/people/2/
    "orgchart:duty":                   "LOOOOOO",  # /org/duty/
    "orgchart:search":                 "LOOOOOO",  # /org/search/
    "orgchart:contacts":               "LOOOOOO",  # /org/contacts/
    "orgchart:authority":              "LOOOOOO",  # /org/authority/
    "orgchart:lockouts":               "LNONNNN",  # /org/lockouts/ — the office director
    "orgchart:unlock":                 "NNNNNNN",  # /org/lockouts/unlock/
    "orgchart:unit_edit":              "LOONNNN",  # /org/units/public_security/edit/
    "orgchart:company_add":            "LNNNNNN",  # /org/units/public_security/companies/add/
    "orgchart:person_add":             "LOONNNN",  # /org/people/add/
    "orgchart:person_edit":            "LOONNNN",  # /org/people/2/edit/
    "orgchart:appointment_add":        "LNNNNNN",  # /org/people/2/appointments/add/
    "orgchart:appointment_remove":     "LNNNNNN",  # /org/people/2/appointments/999999/remove/
    "orgchart:absence_add":            "LNNNNNN",  # /org/people/2/absences/add/
    "orgchart:absence_remove":         "LNNNNNN",  # /org/people/2/absences/999999/remove/
    "orgchart:group_members":          "LOONNNN",  # /org/groups/logistics/members/
    "orgchart:roster_edit":            "LOONNNN",  # /org/duty/2026-12/edit/
    "orgchart:changes":                "LOONNNN",  # /org/changes/
    "orgchart:service_areas":          "LOOOOOO",  # /org/areas/
    "orgchart:service_area_add":       "LOONNNN",  # /org/areas/add/
    "orgchart:service_area_edit":      "LOONNNN",  # /org/areas/1/edit/
    "orgchart:experts":                "LOOOOOO",  # /org/experts/
    "orgchart:expert_add":             "LOONNNN",  # /org/experts/add/
    "orgchart:expert_edit":            "LOONNNN",  # /org/experts/1/edit/
    "incidents:list":                  "LOOOOOO",  # /incidents/
    "incidents:new":                   "LOONNOO",  # /incidents/new/ — incident.report: the office and unit people (§5.1)
    "incidents:validate":              "NNNNNNN",  # /incidents/new/validate/
    "incidents:detail":                "LOOOONN",  # /incidents/1/ — police/county: not on the 盐湖区 incident (finding 7)
    "incidents:timeline":              "LOOOONN",  # /incidents/1/timeline/
    "incidents:recommendation":        "LOOOONN",  # /incidents/1/recommendation/
    "incidents:move":                  "LNNNNNN",  # /incidents/1/move/start_assessment/
    "incidents:follow_up":             "LNNNNNN",  # /incidents/1/follow-up/
    "incidents:report_log":            "LNNNNNN",  # /incidents/1/reports/
    "incidents:report_sent":           "LNNNNNN",  # /incidents/1/reports/999999/sent/
    "incidents:link":                  "LNNNNNN",  # /incidents/1/link/
    "command:inbox":                   "LOOOOOO",  # /command/
    "command:charts":                  "LOOOOOO",  # /command/charts/
    "command:notifications":           "LOOOOOO",  # /command/notifications/
    "command:incident":                "LOOOONN",  # /command/incidents/1/ — police/county: 404, not on the incident
    "command:request_submit":          "LNNNNNN",  # /command/incidents/1/requests/
    "command:calldown_add":            "LNNNNNN",  # /command/incidents/1/calldowns/
    "command:groups_activate":         "LNNNNNN",  # /command/incidents/1/groups/
    "command:group_unit_add":          "LNNNNNN",  # /command/incidents/1/groups/units/
    "command:company_add":             "LNNNNNN",  # /command/incidents/1/groups/companies/
    "command:onsite_member_add":       "LNNNNNN",  # /command/incidents/1/onsite/
    "command:instruction_add":         "LNNNNNN",  # /command/incidents/1/instructions/
    "command:request":                 "LOOOONN",  # /command/requests/1/
    "command:request_act":             "LNNNNNN",  # /command/requests/1/act/
    "command:request_phone":           "LNNNNNN",  # /command/requests/1/phone/
    "command:request_withdraw":        "LNNNNNN",  # /command/requests/1/withdraw/
    "command:phone_confirm":           "LNNNNNN",  # /command/steps/1/confirm/
    "command:calldown_record":         "LNNNNNN",  # /command/calldowns/1/
    "command:checklist_mark":          "LNNNNNN",  # /command/checklist/1/
    "command:instruction_update":      "LNNNNNN",  # /command/instructions/1/
    "command:calldown":                "NNNNNNN",  # /command/c/no-such-token/
    "command:reminders":               "LOOONNN",  # /command/reminders/ — the office and the commander
    "command:reminder_settings":       "LOOONNN",  # /command/reminders/settings/
    "command:delivery_again":          "LNNNNNN",  # /command/reminders/deliveries/1/again/
    "command:bell":                    "LOOOOOO",  # /command/notifications/bell/
    "command:my_tasks":                "LOOOOOO",  # /command/tasks/
    "command:task":                    "LNNNNNN",  # /command/tasks/999999/
    "command:task_move":               "LNNNNNN",  # /command/tasks/999999/move/start_assessment/
    "command:task_progress":           "LNNNNNN",  # /command/tasks/999999/progress/
    "command:task_reassign":           "LNNNNNN",  # /command/tasks/999999/reassign/
    "command:task_file":               "LNNNNNN",  # /command/files/1/
    "command:board":                   "LOOOONN",  # /command/incidents/1/tasks/
    "command:task_issue":              "LNNNNNN",  # /command/incidents/1/tasks/new/
    "command:end":                     "LOOOONN",  # /command/incidents/1/end/
    "command:statistics":              "LOOOONN",  # /command/statistics/ — the office and command
    "command:statistics_xlsx":         "LOOOONN",  # /command/statistics/export.xlsx
    "command:statistics_csv":          "LOOOONN",  # /command/statistics/export.csv
    "aftermath:measures":              "LOOOONN",  # /aftermath/measures/
    "aftermath:incident":              "LOOOONN",  # /aftermath/incidents/2/
    "aftermath:record_save":           "LNNNNNN",  # /aftermath/incidents/2/records/investigation/
    "aftermath:measure_add":           "LNNNNNN",  # /aftermath/incidents/2/measures/
    "aftermath:archive":               "LNNNNNN",  # /aftermath/incidents/2/archive/
    "aftermath:item_na":               "LNNNNNN",  # /aftermath/items/999999/not-applicable/
    "aftermath:measure_done":          "LNNNNNN",  # /aftermath/measures/999999/done/
    "documents:downloads":             "LOONNNN",  # /documents/downloads/ — the office (audit.downloads)
    "documents:incident":              "LOOOONO",  # /documents/incidents/2/ — the 永济 incident: the county's (police not on it)
    "documents:download":              "LOOOONO",  # /documents/incidents/2/first-report/pdf/
    "documents:download_item":         "LOOOONO",  # /documents/incidents/2/first-report/1/pdf/
    "documents:render":                "NNNNNNN",  # /documents/incidents/2/first-report/pdf/render/
    "documents:render_item":           "NNNNNNN",  # /documents/incidents/2/first-report/1/pdf/render/
    "documents:status":                "LOOOONO",  # /documents/incidents/2/first-report/pdf/status/
    "documents:status_item":           "LOOOONO",  # /documents/incidents/2/first-report/1/pdf/status/
    "login":                           "OOOOOOO",  # /login/
    "logout":                          "NNNNNNN",  # /logout/
    "set_language":                    "OOOOOOO",  # /i18n/setlang/
    # the REST API (issue 19): its schema and pages are public (they describe it, no data); every /api/v1/
    # operation takes a unit's token, never a session; the office issues tokens and sees webhooks
    "api:schema":                   "OOOOOOO",
    "api:docs":                     "OOOOOOO",
    "api:redoc":                    "OOOOOOO",
    "api:incidents":                "NNNNNNN",
    "api:incident":                 "NNNNNNN",
    "api:follow_ups":               "NNNNNNN",
    "api:tasks":                    "NNNNNNN",
    "api:task":                     "NNNNNNN",
    "api:task_sign":                "NNNNNNN",
    "api:task_progress":            "NNNNNNN",
    "api:task_complete":            "NNNNNNN",
    "api:ref_counties":             "NNNNNNN",
    "api:ref_service_areas":        "NNNNNNN",
    "api:ref_units":                "NNNNNNN",
    "api:ref_groups":               "NNNNNNN",
    "api:ref_choices":              "NNNNNNN",
    "api:webhooks_api":             "NNNNNNN",
    "api:webhook_api":              "NNNNNNN",
    "api:deliveries_api":           "NNNNNNN",
    "api:redeliver_api":            "NNNNNNN",
    "api:tokens":                   "LOONNNN",  # the office
    "api:token_revoke":             "LNNNNNN",  # POST only
    "api:webhooks":                 "LOONNNN",  # the office
    "api:resend":                   "NNNNNNN",  # POST only
}
# fmt: on


def url_patterns():
    """(route, name) of every URL of the site except the Django admin (which has its own login)."""

    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("admin/"):
                    continue
                yield from walk(
                    p.url_patterns, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else "")
                )
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), ns + (p.name or p.callback.__name__)

    return list(walk(get_resolver().url_patterns))


def test_every_url_has_an_entry():
    names = {name for _route, name in url_patterns()}
    missing = sorted(names - set(MATRIX))
    assert not missing, f"URLs without an entry in MATRIX (decide who may open them): {missing}"
    assert not sorted(set(MATRIX) - names), "entries for URLs that no longer exist"
    assert all(len(v) == len(ROLES) and set(v) <= set("OLNU") for v in MATRIX.values())


def outcome(response):
    if response.status_code == 503:
        return "U"  # the health report: unhealthy (no beat heartbeat in a test), by design
    if response.status_code >= 500:
        return "5"
    if response.status_code in (301, 302, 303, 307, 308):
        return "L" if re.match(r"^(https?://[^/]+)?/login/", response["Location"]) else "O"
    if response.status_code < 300:
        return "O"
    return "N"


def _sample_objects(user_of):
    """The demo incidents and one object of each kind a URL names."""
    from aftermath.demo import load_demo_incidents
    from command.approvals.services import level_request_submit
    from command.models import Assignment, LevelRequest
    from incidents.models import Incident
    from orgchart.models import Expert, ServiceArea

    load_demo_incidents()
    yanhu = Incident.objects.get(title__startswith="盐湖区", title__endswith="（演示）")
    yongji = Incident.objects.get(title__startswith="永济市", title__endswith="（演示）")
    level_request_submit(incident_id=yanhu.pk, actor=user_of("office"), to_level=2, reason="权限矩阵测试")
    request = LevelRequest.objects.filter(incident=yanhu).latest("pk")
    task = Assignment.objects.filter(incident=yanhu).order_by("pk").first()
    return {
        "yanhu": yanhu,
        "yongji": yongji,
        "request": request,
        "step": request.history.order_by("pk").first(),
        "task": task,
        "person": user_of("director").person,
        "area": ServiceArea.objects.order_by("pk").first(),
        "expert": Expert.objects.order_by("pk").first(),
    }


# The object a URL's <pk> names, by the start of its route.
PK_OF = (
    ("org/people/", "person"),
    ("org/areas/", "area"),
    ("org/experts/", "expert"),
    ("command/requests/", "request"),
    ("command/steps/", "step"),
    ("command/tasks/", "task"),
    ("aftermath/incidents/", "yongji"),
    ("documents/incidents/", "yongji"),
    ("", "yanhu"),  # incidents/…, command/incidents/…
)
OTHER_KWARGS = {
    "code": lambda route: "logistics" if route.startswith("org/groups/") else "public_security",
    "kind": lambda route: "first-report" if route.startswith("documents/") else "investigation",
    "fmt": lambda route: "pdf",
    "item": lambda route: 1,
    "move": lambda route: "start_assessment",
    "token": lambda route: "no-such-token",
    "year": lambda route: 2026,
    "month": lambda route: 12,
}
MISSING = 999_999  # ids of objects the demo set has none of (files, deliveries, …): a refusal for all


def sample_path(route, objects):
    """The route with its converters filled in from ``objects``."""

    def fill(match):
        name = match.group(2)
        if name == "pk":
            obj = next(objects[key] for prefix, key in PK_OF if route.startswith(prefix))
            return str(obj.pk if obj is not None else MISSING)
        if name in OTHER_KWARGS:
            return str(OTHER_KWARGS[name](route))
        return str(MISSING)  # appointment_id, absence_id, report_id, task_id, measure_id, …

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def _client_for(role, user_of):
    from django.test import Client

    client = Client()
    if role != "anonymous":
        client.force_login(user_of(role))
    return client


def test_each_role_gets_what_the_matrix_says(demo, user_of):
    objects = _sample_objects(user_of)
    clients = {role: _client_for(role, user_of) for role in ROLES}
    wrong, seen = [], {}
    for route, name in url_patterns():
        path = sample_path(route, objects)
        got = "".join(outcome(clients[role].get(path)) for role in ROLES)
        seen[name] = (got, path)
        want = MATRIX.get(name)
        if "5" in got or (want and got != want):
            wrong.append(f"{name:<32} {path:<60} want {want} got {got}")
    if wrong or os.environ.get("MATRIX_PRINT"):  # MATRIX_PRINT=1: print the table to paste
        print(
            "\n".join(f'MATRIX|    "{n}": {" " * (30 - len(n))}"{g}",  # {p}' for n, (g, p) in seen.items())
        )
    assert not wrong, "roles × URLs differ from MATRIX:\n" + "\n".join(wrong)


# The pages a member unit reads on an incident it is on (issue 16, finding 7): the second sample.
READ_ON_INCIDENT = (
    "incidents:detail",
    "incidents:timeline",
    "command:incident",
    "command:board",
    "documents:incident",
    "documents:download",
)


def test_member_units_read_the_incidents_they_are_on(demo, user_of):
    """police on an incident with a 市公安局 assignment, county on the 永济 one: O where the matrix (the
    盐湖区 incident, not theirs) says N."""

    objects = _sample_objects(user_of)
    routes = dict((name, route) for route, name in url_patterns())
    assign_unit(objects["yanhu"], "public_security")
    for role, incident in (("police", objects["yanhu"]), ("county", objects["yongji"])):
        client = _client_for(role, user_of)
        for name in READ_ON_INCIDENT:
            path = sample_path(routes[name], {**objects, "yanhu": incident, "yongji": incident})
            assert outcome(client.get(path)) == "O", (role, name, path)
        other = objects["yongji"] if role == "police" else objects["yanhu"]
        assert client.get(f"/incidents/{other.pk}/").status_code == 404, role


def _row_counts():
    """Rows of every table of the project's apps (not sessions, axes' access log, the cache)."""
    from django.apps import apps

    labels = ("orgchart", "incidents", "command", "aftermath", "documents", "auth")
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in labels}


def test_an_empty_post_to_every_url_is_never_a_server_error_and_changes_nothing(demo, user_of):
    """The POST half: an empty form to every URL as the anonymous visitor and two member-unit liaisons
    (one on the incident's county, one not on it): no 500, no row added, changed or removed."""
    objects = _sample_objects(user_of)
    before = _row_counts()
    wrong = []
    for role in ("anonymous", "police", "county"):
        client = _client_for(role, user_of)
        for route, name in url_patterns():
            if name in ("logout", "set_language", "login"):
                continue  # they change only the session, the language cookie, the login attempts
            path = sample_path(route, objects)
            status = client.post(path).status_code
            if status >= 500:
                wrong.append(f"{role} POST {path}: {status}")
    assert not wrong, "\n".join(wrong)
    after = _row_counts()
    # the one row an empty POST may add: the county, on the 永济 incident, asks its 首报 rendered (a stored
    # copy of a document it may download, documents:render) — no fact of the incident changes
    assert after.pop("documents.StoredDocument") - before.pop("documents.StoredDocument") <= 2
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
