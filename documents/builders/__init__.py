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

import functools
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftermath.models import Kind as RecordKind
from aftermath.models import Revision
from aftermath.services import needs_investigation
from incidents.models import FollowUpReport

from .notices import build_notice, decision_events, notice_title
from .records import build_investigation, build_record, build_summary
from .reports import build_first_report, build_follow_up
from .sources import (
    FIRST_REPORT,
    FOLLOW_UP,
    INVESTIGATION,
    NOTICE,
    RECORD,
    SUMMARY,
    Doc,
    NotAvailable,
    incident_for_documents,
)

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
    revisions, drafts = _record_revisions(incident)
    rows = []
    row = functools.partial(_add_row, rows)
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
    _investigation_row(row, incident, revisions.get(RecordKind.INVESTIGATION))
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


def _record_revisions(incident):
    """The latest submitted revision of each record of §7.2, and the kinds of record with a draft."""
    revisions, drafts = {}, set()
    for rev in (
        Revision.objects.filter(record__incident_id=incident.pk).select_related("record").order_by("number")
    ):
        if rev.status == Revision.Status.SUBMITTED:
            revisions[rev.record.kind] = rev
        else:
            drafts.add(rev.record.kind)
    return revisions, drafts


def _add_row(rows, kind, *, item=None, title, at=None, key="", why=""):
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


def _investigation_row(row, incident, inv):
    """The 调查评估报告: not needed without an accident grade (附件5), else the latest submitted one."""
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


__all__ = [
    "FIRST_REPORT",
    "FOLLOW_UP",
    "INVESTIGATION",
    "KINDS",
    "NOTICE",
    "RECORD",
    "SUMMARY",
    "Doc",
    "Kind",
    "NotAvailable",
    "build",
    "catalogue",
    "decision_events",
    "incident_for_documents",
    "notice_title",
    "template_for",
]
