"""应急处置记录 (§5.3.3(7)(8)), 调查评估报告 and 办公室总结 (§7.2)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from aftermath import plan as aftermath_plan
from aftermath.models import Kind as RecordKind
from aftermath.models import Measure, Revision
from command.models import Instruction
from incidents.models import FirstMeasure, UpwardReport

from .sources import (
    INVESTIGATION,
    NOTICE_MOVES,
    RECORD,
    SUMMARY,
    Doc,
    NotAvailable,
    facts,
    incident_for_documents,
    stamp,
    timeline_events,
)


def _instructions(incident_id):
    return list(Instruction.objects.filter(incident_id=incident_id).order_by("given_at", "id"))


def build_record(incident_id, item=None, *, now=None):
    now = now or timezone.now()
    incident = incident_for_documents(incident_id)
    events = timeline_events(incident_id)
    doc = Doc(
        kind=RECORD,
        title=_("%(title)s应急处置记录") % {"title": incident.title},
        date=now,
        drill=incident.is_drill,
        reference=_("事件编号：%(ref)s") % {"ref": incident.ref},
    )
    return {
        **stamp(incident, doc),
        "facts": facts(incident, now),
        "events": events,
        "decisions": [e for e in events if (e.data or {}).get("move") in NOTICE_MOVES],
        "instructions": _instructions(incident_id),
        "first_measures": list(FirstMeasure.objects.filter(incident_id=incident_id).order_by("at", "id")),
        "upward": list(UpwardReport.objects.filter(incident_id=incident_id).order_by("due_at", "id")),
        "now": now,
    }


# ---------------------------------------------------------------------------------------------------
# 调查评估报告、办公室总结 (§7.2): the latest submitted revision
# ---------------------------------------------------------------------------------------------------


def submitted_revision(incident_id, kind):
    """The latest submitted revision of the record, or None (drafts are not documents)."""
    return (
        Revision.objects.filter(
            record__incident_id=incident_id, record__kind=kind, status=Revision.Status.SUBMITTED
        )
        .select_related("record")
        .order_by("-number")
        .first()
    )


def team_name(incident, team):
    """Who investigated, by name where the reading of §7.2 names a government (aftermath.plan.TEAM_BY_GRADE):
    永济市人民政府事故调查组, 运城市人民政府事故调查组; above the city, the plan's label."""
    if team == aftermath_plan.TEAM_COUNTY:
        return _("%(gov)s事故调查组") % {"gov": incident.county.government.display_name}
    if team == aftermath_plan.TEAM_CITY:
        return _("运城市人民政府事故调查组")
    return str(aftermath_plan.TEAM_LABELS.get(team, ""))


def build_investigation(incident_id, item=None):
    incident = incident_for_documents(incident_id)
    revision = submitted_revision(incident_id, RecordKind.INVESTIGATION)
    if revision is None:
        raise NotAvailable(_("调查评估报告尚未提交（§7.2）。"))
    events = timeline_events(incident_id)
    instructions = _instructions(incident_id)
    team = revision.record.team_level
    attachments = [_("事件大事记")]
    if instructions:
        attachments.append(_("领导批示及落实情况"))
    doc = Doc(
        kind=INVESTIGATION,
        title=_("%(title)s调查评估报告") % {"title": incident.title},
        date=revision.submitted_at,
        drill=incident.is_drill,
        number_key=f"{INVESTIGATION}:{revision.pk}",
        addressee=_("市指挥部"),
        attachments=attachments,
    )
    content = revision.content
    return {
        **stamp(incident, doc),
        "revision": revision,
        "content": content,
        "team": team,
        "team_label": team_name(incident, team),
        "team_clause": aftermath_plan.TEAM_CLAUSE,
        "outside": team in aftermath_plan.OUTSIDE_TEAMS,
        "facts": facts(incident, revision.submitted_at),
        "events": events,
        "instructions": instructions,
    }


def build_summary(incident_id, item=None):
    incident = incident_for_documents(incident_id)
    revision = submitted_revision(incident_id, RecordKind.SUMMARY)
    if revision is None:
        raise NotAvailable(_("办公室总结尚未提交（§7.2）。"))
    events = timeline_events(incident_id)
    measures = list(
        Measure.objects.filter(incident_id=incident_id).select_related("owner_unit").order_by("due_on", "id")
    )
    doc = Doc(
        kind=SUMMARY,
        title=_("关于%(title)s应急处置工作的总结报告") % {"title": incident.title},
        date=revision.submitted_at,
        drill=incident.is_drill,
        number_key=f"{SUMMARY}:{revision.pk}",
        addressee=_("市指挥部"),
        attachments=[_("事件大事记")],
    )
    return {
        **stamp(incident, doc),
        "revision": revision,
        "content": revision.content,
        "measures": measures,
        "facts": facts(incident, revision.submitted_at),
        "events": events,
    }
