"""Reads of the incident pages, each a constant number of queries whatever the number of incidents,
timeline events, follow-ups and reports (DESIGN.md: services write, selectors read).

Grade and recommendation are computed in Python from the row (``Incident.grade()``,
``Incident.recommendation()``); they need only the row's service area and plan version, which are
joined here.

Who may read: every logged-in member of the organisation may read every incident, for now (a unit's
liaison at 3 a.m. needs the facts as much as the office does, and §5.1 has every unit report and follow
up). What a person may *do* is decided per action by ``orgchart.permissions`` (see the views).
"""

from django.db.models import F, Prefetch, Q

from orgchart.permissions import visible_timeline

from .models import FirstMeasure, FollowUpReport, Incident, TimelineEvent, UpwardReport


def incidents_qs():
    return Incident.objects.select_related("service_area", "county", "plan_version")


def incident_list(
    *,
    q="",
    state=None,
    level=None,
    category=None,
    county=None,
    date_from=None,
    date_to=None,
    drill="",
):
    """Incidents, newest report first. Drills are left out unless asked for (§8.1: kept out of
    statistics); ``drill="include"`` shows both, ``drill="only"`` drills alone."""
    qs = incidents_qs()
    if drill == "only":
        qs = qs.filter(is_drill=True)
    elif drill != "include":
        qs = qs.filter(is_drill=False)
    if state:
        qs = qs.filter(state=state)
    if level == "none":
        qs = qs.filter(level__isnull=True)
    elif level:
        qs = qs.filter(level=int(level))
    if category:
        qs = qs.filter(category=category)
    if county:
        qs = qs.filter(county=county)
    if date_from:
        qs = qs.filter(reported_at__date__gte=date_from)  # the date in Asia/Shanghai
    if date_to:
        qs = qs.filter(reported_at__date__lte=date_to)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(address__icontains=q) | Q(description__icontains=q))
    return qs.order_by("-reported_at", "-id")


def incident_detail(pk):
    """One incident with everything its page shows but the timeline and the follow-ups (``timeline_page``,
    ``follow_up_page``: the page shows the latest ones). Raises Incident.DoesNotExist."""
    return (
        # merged_into and linked_event are read when set (one query each, for a duplicate or a linked
        # incident): joined, they would double the columns of every page view
        Incident.objects.select_related("service_area", "county", "plan_version", "company")
        # who registered it: two columns, not the user's and the person's rows
        .annotate(creator_name=F("created_by__person__name"), creator_username=F("created_by__username"))
        .prefetch_related(
            Prefetch("first_measures", queryset=FirstMeasure.objects.order_by("at", "id")),
            Prefetch("upward_reports", queryset=UpwardReport.objects.order_by("due_at", "id")),
        )
        .get(pk=pk)
    )


def incident_for_recommendation(pk):
    """Just what the recommendation panel needs (polled every minute)."""
    return incidents_qs().get(pk=pk)


def timeline_queryset(*, newest_first=True):
    """The timeline in the one order everybody shows it: the incident page newest first, the 大事记 of
    the documents (issue 10) oldest first — the same events, line for line."""
    order = ("-at", "-id") if newest_first else ("at", "id")
    return TimelineEvent.objects.order_by(*order)


TIMELINE_PAGE = 50  # events per page of the incident page's timeline, and per "更早的记录"


def timeline_page(incident_id, *, before=None, size=TIMELINE_PAGE, user=None):
    """One page of the timeline, newest first: the ``size`` events before the cursor ``before`` (the
    (at, id) of the last event shown; None for the latest), and the cursor of the next page (None when
    there is no older event). Keyset pagination on (at, id), not OFFSET: one query that reads ``size + 1``
    rows through the (incident, at, id) index, whatever the length of the timeline."""
    qs = timeline_queryset(newest_first=True).filter(incident_id=incident_id)
    if user is not None:  # a member unit: other units' task details left out (finding 7 of issue 16)
        qs = visible_timeline(user, qs)
    if before is not None:
        at, pk = before
        qs = qs.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    del rows[size:]
    return rows, ((rows[-1].at, rows[-1].pk) if more else None)


FOLLOW_UPS_PAGE = 20  # follow-ups on the incident page, and per "更早的续报"


def follow_up_page(incident_id, *, offset=0, size=FOLLOW_UPS_PAGE):
    """The follow-ups (续报), newest first, ``size`` from ``offset``: (rows, the next offset or None)."""
    qs = (
        FollowUpReport.objects.filter(incident_id=incident_id)
        .select_related("reporter", "reporter__person")
        .order_by("-at", "-id")
    )
    rows = list(qs[offset : offset + size + 1])
    more = len(rows) > size
    del rows[size:]
    return rows, (offset + size if more else None)
