"""The call to the scene (到岗通知, §5.3.3(1), 附件1): who is sent, and their 收到 / 已到岗 — from their own
link on a phone, logged in, or recorded by the office after a phone call."""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import State
from incidents.recording import drill_mark, recorded
from incidents.timeline import actor_name
from orgchart.models import Expert, Person

from ..common import CommandError, lock_incident, require_authority, timeline_add
from ..notifications.services import notify
from .models import CallDown, OnsiteHQ


def new_token():
    return secrets.token_urlsafe(32)


def calldown_url(calldown):
    return reverse("command:calldown", args=[calldown.token])


def calldowns_notify(calldown_ids):
    """In-app notification to each person called (exactly once); scheduled on commit."""
    ids = list(calldown_ids)

    def send():
        for cd in CallDown.objects.filter(pk__in=ids, person__isnull=False).select_related(
            "incident", "person__user"
        ):
            notify(
                [cd.person.user],
                key=f"calldown:{cd.pk}",
                kind="calldown",
                title=drill_mark(
                    _("到岗通知：请立即赶赴现场（%(title)s），并点“收到”“已到岗”确认。")
                    % {"title": cd.incident.title},
                    cd.incident.is_drill,
                ),
                body=cd.clause,
                url=calldown_url(cd),
                incident=cd.incident,
            )

    if ids:
        transaction.on_commit(send, robust=True)


def _calldown_row(incident, *, clause, role, actor, now, person=None, expert=None):
    """One person or expert called to the scene, with their own link (``token``)."""
    if person is not None:
        name, post, phone = person.name, f"{person.organisation_name} {person.title}".strip(), person.mobile
    else:
        name, post, phone, role = (
            expert.name,
            f"{expert.organisation} {expert.field}",
            expert.phone,
            CallDown.Role.EXPERT,
        )
    return CallDown(
        incident=incident,
        person=person,
        expert=expert,
        name=name,
        post=post,
        phone=phone,
        role=role,
        clause=clause,
        level=incident.level,
        token=new_token(),
        notified_at=now,
        notified_by=actor,
    )


def calldown_add(*, incident_id, actor, person_ids=(), expert_ids=(), role=CallDown.Role.TEAM, now=None):
    """Send people (a working team, HQ leaders, experts) to the scene (附件1 for Ⅳ/Ⅲ; more at any level)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        require_authority(actor, "command.record", incident)
        if incident.state != State.RESPONDING:
            raise CommandError(_("只有响应中的事件才能发出到岗通知。"))
        if not person_ids and not expert_ids:
            raise CommandError(_("请至少选择一名人员或专家。"))
        if role not in CallDown.Role.values:
            raise CommandError(_("身份不正确。"))
        clause = {4: "附件1、§5.3.1", 3: "附件1、§5.3.2"}.get(incident.level, "§5.3.3(1)")
        row = {"clause": clause, "role": role, "actor": actor, "now": now}
        people = Person.objects.filter(pk__in=person_ids, active=True).select_related("unit")
        if len(people) != len(set(person_ids)):
            raise CommandError(_("所选人员不存在或已不在职。"))
        rows = [_calldown_row(incident, person=p, **row) for p in people]
        experts = Expert.objects.filter(pk__in=expert_ids, active=True)
        if len(experts) != len(set(expert_ids)):
            raise CommandError(_("所选专家不存在或已停用。"))
        rows += [_calldown_row(incident, expert=e, **row) for e in experts]
        existing = set(CallDown.objects.filter(incident=incident).values_list("person_id", "expert_id"))
        rows = [r for r in rows if (r.person_id, r.expert_id) not in existing]
        created = CallDown.objects.bulk_create(rows)
        if created:
            with recorded():
                timeline_add(
                    incident,
                    actor=actor,
                    at=now,
                    summary=_("通知赶赴现场：%(names)s") % {"names": "、".join(r.name for r in created)},
                    clause=clause,
                    data={"calldowns": [r.pk for r in created]},
                )
            calldowns_notify(r.pk for r in created)
    return created


def _confirmed_how(cd, *, token, user, recorded_by):
    """Who confirms, in the record's words; refused when it is someone else's call without its link."""
    if recorded_by is not None:
        require_authority(recorded_by, "command.record", cd.incident)
        return _("%(who)s代为登记") % {"who": actor_name(recorded_by)}
    if user is not None and cd.person_id and getattr(user, "person", None) and user.person.pk == cd.person_id:
        return _("本人确认")
    if token and user is not None and getattr(user, "is_authenticated", False):
        # A forwarded link opened by another logged-in person: record who really confirmed it.
        return _("由%(who)s代为确认（转发的链接）") % {"who": actor_name(user)}
    if token:
        return _("本人通过链接确认")
    raise PermissionDenied(_("只能确认发给自己的到岗通知。"))


def calldown_confirm(*, token=None, calldown_id=None, what, user=None, recorded_by=None, now=None):
    """收到 / 已到岗. From the person's own link (``token``), as the person logged in, or recorded by the
    office for them (``recorded_by``, e.g. after a phone call). Arriving implies received. The
    commander's arrival is when he sets up the on-site HQ and takes command (§5.3.3(2))."""
    now = now or timezone.now()
    if what not in ("received", "arrived"):
        raise CommandError(_("确认类型不正确。"))
    with transaction.atomic():
        qs = CallDown.objects.select_for_update(of=("self",)).select_related("incident", "person")
        try:
            cd = qs.get(token=token) if token else qs.get(pk=calldown_id)
        except CallDown.DoesNotExist:
            raise CommandError(_("没有这条到岗通知（链接可能已失效）。")) from None
        how = _confirmed_how(cd, token=token, user=user, recorded_by=recorded_by)
        if cd.incident.state != State.RESPONDING:
            raise CommandError(_("事件已不在响应中，无需再确认到岗。"))
        fields = []
        if cd.received_at is None:
            cd.received_at, cd.received_recorded_by = now, how
            fields += ["received_at", "received_recorded_by"]
        if what == "arrived" and cd.arrived_at is None:
            cd.arrived_at, cd.arrived_recorded_by = now, how
            fields += ["arrived_at", "arrived_recorded_by"]
        if not fields:
            return cd
        cd.save(update_fields=fields)
        actor = recorded_by or user or (cd.person.user if cd.person_id else None)
        with recorded():
            summary = (_("%(name)s已到岗") if "arrived_at" in fields else _("%(name)s收到到岗通知")) % {
                "name": cd.name
            }
            timeline_add(
                cd.incident,
                actor=actor,
                at=now,
                summary=f"{summary}（{how}）",
                clause=cd.clause,
                data={"calldown": cd.pk, "what": what},
            )
            if "arrived_at" in fields and cd.role == CallDown.Role.COMMANDER:
                _commander_arrived(cd, actor, now)
    return cd


def _commander_arrived(cd, actor, now):
    """The commander on the scene: the on-site HQ takes command (§5.3.3(2)), once."""
    hq = OnsiteHQ.objects.select_for_update().filter(incident=cd.incident).first()
    if hq is not None and hq.command_taken_at is None:
        hq.command_taken_at, hq.command_taken_by = now, cd.person
        hq.save(update_fields=["command_taken_at", "command_taken_by"])
        timeline_add(
            cd.incident,
            actor=actor,
            at=now,
            summary=_("指挥长%(name)s到达现场，现场指挥部接管指挥权") % {"name": cd.name},
            clause="§5.3.3(2)",
        )
