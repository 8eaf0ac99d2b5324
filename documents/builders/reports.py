"""突发事件信息报告: the 首报 and each 续报 (§5.1)."""

from django.utils.translation import gettext as _

from incidents.models import FirstMeasure, Incident, UpwardReport

from .sources import (
    FIRST_REPORT,
    FOLLOW_UP,
    Doc,
    NotAvailable,
    facts,
    figures_as_of,
    follow_ups,
    incident_for_documents,
    person_of,
    stamp,
)


def _report_addressee(reports):
    """To whom the city reported (the upward reporting log, §5.1); the commander when nothing is logged
    (§5.1 "视情向指挥长上报事故信息")."""
    names = []
    for r in reports:
        if r.sender == UpwardReport.Sender.CITY:
            name = r.recipient_detail or r.get_recipient_display()
            if name not in names:
                names.append(name)
    return "，".join(names) or _("市指挥部指挥长")


def build_first_report(incident_id, item=None):
    incident = incident_for_documents(incident_id)
    reports = follow_ups(incident_id)
    upward = list(UpwardReport.objects.filter(incident_id=incident_id).order_by("due_at", "id"))
    # The first measures known before the first 续报 (all of them while there is none).
    measures = FirstMeasure.objects.filter(incident_id=incident_id)
    if reports:
        measures = measures.filter(recorded_at__lte=reports[0].at)
    measures = list(measures.order_by("at", "id"))
    snapshot = figures_as_of(incident, reports, 0)
    doc = Doc(
        kind=FIRST_REPORT,
        title=_("关于%(title)s的突发事件信息报告（首报）") % {"title": incident.title},
        date=incident.reported_at,
        drill=incident.is_drill,
        number_key=f"{FIRST_REPORT}:{incident.pk}",
        addressee=_report_addressee(upward),
    )
    return {
        **stamp(incident, doc),
        "facts": facts(snapshot, incident.reported_at),
        "first_measures": measures,
        "recorded_by": person_of(incident.created_by) if incident.created_by_id else "",
    }


def build_follow_up(incident_id, item):
    incident = incident_for_documents(incident_id)
    reports = follow_ups(incident_id)
    index = next((n for n, r in enumerate(reports, 1) if r.pk == int(item)), None)
    if index is None:
        raise NotAvailable(_("没有这份续报。"))
    report = reports[index - 1]
    upward = list(UpwardReport.objects.filter(incident_id=incident_id).order_by("due_at", "id"))
    measures = list(
        FirstMeasure.objects.filter(incident_id=incident_id, recorded_at__lte=report.at).order_by("at", "id")
    )
    before, after = figures_as_of(incident, reports, index - 1), figures_as_of(incident, reports, index)
    doc = Doc(
        kind=FOLLOW_UP,
        title=_("关于%(title)s的突发事件信息报告（第%(n)s次续报）") % {"title": incident.title, "n": index},
        date=report.at,
        drill=incident.is_drill,
        number_key=f"{FOLLOW_UP}:{report.pk}",
        addressee=_report_addressee(upward),
    )
    changes = []
    for name, (old, new) in report.changes.items():
        f = Incident._meta.get_field(name)
        changes.append(
            {
                "label": f.verbose_name,
                "name": name,
                "old": None if old is None else f.to_python(old),
                "new": None if new is None else f.to_python(new),
            }
        )
    return {
        **stamp(incident, doc),
        "report": report,
        "index": index,
        "reporter": person_of(report.reporter),
        "changes": changes,
        "before": facts(before, report.at),
        "facts": facts(after, report.at),
        "first_measures": measures,
    }
