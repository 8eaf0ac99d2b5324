"""The events beyond the lifecycle: level setups with their checklists and on-site HQ (as
``command.response.activation`` records them), links to a cold spell, and the fillers up to ``--events``:
follow-ups (续报), first measures (先期处置) and upward reports (信息报送), each with its row."""

from django.core.management.base import CommandError

from command.models import ChecklistItem, LevelSetup, OnsiteHQ
from command.response.activation import summary_low
from command.response.emergency_plan import CALLDOWN_CLAUSE, CHECKLISTS
from incidents.choices import ResponseLevel
from incidents.models import FirstMeasure, FollowUpReport, TimelineEvent, UpwardReport
from incidents.services import DEADLINES

from .common import allocate, minutes, plain_time
from .data import DISMISSED_NOTES, FIRST_MEASURES, FOLLOW_UP_PHASES, MARK


class ExtrasPlanner:
    """Setups and the remaining events (a ``Winter`` part)."""

    def plan_setups(self):
        """LevelSetup, the checklist and (Ⅱ/Ⅰ) the on-site HQ, with the setup event (activation.py)."""
        self.rows["setups"], self.rows["checklist"], self.rows["hqs"] = [], [], []
        for p in self.drafts:
            if not p.responded:
                continue
            self.level_setups(p)
            self.closed_tasks_event(p)
            self.task_events(p)

    def level_setups(self, p):
        """One setup per level reached going up (a lowering sets nothing up), each with its checklist
        items not yet listed; one on-site HQ per incident (a raise Ⅱ → Ⅰ keeps it)."""
        seen_levels, codes, hq_done = set(), set(), False
        horizon = p.end_at if not p.active else self.now
        for level, at in p.levels:
            if level in seen_levels or (seen_levels and level > min(seen_levels)):
                continue
            seen_levels.add(level)
            summary = self.setup_summary(p, level)
            if level <= 2 and not hq_done:
                hq_done = True
                self.rows["hqs"].append(self.onsite_hq(p, at, horizon))
            self.rows["setups"].append(LevelSetup(incident=p.inc, level=level, at=at, summary=summary))
            p.essentials.append(
                self.event(p, at, TimelineEvent.Kind.COMMAND, summary, clause=CALLDOWN_CLAUSE[level])
            )
            self.checklist(p, level, at, horizon, codes)

    def setup_summary(self, p, level):
        if level >= 3:
            return str(summary_low(level))
        n_assign = sum(1 for t in p.tasks if t.kind == "assignment")
        summary = f"{ResponseLevel(level).label}响应：成立现场指挥部，启用{len(p.groups)}个工作组"
        if n_assign:
            summary += f"，下达{n_assign}项任务分工"
        if level == 1:
            summary += "；按§5.3.4加强现场指挥部力量"
        return summary

    def onsite_hq(self, p, at, horizon):
        """The on-site HQ (§5.3.3(2)), its command taken by the commander within the response."""
        hq = OnsiteHQ(incident=p.inc, established_at=at)
        taken = at + minutes(self.rng.uniform(20, 90))
        if taken < horizon:
            hq.command_taken_at = taken
            hq.command_taken_by = self.user("commander").person
        return hq

    def checklist(self, p, level, at, horizon, codes):
        """The level's checklist items not already listed (``codes``), some ticked off."""
        rng = self.rng
        director, office = self.user("director"), self.user("office")
        for i, (code, clause, text) in enumerate(CHECKLISTS[level]):
            if code in codes:
                continue
            codes.add(code)
            item = ChecklistItem(
                incident=p.inc, code=code, clause=clause, text=text, level=level, order=100 * (5 - level) + i
            )
            if not p.active or rng.random() < 0.5:
                done_by = rng.choice((director, office))
                item.done_at = at + (horizon - at) * rng.uniform(0.05, 0.9)
                item.done_by, item.done_by_name = done_by, done_by.person.name
            self.rows["checklist"].append(item)

    def closed_tasks_event(self, p):
        """The record of the tasks the end of the response closed (§5.3.6、§7), by who ended it."""
        closed = [t for t in p.tasks if t.state == "closed"]
        if not closed:
            return
        ev = self.event(
            p,
            p.end_at,
            TimelineEvent.Kind.COMMAND,
            f"响应结束时未完成的任务：关闭{len(closed)}项，转入后期处置0项",
            user=self.user(self.end_decider(p.final_level)),
            clause="§5.3.6、§7",
        )
        ev._refs = {"closed_tasks": closed}
        p.essentials.append(ev)

    # ---- events beyond the lifecycle --------------------------------------------------------------

    def check_events(self):
        for p in self.drafts:
            if getattr(p.inc, "_linked_name", None):
                at = p.inc.reported_at + minutes(self.rng.uniform(5, 60))
                at = min(at, p.close_at)
                p.essentials.append(
                    self.event(
                        p,
                        at,
                        TimelineEvent.Kind.LINK,
                        f"关联到“{p.inc._linked_name}”",
                        user=self.user("office"),
                        clause="§5.1",
                        data={"from": "", "to": p.inc._linked_name},
                    )
                )
        minimum = sum(len(p.essentials) for p in self.drafts)
        if self.n_events < minimum:
            raise CommandError(
                f"--events {self.n_events:,} 太少：这些事件的接报登记和状态变化等至少需要 {minimum:,} 条时间线记录。 / "
                f"--events {self.n_events:,} is too few: these incidents' reports, state moves and setups "
                f"need at least {minimum:,} timeline events."
            )

    def plan_extras(self):
        """The rest of the events: the tasks' own first, then follow-ups (续报), first measures (先期处置)
        and upward reports (信息报送), each with its row, spread by the incident's weight."""
        rng = self.rng
        spare = self.n_events - sum(len(p.essentials) for p in self.drafts)
        preferred = [len(p.preferred) for p in self.drafts]
        take = allocate(min(spare, sum(preferred)), preferred)
        for p, k in zip(self.drafts, take, strict=True):
            if k < len(p.preferred):
                keep = set(rng.sample(range(len(p.preferred)), k))
                p.preferred = [ev for i, ev in enumerate(p.preferred) if i in keep]
        spare -= sum(take)
        weights = [self.extra_weight(p) for p in self.drafts]
        for p, k in zip(self.drafts, allocate(spare, weights), strict=True):
            p.extras = k

    def extra_weight(self, p):
        if p.active:
            return {"reported": 0.5, "assessing": 1.5}.get(p.fate) or {4: 6, 3: 8, 2: 14, 1: 20}[
                p.final_level
            ]
        if p.responded:
            return {4: 3, 3: 5, 2: 12, 1: 16}[p.final_level]
        return {"dismissed": 0.3}.get(p.fate, 1.2)

    def fillers(self, p):
        """``p.extras`` events with their rows: FollowUpReport, FirstMeasure, UpwardReport."""
        rng, start, end = self.rng, p.inc.reported_at, p.close_at
        events, rows = [], {"follow_ups": [], "measures": [], "upward": []}
        for _ in range(p.extras):
            if p.fate == "dismissed":
                kind = "follow_up"
            else:
                kind = rng.choices(("follow_up", "upward", "measure"), weights=(55, 25, 20))[0]
            at = start + (end - start) * rng.random()
            if kind == "measure":
                row, event = self.first_measure(p, end)
                rows["measures"].append(row)
            elif kind == "upward":
                row, event = self.upward_report(p, end)
                rows["upward"].append(row)
            else:
                restored_done = any(r.changes for r in rows["follow_ups"])  # only the restoration has changes
                row, event = self.follow_up(p, at, end, restored_done=restored_done)
                rows["follow_ups"].append(row)
            events.append(event)
        return events, rows

    def first_measure(self, p, end):
        """A 先期处置 by the company (§5.2) within three hours of the report: (row, event)."""
        rng, inc, office = self.rng, p.inc, self.user("office")
        at = min(inc.reported_at + minutes(rng.uniform(1, 180)), end)
        by = inc.company.display_name if inc.company else (inc.reporter_unit or f"{inc.county.name}供热公司")
        text = rng.choice(FIRST_MEASURES)
        row = FirstMeasure(incident=inc, at=at, by=by, text=text, recorded_by=office, recorded_at=at)
        event = self.event(
            p, at, TimelineEvent.Kind.FIRST_MEASURE, f"先期处置（{by}）：{text}", user=office, clause="§5.2"
        )
        return row, event

    def upward_report(self, p, end):
        """A 信息报送 sent around its deadline (``incidents.services.DEADLINES``): (row, event)."""
        rng, inc, office = self.rng, p.inc, self.user("office")
        sender = rng.choices(("city", "county", "company"), weights=(60, 25, 15))[0]
        recipient = {
            "city": rng.choice(("general_duty_room", "commander", "city_government", "province_housing")),
            "county": "competent_department",
            "company": rng.choice(("local_government", "competent_department")),
        }[sender]
        span, rule = DEADLINES[sender]
        due = inc.reported_at + span
        sent = min(max(due + minutes(rng.uniform(-90, 45)), inc.reported_at + minutes(1)), end)
        report = UpwardReport(
            incident=inc,
            sender=sender,
            recipient=recipient,
            channel=rng.choice(("电话", "传真", "政务微信")),
            due_at=due,
            deadline_rule=rule,
            sent_at=sent,
            summary=f"报告：{inc.title[len(MARK) :]}",
            recorded_by=office,
            recorded_at=sent,
        )
        event = self.event(
            p,
            sent,
            TimelineEvent.Kind.UPWARD_REPORT,
            f"信息报送：{report.get_sender_display()} → {report.get_recipient_display()}（已报送）",
            user=office,
            clause="§5.1",
            data={"due_at": plain_time(due), "late": sent > due},
        )
        return report, event

    def follow_up(self, p, at, end, *, restored_done):
        """A 续报 at ``at``, or the one that records the restoration if it is not written yet: (row, event)."""
        inc, office = p.inc, self.user("office")
        changes = {}
        if not restored_done and inc.restored_at and inc.reported_at < inc.restored_at <= end:
            at, note = inc.restored_at, "已全面恢复供热"
            changes = {"restored_at": [None, plain_time(inc.restored_at)]}
        else:
            note = self.rng.choice(
                DISMISSED_NOTES if p.fate == "dismissed" else FOLLOW_UP_PHASES[self.phase(p, at)]
            )
        grade_b = grade_a = self.grade(p)  # the figures do not change in generated follow-ups
        rec_b = self.rec(p, at, restored=False if changes else None)
        rec_a = self.rec(p, at)
        row = FollowUpReport(
            incident=inc,
            at=at,
            reporter=office,
            note=note,
            changes=changes,
            grade_before=grade_b.value if grade_b else "",
            grade_after=grade_a.value if grade_a else "",
            level_before=int(rec_b.level) if rec_b.level else None,
            level_after=int(rec_a.level) if rec_a.level else None,
        )
        event = self.event(
            p,
            at,
            TimelineEvent.Kind.FOLLOW_UP,
            f"续报：{note[:80]}",
            user=office,
            reason=note,
            clause="§5.1",
            data={
                "changes": changes,
                "grade": [grade_b.value if grade_b else "", grade_a.value if grade_a else ""],
                "recommended_level": [row.level_before, row.level_after],
                "recommendation_status": [rec_b.status, rec_a.status],
            },
        )
        return row, event

    def phase(self, p, at):
        """Where the repair stood at ``at``: 0 early, 1 under way, 2 nearly done, 3 heat back."""
        inc = p.inc
        if inc.restored_at is not None and at >= inc.restored_at:
            return 3
        end = inc.restored_at or inc.estimated_restoration_at or self.now
        if end <= inc.reported_at:
            return 1
        share = (at - inc.reported_at) / (end - inc.reported_at)
        return 0 if share < 0.3 else 1 if share < 0.75 or inc.restored_at is None else 2
