"""What every document reads: the kinds' codes, the document's header (``Doc``), the incident and its
facts as they stood at a moment, the 大事记 (timeline) query."""

import copy
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import FollowUpReport, Incident
from incidents.selectors import timeline_queryset
from orgchart.plan_2021 import (
    PLAN,
    SECTION_5_3_1,
    SECTION_5_3_2,
    SECTION_5_3_4,
)

from .. import conf

FIRST_REPORT, FOLLOW_UP, NOTICE, RECORD, INVESTIGATION, SUMMARY = (
    "first-report",
    "follow-up",
    "notice",
    "record",
    "investigation",
    "summary",
)
NOTICE_MOVES = ("activate", "change_level", "end_response")

# The plan's own words for each level's duties (the notice quotes them).
LEVEL_SECTIONS = {4: ("§5.3.1", SECTION_5_3_1), 3: ("§5.3.2", SECTION_5_3_2), 1: ("§5.3.4", SECTION_5_3_4)}


class NotAvailable(Exception):
    """The document does not exist (yet): the message says why, with the clause."""


@dataclass
class Doc:
    """The frame of a document (GB/T 9704-2012 layout): filled by a builder, numbered by the renderer."""

    kind: str
    title: str
    date: datetime  # 成文日期 (aware)
    drill: bool
    number_key: str = ""  # "" for a document without a 发文字号 (the record)
    addressee: str = ""  # 主送机关
    attachments: list = field(default_factory=list)  # titles, in order
    issuer: str = field(default_factory=conf.issuer)
    number: str = ""  # 运供应急办〔2026〕3号, set by render.number_document
    reference: str = ""  # shown instead of a number (the record: the incident's 编号)

    @property
    def year(self):
        return timezone.localtime(self.date).year

    @property
    def issuer_size(self):
        """发文机关标志 in points: as large as fits one line of the 156 mm type area (at most 26 pt)."""
        return max(12, min(26, int(156 / 0.3528 * 0.95 / max(len(self.issuer), 1))))


# ---------------------------------------------------------------------------------------------------
# Reads shared by the builders (each one query)
# ---------------------------------------------------------------------------------------------------


def incident_for_documents(pk):
    """The incident with what every document prints about it. Raises Incident.DoesNotExist."""
    return Incident.objects.select_related(
        "service_area", "county", "county__government", "plan_version", "company", "created_by__person"
    ).get(pk=pk)


def timeline_events(incident_id, *, newest_first=False):
    """The incident's timeline (the 大事记), one query, from the queryset the incident page uses."""
    return list(timeline_queryset(newest_first=newest_first).filter(incident_id=incident_id))


def follow_ups(incident_id):
    return list(
        FollowUpReport.objects.filter(incident_id=incident_id)
        .select_related("reporter", "reporter__person")
        .order_by("at", "id")
    )


def figures_as_of(incident, reports, count):
    """The incident as it stood after the first ``count`` follow-up reports (0: as first reported).

    A 续报 stores each figure it changed as [old, new] (``incidents.services.follow_up_add``); undoing the
    later ones, newest first, gives the earlier figures. Returns a copy; the incident is not changed."""
    snapshot = copy.copy(incident)
    for report in reversed(reports[count:]):
        for name, (old, _new) in report.changes.items():
            f = Incident._meta.get_field(name)
            setattr(snapshot, name, None if old is None else f.to_python(old))
    return snapshot


def facts(snapshot, at):
    """What the facts table (``_facts.html``) shows of a snapshot at a moment: grade (附件5) and the
    附件4 recommendation as they stood then."""
    grade, grade_reasons = snapshot.grade()
    return {
        "i": snapshot,
        "at": at,
        "grade": grade,
        "grade_reasons": grade_reasons,
        "grade_provisional": snapshot.grade_provisional,
        "rec": snapshot.recommendation(now=at),
        "share": snapshot.outage_share,
        "hours": snapshot.unrestored_hours(at),
        # DOMAIN §6: elapsed and estimated hours apart, never the estimate as hours already without heat
        "outage": snapshot.outage_hours(at),
    }


def person_of(user):
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def lead_place(incident):
    """Where it happened, for the opening sentence — nothing when the title names the place already
    (盐湖区解放路热力站…)."""
    if incident.county.name in incident.title:
        return ""
    return incident.county.name + (incident.address or "")


def stamp(incident, doc):
    return {"doc": doc, "incident": incident, "plan": PLAN, "place": lead_place(incident)}


def addressee_units(incident):
    """主送 of a notice: the member units (§5.1 通报市指挥部各成员单位), the county government where it
    happened (事发地县级政府) and the company involved."""
    names = [_("市指挥部各成员单位"), incident.county.government.display_name]
    if incident.company_id:
        names.append(incident.company.display_name)
    return "，".join(names)
