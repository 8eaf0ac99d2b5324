"""启动、调整、结束响应的通知: one per decision on the timeline (§5.3.1–§5.3.6)."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from command.models import ActivatedGroup, LevelRequest, LevelRequestStep
from incidents.choices import ResponseLevel
from incidents.models import TimelineEvent
from orgchart.plan_2021 import (
    SECTION_5_3_3_DUTIES,
    SECTION_5_3_3_INTRO,
    SECTION_5_3_4,
    SECTION_5_3_5,
    SECTION_5_3_6,
)

from .sources import (
    LEVEL_SECTIONS,
    NOTICE,
    NOTICE_MOVES,
    Doc,
    NotAvailable,
    addressee_units,
    facts,
    figures_as_of,
    follow_ups,
    incident_for_documents,
    stamp,
)


def decision_events(incident_id):
    """The decisions a notice is issued for, oldest first (one query)."""
    return [
        e
        for e in TimelineEvent.objects.filter(
            incident_id=incident_id, kind__in=(TimelineEvent.Kind.STATE, TimelineEvent.Kind.LEVEL)
        ).order_by("at", "id")
        if (e.data or {}).get("move") in NOTICE_MOVES
    ]


NOTICE_TITLES = {
    "activate": gettext_lazy("关于启动城市集中供热突发事件%(level)s应急响应的通知"),
    "change_level": gettext_lazy("关于调整城市集中供热突发事件应急响应级别的通知"),
    "end_response": gettext_lazy("关于结束城市集中供热突发事件%(level)s应急响应的通知"),
}


def notice_title(event):
    level = event.from_level if event.data.get("move") == "end_response" else event.to_level
    return str(NOTICE_TITLES[event.data["move"]]) % {"level": ResponseLevel(level).label if level else ""}


def _chain(request):
    """The request's steps in the order they were recorded (提出 → 同意并上报 → 批准; a decision taken by
    phone may be timed before the request was typed in), for "who decided"."""
    if request is None:
        return []
    return [
        {
            "at": s.at,
            "outcome": s.get_outcome_display(),
            "name": s.actor_name,
            "post": s.actor_post,
            "by_phone": s.by_phone,
            "recorded_name": s.recorded_name,
            "note": s.note,
        }
        for s in request.history.all()
        if s.outcome != LevelRequestStep.Outcome.SUPERSEDED
    ]


def level_duties(level):
    """(clause, the plan's text, numbered duties) of a response level (§5.3.1–§5.3.4)."""
    if level == 2:
        return "§5.3.3", SECTION_5_3_3_INTRO, list(SECTION_5_3_3_DUTIES)
    if level == 1:
        return "§5.3.4、§5.3.3", SECTION_5_3_4, list(SECTION_5_3_3_DUTIES)
    clause, text = LEVEL_SECTIONS[level]
    return clause, text, []


def build_notice(incident_id, item):
    incident = incident_for_documents(incident_id)
    event = TimelineEvent.objects.filter(incident_id=incident_id, pk=int(item)).first()
    if event is None or (event.data or {}).get("move") not in NOTICE_MOVES:
        raise NotAvailable(_("没有这项响应决定。"))
    move = event.data["move"]
    reports = follow_ups(incident_id)
    count = sum(1 for r in reports if r.at <= event.at)
    request_id = event.data.get("level_request")
    request = (
        LevelRequest.objects.filter(pk=request_id)
        .prefetch_related(Prefetch("history", queryset=LevelRequestStep.objects.order_by("id")))
        .first()
        if request_id
        else None
    )
    level = event.to_level if move != "end_response" else event.from_level
    groups = (
        list(
            ActivatedGroup.objects.filter(incident_id=incident_id, level=level)
            .select_related("group")
            .order_by("group__order", "id")
        )
        if move != "end_response"
        else []
    )
    raised = move == "change_level" and event.to_level < event.from_level
    duties = level_duties(level) if move == "activate" or raised else None
    doc = Doc(
        kind=NOTICE,
        title=notice_title(event),
        date=event.at,
        drill=incident.is_drill,
        number_key=f"{NOTICE}:{event.pk}",
        addressee=addressee_units(incident),
    )
    return {
        **stamp(incident, doc),
        "event": event,
        "move": move,
        "level": level,
        "from_level": event.from_level,
        "to_level": event.to_level,
        "raised": raised,
        "request": request,
        "chain": _chain(request),
        "duties": duties,
        "groups": [g.group.name for g in groups],
        "facts": facts(figures_as_of(incident, reports, count), event.at),
        "section_5_3_5": SECTION_5_3_5,
        "section_5_3_6": SECTION_5_3_6,
    }
