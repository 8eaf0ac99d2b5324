"""Activated working groups and tasks of the drafted responses (附件1, 附件3; §5.3.3(2)): who gets them,
their states and times, and their timeline."""

import math

from django.core.management.base import CommandError

from command.models import ActivatedGroup, Assignment, GroupUnit
from command.response.activation import leaders_record, resolve_units
from incidents.models import TimelineEvent

from .common import allocate, hours, minutes, round_half_up
from .data import LOW_LEVEL_GROUPS, OPEN_TASK_STATES, RETURN_REASONS, TASK_TITLES

TASK_CREATORS = ("office", "office", "director", "commander")  # who issues a task, by weight


class AssignmentPlanner:
    """Groups and tasks (a ``Winter`` part)."""

    def plan_tasks(self):
        """Tasks on the active responding incidents and on the most recent past responded ones."""
        rng = self.rng
        active = [p for p in self.drafts if p.active and p.responded]
        past = [p for p in self.drafts if not p.active and p.responded]
        if self.n_tasks and not (active or past):
            raise CommandError(
                "没有启动过响应的事件，无法生成任务：请增加 --past 或 --active。 / "
                "No incident had a response to give tasks to: raise --past or --active."
            )
        share_active = 0.55 if active and past else (1.0 if active else 0.0)
        n_active = round_half_up(self.n_tasks * share_active)
        n_past = self.n_tasks - n_active
        chosen_past = past[-max(1, min(len(past), round_half_up(n_past / 40))) :] if n_past else []
        bearing = []
        for group, n in ((active, n_active), (chosen_past, n_past)):
            weights = [{1: 4, 2: 3, 3: 1.5, 4: 1}[p.final_level] * rng.uniform(0.6, 1.4) for p in group]
            for p, k in zip(group, allocate(n, weights), strict=True):
                if k:
                    bearing.append((p, k))
        for p in (p for p in self.drafts if p.responded):
            self.activate_groups(p, dict(bearing).get(p))
        for p, k in bearing:
            self.make_tasks(p, k)
        # some open tasks are overdue (due time passed, still open): at least one where any can be
        now = self.now
        can_be = [
            t
            for p in active
            for t in p.tasks
            if t.kind == "task" and t.state in OPEN_TASK_STATES and now - t.created_at > minutes(2)
        ]
        if can_be and not any(t.due_at < now for t in can_be):
            can_be[0].due_at = can_be[0].created_at + (now - can_be[0].created_at) / 2
        for p in self.drafts:
            if not p.active and p.responded:
                last = max([p.end_at, *(t._last for t in p.tasks)])
                p.end_at = last if last > p.end_at else p.end_at
                self.finish_past(p)
                p.close_at = p.end_at

    def activate_groups(self, p, n_tasks):
        """Ⅱ/Ⅰ: all eight groups at the setup; Ⅳ/Ⅲ with tasks: the office picks a few (附件1)."""
        rng, ctx = self.rng, self.ctx
        big = [(lv, at) for lv, at in p.levels if lv <= 2]
        if big:
            level, at = big[0]
            groups = ctx.groups
        elif n_tasks:
            level, at0 = p.levels[-1]
            horizon = p.end_at or self.now
            at = at0 + min(minutes(rng.uniform(5, 30)), (horizon - at0) / 3)
            codes = {"rescue", "coordination"} | set(rng.sample(LOW_LEVEL_GROUPS[2:], rng.randint(0, 3)))
            groups = [g for g in ctx.groups if g.code in codes]
            p.essentials.append(
                self.event(
                    p,
                    at,
                    TimelineEvent.Kind.COMMAND,
                    "启用工作组：" + "、".join(g.name for g in groups),
                    user=self.user("office"),
                    clause="附件1、附件3",
                )
            )
        else:
            return
        p.group_at, p.group_level = at, level
        for g in groups:
            ag = ActivatedGroup(
                incident=p.inc,
                group=g,
                at=at,
                level=level,
                leaders=leaders_record(g, p.inc, ctx.posts, set(), leader_posts=ctx.resolved),
            )
            ag._units = resolve_units(g.memberships.all(), p.inc, g.includes_county)
            ag._links = [GroupUnit(activated_group=ag, unit=u, added_at=at) for u in ag._units]
            p.groups.append(ag)

    def signer(self, task_group, unit, person):
        """(user id, name) of who signs for the task: its person, the unit's liaison, the group's leader."""
        ctx = self.ctx
        if person is not None:
            return ctx.person_user[person.pk]
        if unit is not None and unit.pk in ctx.signer_of_unit:
            return ctx.person_user[ctx.signer_of_unit[unit.pk].pk]
        leaders = task_group.leaders if task_group is not None else []
        if leaders:
            return ctx.person_user.get(leaders[0]["person"], (None, leaders[0]["name"]))
        uid = self.user("office").pk
        return uid, self.user("office").person.name

    def make_tasks(self, p, n):
        """``n`` rows: first the division of work (分工) to each group and unit, then tasks (任务)."""
        full = [(ag, None) for ag in p.groups]
        seen = set()
        for ag in p.groups:
            for u in ag._units:
                if u.pk not in seen:
                    seen.add(u.pk)
                    full.append((None, u))
        n_assign = min(len(full), n * 2 // 5)
        start = p.group_at or p.act_at
        horizon = (p.end_at - minutes(5)) if not p.active else self.now - minutes(1)
        horizon = max(horizon, start)
        for i in range(n):
            t = self.assignment_row(p, *full[i]) if i < n_assign else self.task_row(p, start, horizon)
            self.task_states(p, t, horizon)
            p.tasks.append(t)

    def assignment_row(self, p, ag, unit):
        """The division of work to an activated group (附件3) or to one of its units (附件2)."""
        group = ag.group if ag else None
        t = Assignment(
            incident=p.inc,
            kind="assignment",
            group=group,
            unit=unit,
            title=group.name if group else unit.display_name,
            duties=group.duties if group else (unit.plan_duties or unit.duties),
            clause=group.clause if group else (unit.plan_duties_clause or unit.duties_clause or "附件2"),
            level=p.group_level,
            created_at=p.group_at,
            created_by=None,
        )
        t._group = ag
        return t

    def task_row(self, p, start, horizon):
        """A task (§5.3.3(2)) to a group, a unit or a unit's person, issued during the response."""
        rng, inc = self.rng, p.inc
        ag = rng.choice(p.groups)
        mode = rng.random()
        unit = rng.choice(ag._units) if ag._units and mode < 0.6 else None
        group = ag.group if (unit is None or mode < 0.2) else None
        person = None
        if unit is not None and unit.pk in self.ctx.signer_of_unit and rng.random() < 0.25:
            person = self.ctx.signer_of_unit[unit.pk]
        created = start + (horizon - start) * rng.random()
        title = rng.choice(TASK_TITLES[ag.group.code])
        at_level = [lv for lv, at in p.levels if at <= created][-1:] or [p.levels[0][0]]
        t = Assignment(
            incident=inc,
            kind="task",
            group=group,
            unit=unit,
            person=person,
            title=title,
            duties=f"{title}。事发地点：{inc.address}。",
            clause="§5.3.3(2)",
            level=at_level[0],
            priority=rng.choices(("urgent", "high", "normal"), weights=(20, 35, 45))[0],
            created_at=created,
            created_by=self.user(rng.choice(TASK_CREATORS)),
        )
        t._group = ag
        return t

    def task_states(self, p, t, horizon):
        """States and times: open ones (some overdue) on active incidents; done or closed on past ones."""
        rng, now = self.rng, self.now
        created = t.created_at
        room = max((horizon - created).total_seconds() / 60, 0)

        def after(base, median):
            return min(base + minutes(min(rng.lognormvariate(math.log(median), 0.8), room)), horizon)

        uid, name = self.signer(t._group, t.unit, t.person)
        t._signer = uid
        if p.active:
            weights = (15, 30, 35, 20, 0) if t.kind == "assignment" else (18, 14, 26, 32, 10)
            state = rng.choices(("pending", "signed", "in_progress", "done", "returned"), weights=weights)[0]
        else:
            state = "done" if rng.random() < 0.85 else "closed"
        t.state = state
        if state in ("signed", "in_progress", "done") or (
            state in ("returned", "closed") and rng.random() < 0.4
        ):
            t.signed_at, t.signed_by_name = after(created, 12), name
        if state == "in_progress":
            t._started = after(t.signed_at, 20)
        if state == "done":
            t.done_at, t.done_by_name = after(t.signed_at, 90), name
        if state == "returned":
            t.returned_reason = rng.choice(RETURN_REASONS)
            t._returned = after(t.signed_at or created, 15)
        if t.kind == "task":
            if p.active and state in OPEN_TASK_STATES and rng.random() < 0.35 and now - created > minutes(20):
                t.due_at = created + (now - created) * rng.uniform(0.3, 0.95)  # overdue
            elif p.active and state in OPEN_TASK_STATES:
                t.due_at = now + hours(rng.uniform(0.5, 12))
            else:
                t.due_at = created + hours(rng.choice((1, 2, 4, 8)))
        t._last = max(
            x
            for x in (
                created,
                t.signed_at,
                t.done_at,
                getattr(t, "_started", None),
                getattr(t, "_returned", None),
            )
            if x is not None
        )

    def task_events(self, p):
        """The timeline of each task (tasking._timeline), preferred among the extras."""
        for t in p.tasks:
            names = [
                x
                for x in ((t.group.name if t.group else None), (t.unit.display_name if t.unit else None))
                if x
            ]
            target = " · ".join(names)
            label = f"{t.title}（{target}）" if target != t.title else t.title
            signer_name = t.signed_by_name or t.done_by_name or self.signer(t._group, t.unit, t.person)[1]
            steps = []
            if t.kind == "task":
                steps.append(("下达任务", t.created_at, t.created_by.pk, t.created_by.person.name, t.duties))
            if t.signed_at:
                steps.append(("签收", t.signed_at, t._signer, signer_name, ""))
            if getattr(t, "_started", None):
                steps.append(("开始处理", t._started, t._signer, signer_name, ""))
            if t.done_at:
                steps.append(("报告完成", t.done_at, t._signer, signer_name, ""))
            if getattr(t, "_returned", None):
                steps.append(("退回", t._returned, t._signer, signer_name, t.returned_reason))
            for verb, at, user_id, name, reason in steps:
                ev = self.event(
                    p,
                    at,
                    TimelineEvent.Kind.COMMAND,
                    f"{verb}：{label}",
                    reason=reason,
                    clause=t.clause or "附件3",
                )
                ev.actor_id, ev.actor_name = user_id, name
                ev._refs = {"task": t}
                p.preferred.append(ev)
