"""What goes into each document: one builder per document, each reading the database a constant number of
times (whatever the number of timeline events, follow-ups or instructions) and returning a plain context
for its template in ``templates/documents/``.

The documents (issue 10) and where their facts come from:

- 突发事件信息报告（首报）``first-report``: the incident as it was first reported — the figures a later
  续报 changed are taken back to their first values from the follow-ups' ``changes`` (§5.1).
- 突发事件信息报告（续报）``follow-up``: one per 续报, with what changed and the figures after it (§5.1).
- 启动、调整、结束响应的通知 ``notice``: one per decision on the timeline (moves ``activate``,
  ``change_level``, ``end_response``), with the level, the clauses recorded with the decision, who
  decided (and by phone, who recorded it), the approval chain of the request, and the figures as they
  stood at that moment (§5.3.1–§5.3.6).
- 应急处置记录 ``record``: the facts now, the level changes, leaders' instructions (§5.3.3(7)(8)), first
  measures (§5.2), the upward reporting log (§5.1), and the full 大事记 (the timeline).
- 调查评估报告 ``investigation`` and 办公室总结 ``summary`` (§7.2): the latest *submitted* revision only
  (a draft is not a document), with the 大事记 attached.

The 大事记 is the incident's timeline: ``timeline_events`` is the one query for it, and
``templates/documents/_chronicle.html`` shows each event with the same text as the incident page
(time, who, summary, clause, state and level change, reason), oldest first as a 大事记 is read.
"""

import copy
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftermath import plan as aftermath_plan
from aftermath.models import Kind as RecordKind
from aftermath.models import Measure, Revision
from aftermath.services import needs_investigation
from command.models import ActivatedGroup, Instruction, LevelRequest, LevelRequestStep
from incidents.choices import ResponseLevel
from incidents.models import FirstMeasure, FollowUpReport, Incident, TimelineEvent, UpwardReport
from orgchart.plan_2021 import (
    PLAN,
    SECTION_5_3_1,
    SECTION_5_3_2,
    SECTION_5_3_3_DUTIES,
    SECTION_5_3_3_INTRO,
    SECTION_5_3_4,
    SECTION_5_3_5,
    SECTION_5_3_6,
)

from . import conf

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
    from incidents.selectors import timeline_queryset

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


def _stamp(incident, doc):
    return {"doc": doc, "incident": incident, "plan": PLAN, "place": lead_place(incident)}


def _addressee_units(incident):
    """主送 of a notice: the member units (§5.1 通报市指挥部各成员单位), the county government where it
    happened (事发地县级政府) and the company involved."""
    names = [_("市指挥部各成员单位"), incident.county.government.display_name]
    if incident.company_id:
        names.append(incident.company.display_name)
    return "，".join(names)


# ---------------------------------------------------------------------------------------------------
# 突发事件信息报告：首报、续报 (§5.1)
# ---------------------------------------------------------------------------------------------------


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
        **_stamp(incident, doc),
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
        **_stamp(incident, doc),
        "report": report,
        "index": index,
        "reporter": person_of(report.reporter),
        "changes": changes,
        "before": facts(before, report.at),
        "facts": facts(after, report.at),
        "first_measures": measures,
    }


# ---------------------------------------------------------------------------------------------------
# 启动、调整、结束响应的通知 (§5.3)
# ---------------------------------------------------------------------------------------------------


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
        addressee=_addressee_units(incident),
    )
    return {
        **_stamp(incident, doc),
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


# ---------------------------------------------------------------------------------------------------
# 应急处置记录 (the incident record: 大事记, leaders' instructions)
# ---------------------------------------------------------------------------------------------------


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
        **_stamp(incident, doc),
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
        **_stamp(incident, doc),
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
        **_stamp(incident, doc),
        "revision": revision,
        "content": revision.content,
        "measures": measures,
        "facts": facts(incident, revision.submitted_at),
        "events": events,
    }


# ---------------------------------------------------------------------------------------------------
# The catalogue: what exists for an incident, and why something does not yet
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    template: str
    builder: object
    clause: str
    docx: bool = True  # the office edits it further
    public: bool = False  # anyone who may see the incident may download it (the reports)
    per_item: bool = False


KINDS = {
    k.code: k
    for k in (
        Kind(
            FIRST_REPORT,
            gettext_lazy("突发事件信息报告（首报）"),
            "documents/first_report.html",
            build_first_report,
            "§5.1",
            public=True,
        ),
        Kind(
            FOLLOW_UP,
            gettext_lazy("突发事件信息报告（续报）"),
            "documents/follow_up.html",
            build_follow_up,
            "§5.1",
            public=True,
            per_item=True,
        ),
        Kind(
            NOTICE,
            gettext_lazy("启动、调整、结束响应的通知"),
            "documents/notice_{move}.html",
            build_notice,
            "§5.3",
            per_item=True,
        ),
        Kind(
            RECORD,
            gettext_lazy("应急处置记录（大事记、领导批示）"),
            "documents/record.html",
            build_record,
            "§5.3.3(7)(8)",
        ),
        Kind(
            INVESTIGATION,
            gettext_lazy("调查评估报告"),
            "documents/investigation.html",
            build_investigation,
            "§7.2",
        ),
        Kind(SUMMARY, gettext_lazy("办公室总结"), "documents/summary.html", build_summary, "§7.2"),
    )
}


def template_for(kind, context):
    return KINDS[kind].template.format(move=context.get("move", ""))


def build(kind, incident_id, item=None):
    """The context of one document; ``NotAvailable`` if it does not exist (yet)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise NotAvailable(_("没有这种文件。"))
    if spec.per_item and item is None:
        raise NotAvailable(_("请选择具体的续报或响应决定。"))
    return spec.builder(incident_id, item) if spec.per_item else spec.builder(incident_id)


def catalogue(incident):
    """The incident's documents for the list page: [{kind, label, clause, item, title, at, key,
    available, why, docx}] in the order of the incident's life, and the kinds of record with a draft
    (a correction being written). Three queries."""
    reports = list(
        FollowUpReport.objects.filter(incident_id=incident.pk)
        .order_by("at", "id")
        .only("id", "at", "incident_id")
    )
    decisions = decision_events(incident.pk)
    revisions, drafts = {}, set()  # the latest submitted revision of each record; records with a draft
    for rev in (
        Revision.objects.filter(record__incident_id=incident.pk).select_related("record").order_by("number")
    ):
        if rev.status == Revision.Status.SUBMITTED:
            revisions[rev.record.kind] = rev
        else:
            drafts.add(rev.record.kind)

    rows = []

    def row(kind, *, item=None, title, at=None, key="", why=""):
        spec = KINDS[kind]
        rows.append(
            {
                "kind": kind,
                "label": spec.label,
                "clause": spec.clause,
                "item": item,
                "title": title,
                "at": at,
                "key": key,
                "available": not why,
                "why": why,
                "docx": spec.docx,
                "public": spec.public,
            }
        )

    row(
        FIRST_REPORT,
        title=_("关于%(title)s的突发事件信息报告（首报）") % {"title": incident.title},
        at=incident.reported_at,
        key=f"{FIRST_REPORT}:{incident.pk}",
    )
    for n, r in enumerate(reports, 1):
        row(FOLLOW_UP, item=r.pk, title=_("第%(n)s次续报") % {"n": n}, at=r.at, key=f"{FOLLOW_UP}:{r.pk}")
    if not reports:
        row(FOLLOW_UP, title=_("续报"), why=_("尚无续报（§5.1）。"))
    for e in decisions:
        row(NOTICE, item=e.pk, title=notice_title(e), at=e.at, key=f"{NOTICE}:{e.pk}")
    if not decisions:
        row(NOTICE, title=_("启动响应的通知"), why=_("尚未启动响应（§5.3）。"))
    row(RECORD, title=_("%(title)s应急处置记录") % {"title": incident.title}, at=None)
    inv = revisions.get(RecordKind.INVESTIGATION)
    if not needs_investigation(incident):
        row(
            INVESTIGATION,
            title=_("调查评估报告"),
            why=_("该事件没有事故等级（附件5），不需要调查评估报告（§7.2）。")
            if not incident.grade_provisional
            else _("伤亡或直接经济损失数字待核定，核定后才能确定是否须调查评估（附件5、§7.2）。"),
        )
    elif inv is None:
        row(INVESTIGATION, title=_("调查评估报告"), why=_("调查评估报告尚未提交（§7.2）。"))
    else:
        row(
            INVESTIGATION,
            title=_("%(title)s调查评估报告（第%(n)s版）") % {"title": incident.title, "n": inv.number},
            at=inv.submitted_at,
            key=f"{INVESTIGATION}:{inv.pk}",
        )
    summ = revisions.get(RecordKind.SUMMARY)
    if summ is None:
        row(SUMMARY, title=_("办公室总结"), why=_("办公室总结尚未提交（§7.2）。"))
    else:
        row(
            SUMMARY,
            title=_("关于%(title)s应急处置工作的总结报告（第%(n)s版）")
            % {"title": incident.title, "n": summ.number},
            at=summ.submitted_at,
            key=f"{SUMMARY}:{summ.pk}",
        )
    return rows, drafts
