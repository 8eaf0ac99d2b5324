"""The routing matrix (DOMAIN.md §5): every request kind × level × person, with the holders present and
with them away (their deputies, AB角, act). The expectations are written out here from the plan's table,
independently of ``command/routing.py``; each case goes through the real service on PostgreSQL and is
rolled back."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from command.approvals.chain import route
from command.approvals.services import level_request_submit
from command.models import LevelRequest
from incidents.models import Incident
from orgchart.models import Absence
from tests.support.incidents import REASON

# (kind, from level, to level) — every change the plan knows.
CHANGES = (
    [("activate", None, lv) for lv in (4, 3, 2, 1)]
    + [("raise", f, t) for f in (4, 3, 2) for t in (1, 2, 3) if t < f]
    + [("lower", f, t) for f in (1, 2, 3) for t in (2, 3, 4) if t > f]
    + [("end", f, None) for f in (1, 2, 3, 4)]
)


def decider(kind, frm, to):
    """Who decides (DOMAIN.md §5 table): the post, not the code's action names."""
    if kind in ("activate", "raise"):
        return {4: "director", 3: "director", 2: "commander", 1: "general"}[to]
    if kind == "lower":
        return "commander" if frm <= 2 else "director"
    return "commander" if frm <= 2 else "director"  # end: on-site commander (the commander) / director


def steps(kind, frm, to):
    d = decider(kind, frm, to)
    if kind == "end":
        return ["decide"]
    if d == "general":
        return ["report", "propose", "decide"]
    if d == "commander":
        return ["report", "decide"]
    return ["decide"]


# "A higher authority may do what a lower one may" (§2、§5.3, reading): the commander and the general
# commander decide what the office director may, the general commander what the commander may — except
# ending Ⅰ/Ⅱ, which belongs to the on-site commander recorded for the incident (else the commander).
RANK = {"director": 1, "commander": 2, "general": 3}


def expected(role, kind, frm, to):
    """'direct' | (stage, first step recorded) | 'denied'."""
    d, chain = decider(kind, frm, to), steps(kind, frm, to)
    end_1_2 = kind == "end" and frm <= 2
    if role == d or (not end_1_2 and RANK.get(role, 0) > RANK[d]):
        return "direct"
    if role == "office":
        return (0, "draft")
    if role == "director":
        return (1, "report") if "report" in chain else (0, "draft")
    if role == "commander" and "propose" in chain:
        return (2, "propose")
    return "denied"


PRESENT = {
    "office": "office",
    "director": "director",
    "commander": "commander",
    "general": "general",
    "police": "police",
    "demo-deputy-secretary-general": None,  # deputy of the commander: nothing while he is present
    "demo-city_admin-deputy": None,  # deputy of the office director
    "demo-deputy-general": None,
}
AWAY = {  # the commander, the office director and the general commander are away: deputies act
    "office": "office",
    "director": None,
    "commander": None,
    "general": None,
    "police": None,
    "demo-deputy-secretary-general": "commander",
    "demo-city_admin-deputy": "director",
    "demo-deputy-general": "general",
}


class Rollback(Exception):
    pass


def _try(incident, user, kind, frm, to):
    """Submit as ``user``; return what happened, then roll everything back."""
    outcome = {}
    try:
        with transaction.atomic():
            try:
                r = level_request_submit(
                    incident_id=incident.pk, actor=user, to_level=to, end=kind == "end", reason=REASON
                )
            except PermissionDenied:
                outcome["result"] = "denied"
                raise Rollback from None
            inc = Incident.objects.get(pk=incident.pk)
            outcome["result"] = (
                "direct" if r.status == LevelRequest.Status.APPROVED else (r.stage, r.history.first().step)
            )
            outcome.update(kind=r.kind, steps=r.steps, state=inc.state, level=inc.level)
            raise Rollback
    except Rollback:
        pass
    return outcome


@pytest.fixture
def incidents_by_change(incident_in):
    made = {}
    for kind, frm, _to in CHANGES:
        key = ("assessing", None) if kind == "activate" else ("responding", frm)
        if key not in made:
            made[key] = incident_in(key[0], level=key[1], hazards_controlled=True)
    return made


@pytest.mark.parametrize("scenario", ["present", "away"])
def test_the_routing_matrix(scenario, demo, incidents_by_change, fresh):
    roles = PRESENT if scenario == "present" else AWAY
    if scenario == "away":
        now = timezone.now()
        from orgchart.models import Person

        for username in ("commander", "director", "general"):
            Absence.objects.create(
                person=Person.objects.get(user__username=username),
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=5),
                reason="测试：出差",
            )
    failures = []
    for kind, frm, to in CHANGES:
        incident = incidents_by_change[("assessing", None) if kind == "activate" else ("responding", frm)]
        for username, role in roles.items():
            want = expected(role, kind, frm, to) if role else "denied"
            got = _try(incident, fresh(username), kind, frm, to)
            if got["result"] != want:
                failures.append((scenario, kind, frm, to, username, want, got))
                continue
            if want == "denied":
                continue
            assert got["kind"] == kind and got["steps"] == steps(kind, frm, to)
            if want == "direct":  # the decision ran the incident's transition
                if kind == "end":  # ended, and moved on to the aftermath (§5.3.6, §7)
                    assert got["state"] == "aftermath"
                else:
                    assert (got["state"], got["level"]) == ("responding", to)
            else:
                assert (got["state"], got["level"]) == (incident.state, incident.level)  # unchanged
    assert not failures, "\n".join(map(str, failures))


def test_every_change_has_a_route_and_a_clause():
    for kind, frm, to in CHANGES:
        r = route(kind, frm, to)
        assert r.clause.startswith("§5.3")
        assert list(r.steps) == steps(kind, frm, to)
