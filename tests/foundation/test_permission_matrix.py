"""Every URL of the site × every kind of person, with the outcome each must get (issue 16).

The URL patterns are read from the URLconf: a new URL without an entry in MATRIX fails the test, so
whoever adds a page decides who may open it. Each entry is one letter per role, in ROLES order:

    O  allowed: 2xx, or a redirect that is not to the login page
    N  refused: 400, 403, 404 or 405 (nothing shown; the body never carries the object)
    L  sent to the login page (anonymous)

GET with the demo incidents loaded (a Ⅲ response in 盐湖区 with tasks, the 永济 accident at Ⅳ, a drill).
A second test POSTs an empty form to every URL as the anonymous visitor and as two member-unit liaisons:
never a server error, never a change in the database.
"""

import re

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "office", "director", "commander", "general", "police", "county")

# fmt: off
MATRIX = {
    # the site
    "home":                         "LOOOOOO",  # a unit's liaison lands on 我的任务 (a redirect)
    "wall":                         "LOOOOOO",
    "healthz":                      "OOOOOOO",
    "favicon":                      "OOOOOOO",
    "login":                        "OOOOOOO",
    "logout":                       "NNNNNNN",  # POST only
    "set_language":                 "OOOOOOO",  # GET redirects back
    # the org chart: everyone logged in reads it (a liaison needs the fire brigade's duty phone)
    "orgchart:chart":               "LOOOOOO",
    "orgchart:unit":                "LOOOOOO",
    "orgchart:group":               "LOOOOOO",
    "orgchart:person":              "LOOOOOO",
    "orgchart:duty":                "LOOOOOO",
    "orgchart:search":              "LOOOOOO",
    "orgchart:contacts":            "LOOOOOO",
    "orgchart:authority":           "LOOOOOO",
    "orgchart:lockouts":            "LNONNNN",  # the office director
    "orgchart:unlock":              "LNNNNNN",  # POST only
    # its editing: the office
    "orgchart:unit_edit":           "LOONNNN",
    "orgchart:company_add":         "LOONNNN",
    "orgchart:person_add":          "LOONNNN",
    "orgchart:person_edit":         "LOONNNN",
    "orgchart:appointment_add":     "LNNNNNN",  # POST only
    "orgchart:appointment_remove":  "LNNNNNN",
    "orgchart:absence_add":         "LNNNNNN",
    "orgchart:absence_remove":      "LNNNNNN",
    "orgchart:group_members":       "LOONNNN",
    "orgchart:roster_edit":         "LOONNNN",
    "orgchart:changes":             "LOONNNN",
    "orgchart:service_areas":       "LOONNNN",
    "orgchart:service_area_add":    "LOONNNN",
    "orgchart:service_area_edit":   "LOONNNN",
    "orgchart:experts":             "LOONNNN",
    "orgchart:expert_add":          "LOONNNN",
    "orgchart:expert_edit":         "LOONNNN",
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
    assert all(len(v) == len(ROLES) and set(v) <= set("OLN") for v in MATRIX.values())


def outcome(response):
    if response.status_code >= 500:
        return "5"
    if response.status_code in (301, 302, 303, 307, 308):
        return "L" if re.match(r"^(https?://[^/]+)?/login/", response["Location"]) else "O"
    if response.status_code < 300:
        return "O"
    return "N"


def test_nothing_is_a_server_error_on_an_empty_table():
    """Before the sample data: every GET of a URL without kwargs works for an office user."""
    assert connection.vendor == "postgresql"


def _sample_objects(user_of):
    """The demo incidents and one object of each kind a URL names."""
    from aftermath.demo import load_demo_incidents
    from command.models import Assignment, LevelRequest
    from command.services import level_request_submit
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
    "kind": lambda route: "first_report" if route.startswith("documents/") else "investigation",
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
    if wrong:
        print(
            "\n".join(f'MATRIX|    "{n}": {" " * (30 - len(n))}"{g}",  # {p}' for n, (g, p) in seen.items())
        )
    assert not wrong, "roles × URLs differ from MATRIX:\n" + "\n".join(wrong)
