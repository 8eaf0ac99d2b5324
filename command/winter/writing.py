"""Checking the drafted winter and writing it: ``full_clean`` on every incident, then ``bulk_create`` in
batches inside one transaction, with the facts ``save()`` would have derived stored first (issue 15)."""

from collections import Counter

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from command.models import ActivatedGroup, Assignment, ChecklistItem, GroupUnit, LevelSetup, OnsiteHQ
from incidents.choices import ResponseLevel
from incidents.models import FirstMeasure, FollowUpReport, Incident, LinkedEvent, TimelineEvent, UpwardReport

from .data import BATCH_SIZE

FILLER_KINDS = ("follow_ups", "measures", "upward")


class WinterWriter:
    """Validation and the bulk write (a ``Winter`` part)."""

    def validate(self):
        """Every incident passes the model's validation (foreign keys apart: they come from the database)."""
        fks = [
            "service_area",
            "county",
            "company",
            "created_by",
            "plan_version",
            "linked_event",
            "merged_into",
        ]
        for p in self.drafts:
            try:
                p.inc.full_clean(exclude=fks, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:  # a bug of the generator: say which incident and why
                raise CommandError(f"generated incident fails validation: {p.inc.title}: {exc}") from exc

    def write(self):
        """Write every drafted row in one transaction; returns the counts ``report`` shows."""
        with transaction.atomic():
            linked = self.write_linked_events()
            rows = self.write_responses()
            if len(rows["events"]) != self.n_events or len(rows["tasks"]) != self.n_tasks:  # a generator bug
                raise CommandError(
                    f"generator error: {len(rows['events'])} events, {len(rows['tasks'])} tasks"
                )
            FollowUpReport.objects.bulk_create(rows["follow_ups"], batch_size=BATCH_SIZE)
            FirstMeasure.objects.bulk_create(rows["measures"], batch_size=BATCH_SIZE)
            UpwardReport.objects.bulk_create(rows["upward"], batch_size=BATCH_SIZE)
            self.write_timeline(rows["events"])
        return self.counts(rows, linked)

    def write_linked_events(self):
        """The cold spells' linked events (got or created by name), set on their incidents."""
        linked = {}
        for name in self.linked:
            linked[name], _created = LinkedEvent.objects.get_or_create(
                name=name, defaults={"created_by": self.user("office")}
            )
        for p in self.drafts:
            name = getattr(p.inc, "_linked_name", None)
            if name:
                p.inc.linked_event = linked[name]
        return linked

    def write_responses(self):
        """The incidents, setups, checklists, on-site HQs, groups and tasks; returns the rows by kind,
        with the timeline events and filler rows still to write."""
        b = BATCH_SIZE
        for p in self.drafts:  # bulk_create skips save(): store the derived facts here (issue 15)
            p.inc.derive_facts(self.now)
        Incident.objects.bulk_create([p.inc for p in self.drafts], batch_size=b)
        LevelSetup.objects.bulk_create(self.rows["setups"], batch_size=b)
        ChecklistItem.objects.bulk_create(self.rows["checklist"], batch_size=b)
        OnsiteHQ.objects.bulk_create(self.rows["hqs"], batch_size=b)
        groups = [ag for p in self.drafts for ag in p.groups]
        ActivatedGroup.objects.bulk_create(groups, batch_size=b)
        GroupUnit.objects.bulk_create([link for ag in groups for link in ag._links], batch_size=b)
        tasks = [t for p in self.drafts for t in p.tasks]
        Assignment.objects.bulk_create(tasks, batch_size=b)
        return {
            "groups": groups,
            "tasks": tasks,
            "events": [ev for p in self.drafts for ev in (*p.essentials, *p.preferred, *p.filler_events)],
            **{kind: [r for p in self.drafts for r in p.filler_rows[kind]] for kind in FILLER_KINDS},
        }

    def write_timeline(self, events):
        """The events, their task references resolved to the ids just written, in time order."""
        for ev in events:
            refs = getattr(ev, "_refs", {})
            if "task" in refs:
                ev.data = {"task": refs["task"].pk}
            if "closed_tasks" in refs:
                ev.data = {"closed_tasks": [t.pk for t in refs["closed_tasks"]], "carried_tasks": []}
        order = {id(ev): i for i, ev in enumerate(events)}
        events.sort(key=lambda ev: (ev.at, order[id(ev)]))
        TimelineEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)

    def counts(self, rows, linked):
        past = [p for p in self.drafts if not p.active]
        active = [p for p in self.drafts if p.active]
        tasks, events = rows["tasks"], rows["events"]
        return {
            "incidents": len(self.drafts),
            "past": len(past),
            "active": len(active),
            "past_states": Counter(p.inc.state for p in past),
            "active_states": Counter(p.inc.state for p in active),
            "drills": sum(p.inc.is_drill for p in self.drafts),
            "levels": Counter(ResponseLevel(p.inc.level).label for p in self.drafts if p.inc.level),
            "categories": Counter(p.inc.category for p in self.drafts),
            "counties": Counter(p.inc.county.name for p in self.drafts),
            "tasks": len(tasks),
            "task_kinds": Counter(t.kind for t in tasks),
            "task_states": Counter(t.state for t in tasks),
            "overdue": sum(1 for t in tasks if t.is_overdue(self.now)),
            "events": len(events),
            "event_kinds": Counter(ev.kind for ev in events),
            "also": {
                "续报 follow-ups": len(rows["follow_ups"]),
                "先期处置 first measures": len(rows["measures"]),
                "信息报送 upward reports": len(rows["upward"]),
                "启用工作组 activated groups": len(rows["groups"]),
                "响应启动记录 level setups": len(self.rows["setups"]),
                "工作清单 checklist items": len(self.rows["checklist"]),
                "现场指挥部 on-site HQs": len(self.rows["hqs"]),
                "关联事件 linked events": len(linked),
            },
        }
