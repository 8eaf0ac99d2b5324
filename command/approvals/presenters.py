"""What the pages show of level-change requests: a request as its approver sees it, and the levels a
person may ask for (or decide) now — read by the inbox, the request page and the incident's command page."""

from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import ResponseLevel, State
from incidents.lifecycle import backed_levels, is_judgment
from orgchart.approvals import LevelChange
from orgchart.models import Appointment
from orgchart.permissions import RULES, can

from .chain import STEP_LABELS, STEP_VERBS, RouteError, kind_for, route, start_stage
from .models import LevelRequest


def request_card(r, user, candidates=None):
    """A request as the approver sees it: the recommendation at the time, its clauses and readings,
    the proposer's reason, the chain so far, and what this user may do now."""
    step = r.current_step
    may_act = bool(step) and bool(can(user, r.route.action(step), r.incident))
    rec = r.recommendation or {}
    return {
        "r": r,
        "rec": rec,
        "rec_level": ResponseLevel(rec["level"]) if rec.get("level") else None,
        "step_label": STEP_LABELS.get(step, ""),
        "verb": STEP_VERBS.get(step, ""),
        "may_act": may_act,
        "is_decision": step == "decide",
        "chain": [
            (
                s,
                STEP_LABELS[s],
                i < r.stage or r.status == LevelRequest.Status.APPROVED,
                i == r.stage and r.is_open,
            )
            for i, s in enumerate(r.steps)
        ],
        "may_withdraw": r.is_open and (r.created_by_id == user.pk or bool(can(user, "level.draft"))),
        "may_phone": r.is_open and bool(can(user, "level.phone_record")),
        "phone_candidates": phone_candidates(r, {} if candidates is None else candidates)
        if r.is_open and can(user, "level.phone_record")
        else [],
        "decide_label": r.title,
    }


def phone_candidates(r, cache):
    """People whose post gives the current step's authority (holders and deputies), for the office's
    record of a phone decision. One query per distinct action on the page (``cache``)."""
    action = r.route.action(r.current_step)
    if action not in cache:
        cache[action] = candidates_for(action)
    return cache[action]


def candidates_for(action):
    positions = RULES[action].positions
    rows = (
        Appointment.objects.filter(
            position__code__in=positions, person__active=True, person__user__isnull=False
        )
        .select_related("person", "position")
        .order_by("-role", "person__name")
    )
    seen, result, acting = set(), [], _("·代理")
    for a in rows:
        if a.person.user_id not in seen:
            seen.add(a.person.user_id)
            result.append(
                (
                    a.person.user_id,
                    f"{a.person.name}（{a.position.name}{'' if a.role == 'holder' else acting}）",
                )
            )
    return result


def level_options(incident, user):
    """The levels this user may ask for (or decide) now, each with its chain and whether it needs a
    written reason; the end of the response too. Pure: permissions are cached per user."""
    if incident.state not in (State.ASSESSING, State.RESPONDING):
        return [], None
    rec = incident.recommendation(timezone.now())
    backed = backed_levels(rec)
    drafter = bool(can(user, "level.draft"))
    options = []
    for lv in ResponseLevel:
        if lv == incident.level:
            continue
        try:
            kind = kind_for(incident.state, incident.level, int(lv))
            r = route(kind, incident.level, int(lv))
        except RouteError:
            continue
        _stage, entry = start_stage(r, lambda a: bool(can(user, a, incident)))
        if entry == "draft" and not drafter:
            continue
        options.append(
            {
                "level": int(lv),
                "label": lv.label,
                "kind": LevelChange(kind).label,
                "direct": entry == "decide",
                "entry": STEP_LABELS[entry],
                "chain": " → ".join(str(STEP_LABELS[s]) for s in r.steps),
                "clause": r.clause,
                "needs_reason": kind in (LevelChange.RAISE, LevelChange.LOWER) or is_judgment(lv, rec),
                "backed": lv in backed,
                "suggested": rec.level == lv,
            }
        )
    end = None
    if incident.state == State.RESPONDING:
        r = route(LevelChange.END, incident.level, None)
        _stage, entry = start_stage(r, lambda a: bool(can(user, a, incident)))
        if entry != "draft" or drafter:
            end = {
                "direct": entry == "decide",
                "clause": r.clause,
                "chain": " → ".join(str(STEP_LABELS[s]) for s in r.steps),
            }
    return options, end
