"""Recipient specs to users (issue 7): a reminder names who it is for ("post:commander", "liaison:12",
"approvers:3", ...) and is resolved when it is sent, so a handover or an absence recorded since the plan
is respected: holders present, or — all away — their designated deputies (AB角)."""

import logging

from django.contrib.auth import get_user_model

from orgchart.models import Absence, Appointment
from orgchart.permissions import RULES
from orgchart.selectors import away_ids, on_duty, present_or_acting

from ..approvals.models import LevelRequest
from ..assignments.notices import group_leader_person_ids
from ..common import users_who_can

log = logging.getLogger(__name__)


class Resolver:
    """Turns recipient specs into users, with a few queries shared by the whole sweep."""

    def __init__(self, now):
        self.now = now
        self.shift = on_duty(now)
        self.User = get_user_model()
        self._posts, self._cache = {}, {}

    def post(self, code):
        """Holders of a post present now, or — all away — their deputies (permissions.authority rules)."""
        if code not in self._posts:
            appts = list(
                Appointment.objects.filter(
                    position__code=code, person__active=True, person__user__isnull=False
                ).values_list("person__user", "role", "person_id")
            )
            away = set(
                Absence.objects.filter(starts_at__lte=self.now, ends_at__gt=self.now).values_list(
                    "person_id", flat=True
                )
            )
            holders = [u for u, role, pid in appts if role == "holder" and pid not in away]
            self._posts[code] = holders or [
                u for u, role, pid in appts if role != "holder" and pid not in away
            ]
        return self._posts[code]

    def resolve(self, spec):
        if spec not in self._cache:
            self._cache[spec] = self._resolve(spec)
        return self._cache[spec]

    def _unit_people(self, unit_id, posts):
        """The people filling the unit's posts now: holders present, or — all recorded absent — the
        designated deputies (AB角) for the whole absence (DOMAIN §6 "Acting deputies everywhere")."""
        if "_away" not in self._cache:
            self._cache["_away"] = away_ids(self.now)
        by_post = {}
        for a in Appointment.objects.filter(
            unit_id=unit_id, position__code__in=posts, person__active=True
        ).select_related("person", "position"):
            by_post.setdefault(a.position.code, []).append(a)
        return {
            a.person.user_id
            for appts in by_post.values()
            for a in present_or_acting(appts, self._cache["_away"])
            if a.person.user_id
        }

    def _resolve(self, spec):
        kind, _sep, arg = spec.partition(":")
        if kind == "post":
            return set(self.post(arg))
        if kind == "user":
            return {int(arg)}
        if kind == "duty_officer":
            return (
                {self.shift.duty_officer.user_id}
                if self.shift and self.shift.duty_officer_id
                else set(self.post("office_staff"))
            )
        if kind == "duty_leader":
            return (
                {self.shift.duty_leader.user_id}
                if self.shift and self.shift.duty_leader_id
                else set(self.post("office_director"))
            )
        if kind == "office":  # the office: whoever is on duty, and the office director
            return self.resolve("duty_officer") | set(self.post("office_director"))
        if kind == "liaison":  # the unit's liaison; the head where the unit has none
            return self._unit_people(int(arg), ("unit_liaison",)) or self._unit_people(
                int(arg), ("unit_head",)
            )
        if kind in ("unit", "unit_head"):
            posts = ("unit_liaison", "unit_head") if kind == "unit" else ("unit_head",)
            return self._unit_people(int(arg), posts)
        if kind == "group":  # whoever leads the group now: holders present, or acting deputies (AB角)
            key = tuple(int(x) for x in arg.split(":"))
            person_ids = group_leader_person_ids([key], at=self.now).get(key, set())
            return set(self.User.objects.filter(person__pk__in=person_ids).values_list("pk", flat=True))
        if kind in ("approvers", "deputies"):
            r = LevelRequest.objects.select_related("incident").filter(pk=int(arg)).first()
            if r is None or not r.is_open:
                return set()
            action = r.route.action(r.current_step)
            if kind == "approvers":
                return {u.pk for u in users_who_can(action, r.incident)}
            return set(
                Appointment.objects.filter(
                    position__code__in=RULES[action].named or RULES[action].positions,
                    role="deputy",
                    person__active=True,
                ).values_list("person__user", flat=True)
            ) - {None}
        log.warning("unknown recipient spec %r", spec)
        return set()
