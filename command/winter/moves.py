"""The lifecycle of a drafted incident as the timeline events ``incidents.lifecycle`` would record:
report, assessment, activation (the decider by the approval routes), raise, end, aftermath, archive."""

from datetime import timedelta
from fractions import Fraction

from django.utils import timezone

from incidents import lifecycle
from incidents.choices import ResponseLevel
from incidents.models import TimelineEvent
from incidents.timeline import timeline_event
from orgchart.approvals import LevelChange, approval

from .common import as_of, hours, minutes
from .data import DISMISS_REASONS


class LifecyclePlanner:
    """State moves and their events (a ``Winter`` part)."""

    def event(self, p, at, kind, summary, *, user=None, post="", **fields):
        """An event as the writers record it (``incidents.timeline.timeline_event``), for ``bulk_create``."""
        ev = timeline_event(p.inc, kind=kind, actor=user, summary=summary, at=at, actor_post=post, **fields)
        ev._refs = {}
        return ev

    def grade(self, p):
        """The accident grade (附件5) from the verified figures, by the model (the figures stay put)."""
        if not hasattr(p, "_grade"):
            p._grade = p.inc.grade()[0]
        return p._grade

    def rec(self, p, at, restored=None):
        """The 附件4 recommendation by the model as it stood at ``at`` (``restored=False``: just before
        the restoration). Cached per incident on what it depends on at a given time: whether heat was
        back and whether the outage had lasted the plan's hours (firm_after_hours)."""
        inc = p.inc
        back = inc.restored_at is not None and inc.restored_at <= at if restored is None else restored
        with as_of(inc, at):
            if not back:
                inc.restored_at = None
            elapsed = inc.unrestored_hours(at)
            firm = None if elapsed is None else elapsed >= Fraction(inc.rules_data["firm_after_hours"])
            key = (back, firm)
            cache = p.__dict__.setdefault("_recs", {})
            if key not in cache:
                cache[key] = inc.recommendation(at)
        return cache[key]

    def created_event(self, p):
        inc = p.inc
        at = inc.reported_at
        grade, rec = self.grade(p), self.rec(p, at)
        p.essentials.append(
            self.event(
                p,
                at,
                TimelineEvent.Kind.CREATED,
                f"接报登记：{inc.title}",
                user=self.user("office"),
                clause="§5.1",
                data={
                    "grade": grade.value if grade else None,
                    "recommended_level": int(rec.level) if rec.level else None,
                    "recommendation_status": rec.status,
                    "clauses": list(rec.clauses),
                },
            )
        )

    def move(self, p, name, at, *, username=None, level=None, reason="", system=False):
        """A state move as ``lifecycle.perform`` records it (clauses and conditions by its own code), by
        ``username`` or else by the demo user who decides its action (the approval routes); returns who."""
        inc, spec = p.inc, lifecycle.MOVES[name]
        old_state = p._state
        old_level = p.levels[-1][0] if p.levels else None
        with as_of(inc, at, level=old_level):
            action, clause = lifecycle.authority(inc, spec, {"level": level})
            extra = lifecycle.check_conditions(
                inc, spec, {"merged_into": None, "level": level, "reason": reason or "-"}, at
            )
        if extra:
            clause = "、".join([clause, *extra])
        username = username or self.ctx.deciders[action]
        user = self.user(username)
        post = "随响应结束转入（§7）" if system else self.ctx.posts_of.get((username, action), "")
        new_state = spec.target or old_state
        new_level = old_level
        if name in ("activate", "change_level"):
            new_level = int(level)
            p.levels.append((new_level, at))
        summary = str(spec.label)
        if name == "activate":
            summary = f"启动{ResponseLevel(new_level).label}响应"
        elif name == "change_level":
            summary = f"响应级别由{ResponseLevel(old_level).label}调整为{ResponseLevel(new_level).label}"
        p.essentials.append(
            self.event(
                p,
                at,
                TimelineEvent.Kind.LEVEL if name == "change_level" else TimelineEvent.Kind.STATE,
                summary,
                user=user,
                post=post,
                reason=reason,
                clause=clause,
                data={"move": name, "action": action, "acting_for": []},
                from_state=old_state,
                to_state=new_state,
                from_level=old_level,
                to_level=new_level,
            )
        )
        p._state = new_state
        return username

    def end_decider(self, level):
        """Who ends a response at ``level`` (§5.3.6): its decider in the approval table (orgchart.approvals)."""
        return self.ctx.deciders[approval(LevelChange.END, level, None).decide_action]

    def activation_reason(self, p, level, at):
        """A written reason where the level is the command's judgment (附件4 condition (4))."""
        inc, rec = p.inc, self.rec(p, at)
        if not lifecycle.is_judgment(ResponseLevel(level), rec):
            return ""
        if inc.people_at_risk_peak:
            why = f"{inc.people_at_risk_peak}人涉险、被困，需立即组织救援"
        elif inc.serious_injuries or inc.deaths:
            why = "发生人员伤亡"
        else:
            why = f"停热约{inc.affected_households:,}户，预计短时间内难以恢复"
        return f"{why}，经研判决定启动{ResponseLevel(level).label}响应（附件4第4项）"

    def respond(self, p, level, t_assess, horizon):
        """assess → activate (maybe one level lower first, raised later); returns the activation time."""
        rng = self.rng
        raised = level < 4 and rng.random() < 0.08
        first = level + 1 if raised else level
        span = (horizon - t_assess).total_seconds() / 60
        t_act = t_assess + minutes(min(rng.uniform(10, 150), span * rng.uniform(0.05, 0.25)))
        self.move(
            p,
            "activate",
            t_act,
            level=first,
            reason=self.activation_reason(p, first, t_act),
        )
        p.act_at = t_act
        if raised:
            t_raise = t_act + (horizon - t_act) * rng.uniform(0.1, 0.4)
            self.move(
                p,
                "change_level",
                t_raise,
                level=level,
                reason="抢修难度加大、停热范围扩大，提高响应级别",
            )
        return t_act

    def lifecycle_past(self, p, level):
        rng, inc = self.rng, p.inc
        p._state = "reported"
        self.created_event(p)
        t = inc.reported_at
        latest = self.now - hours(1)
        if p.fate == "dismissed":
            if rng.random() < 0.4:
                t = t + minutes(rng.uniform(3, 30))
                self.move(p, "start_assessment", t, username="office")
            t = t + minutes(rng.uniform(10, 180))
            self.move(p, "dismiss", t, username="office", reason=rng.choice(DISMISS_REASONS))
            p.close_at = t
            return
        t_assess = t + minutes(rng.uniform(3, 40))
        self.move(p, "start_assessment", t_assess, username="office")
        if p.fate in ("handled", "handled_archived"):
            if inc.restored_at <= t_assess + hours(3):
                t_close = max(inc.restored_at, t_assess) + minutes(rng.uniform(5, 60))
                reason = (
                    f"经研判：停热约{inc.affected_households:,}户，已于"
                    f"{timezone.localtime(inc.restored_at, self.tz):%m月%d日%H:%M}恢复供热，未达到响应条件，"
                    "由供热企业处置"
                )
            else:
                t_close = t_assess + minutes(rng.uniform(30, 180))
                reason = f"经研判：停热约{inc.affected_households:,}户，供热企业正在抢修，未达到响应条件，由供热企业处置"
            self.move(p, "close_without_response", t_close, username="office", reason=reason)
            p.close_at = t_close
            if p.fate == "handled_archived":
                t_arch = min(t_close + timedelta(days=rng.uniform(1, 20)), latest)
                self.move(p, "archive", max(t_arch, t_close + minutes(1)), username="office")
                p.close_at = max(t_arch, t_close + minutes(1))
            return
        # responded: activate, (raise), end after restoration, aftermath, archive
        horizon = max(inc.restored_at, t_assess + hours(2))
        self.respond(p, level, t_assess, horizon)
        p.end_at = horizon + hours(rng.uniform(0.5, 8))
        p.close_at = p.end_at  # tasks and extras happen before the end (set again below)

    def finish_past(self, p):
        """End, aftermath, archive: after the tasks are known (the end comes after the last of them)."""
        rng = self.rng
        t_end = p.end_at
        ender = self.move(
            p,
            "end_response",
            t_end,
            reason="已全面恢复供热，遇险人员全部救出，次生、衍生危害已消除",
        )
        self.move(p, "begin_aftermath", t_end, username=ender, system=True)
        t_arch = min(t_end + timedelta(days=rng.uniform(2, 30)), self.now - hours(1))
        t_arch = max(t_arch, t_end + minutes(1))
        self.move(p, "archive", t_arch, username="office")

    def lifecycle_active(self, p, level):
        rng, inc, now = self.rng, p.inc, self.now
        p._state = "reported"
        self.created_event(p)
        p.close_at = now
        if p.fate == "reported":
            return
        span = (now - inc.reported_at).total_seconds() / 60
        t_assess = inc.reported_at + minutes(span * rng.uniform(0.03, 0.25))
        self.move(p, "start_assessment", t_assess, username="office")
        if p.fate == "responding":
            self.respond(p, level, t_assess, now - minutes(2))
