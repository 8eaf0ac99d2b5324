"""Writes of the incident's response: the on-site HQ's members, the checklist of §5.3.1–§5.3.4, and the
leaders' instructions (批示) with what was done about them. Each locks what it changes, checks the
plan's authority, and writes the incident's timeline in the same transaction."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.inputs import FIELDS, window_error
from incidents.choices import State
from incidents.recording import recorded
from incidents.timeline import actor_name
from orgchart.models import Person

from ..common import CommandError, lock_incident, require_authority, timeline_add
from .calldowns import calldowns_notify, new_token
from .models import CallDown, ChecklistItem, Instruction, OnsiteHQ, OnsiteMember


def onsite_member_add(*, incident_id, actor, person_id, now=None):
    """The commander adds a member to the on-site HQ for this incident (§2.1: 指挥长可根据需要
    增加相关单位分管负责人为成员); the member is called to the scene too."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        require_authority(actor, "onsite.add_member", incident)
        if incident.state != State.RESPONDING:
            raise CommandError(_("事件已不在响应中，不能再增加现场指挥部成员。"))
        if not OnsiteHQ.objects.filter(incident=incident).exists():
            raise CommandError(_("现场指挥部在Ⅱ级及以上响应时成立（§5.3.3(2)），本事件尚未成立。"))
        person = Person.objects.filter(pk=person_id, active=True).select_related("unit").first()
        if person is None:
            raise CommandError(_("所选人员不存在或已不在职。"))
        try:
            with transaction.atomic():
                OnsiteMember.objects.create(
                    incident=incident,
                    person=person,
                    role=OnsiteMember.Role.MEMBER,
                    post=f"{person.organisation_name} {person.title}".strip(),
                    clause="§2.1",
                    added_at=now,
                    added_by=actor,
                )
        except IntegrityError:
            raise CommandError(_("%(name)s已是现场指挥部成员。") % {"name": person.name}) from None
        with recorded():
            timeline_add(
                incident,
                actor=actor,
                at=now,
                summary=_("现场指挥部增加成员：%(name)s") % {"name": person.name},
                clause="§2.1",
            )
        cd, created = CallDown.objects.get_or_create(
            incident=incident,
            person=person,
            defaults={
                "name": person.name,
                "post": f"{person.organisation_name} {person.title}".strip(),
                "phone": person.mobile,
                "role": CallDown.Role.OTHER,
                "clause": "§5.3.3(1)",
                "level": incident.level,
                "token": new_token(),
                "notified_at": now,
                "notified_by": actor,
            },
        )
        if created:
            calldowns_notify([cd.pk])


def checklist_mark(*, item_id, actor, done, note="", now=None):
    """Tick (or untick) a duty of §5.3.1–§5.3.4; each change is on the timeline."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            item = (
                ChecklistItem.objects.select_for_update(of=("self",))
                .select_related("incident")
                .get(pk=item_id)
            )
        except ChecklistItem.DoesNotExist:
            raise CommandError(_("没有这一项。")) from None
        require_authority(actor, "command.record", item.incident)
        if item.incident.state not in (State.RESPONDING, State.RESPONSE_ENDED):
            raise CommandError(_("事件已不在响应中，工作清单不能再修改。"))
        note = (note or "").strip()[:300]
        if done == (item.done_at is not None) and note == item.note:
            return item
        item.done_at = now if done else None
        item.done_by = actor if done else None
        item.done_by_name = actor_name(actor) if done else ""
        item.note = note
        item.save(update_fields=["done_at", "done_by", "done_by_name", "note"])
        with recorded():
            timeline_add(
                item.incident,
                actor=actor,
                at=now,
                summary=(_("完成：%(text)s") if done else _("撤销完成标记：%(text)s"))
                % {"text": item.text[:200]},
                clause=item.clause,
                reason=note,
                data={"checklist": item.code},
            )
    return item


def _check_length(model, name, value):
    """A text longer than its column: the model's max_length, said in Chinese (issue 16)."""
    field = model._meta.get_field(name)
    if value and len(value) > field.max_length:
        raise CommandError(
            _("%(label)s最多%(n)s个字（填写了%(len)s个字）。")
            % {"label": field.verbose_name, "n": field.max_length, "len": len(value)}
        )


def instruction_add(*, incident_id, actor, source, given_by, given_at, text, now=None):
    now = now or timezone.now()
    given_by, text = (given_by or "").strip(), (text or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        require_authority(actor, "command.record", incident)
        if source not in Instruction.Source.values:
            raise CommandError(_("请选择批示来源。"))
        if not given_by or not text:
            raise CommandError(_("批示人和批示内容都须填写。"))
        if given_at is None or given_at > now + timedelta(minutes=1):
            raise CommandError(_("批示时间须填写，且不能晚于现在。"))
        if message := window_error(given_at, FIELDS["command.Instruction"]["given_at"], _("批示时间"), now):
            raise CommandError(message)
        _check_length(Instruction, "given_by", given_by)
        item = Instruction.objects.create(
            incident=incident,
            source=source,
            given_by=given_by,
            given_at=given_at,
            text=text,
            recorded_by=actor,
            recorded_at=now,
        )
        with recorded():
            timeline_add(
                incident,
                actor=actor,
                at=now,
                summary=_("登记%(source)s：%(who)s") % {"source": item.get_source_display(), "who": given_by},
                clause=item.clause,
                reason=text,
                data={"instruction": item.pk},
            )
    return item


def instruction_update(
    *, instruction_id, actor, action_taken="", action_by="", reported_back=False, now=None
):
    """Record what was done about an instruction and, once reported back, close it."""
    now = now or timezone.now()
    action_taken, action_by = (action_taken or "").strip(), (action_by or "").strip()
    with transaction.atomic():
        try:
            item = (
                Instruction.objects.select_for_update(of=("self",))
                .select_related("incident")
                .get(pk=instruction_id)
            )
        except Instruction.DoesNotExist:
            raise CommandError(_("没有这条批示。")) from None
        require_authority(actor, "command.record", item.incident)
        if not item.is_open:
            raise CommandError(_("这条批示已反馈办结，不能再修改。"))
        if not action_taken and not reported_back:
            raise CommandError(_("请填写落实情况。"))
        _check_length(Instruction, "action_by", action_by)
        if reported_back and not (action_taken or item.action_taken):
            raise CommandError(_("反馈前须先填写落实情况。"))
        fields = []
        if action_taken:
            item.action_taken, item.action_by, item.action_at = (
                action_taken,
                action_by or actor_name(actor),
                now,
            )
            fields += ["action_taken", "action_by", "action_at"]
        if reported_back:
            item.reported_back_at, item.reported_back_by = now, actor_name(actor)
            fields += ["reported_back_at", "reported_back_by"]
        item.save(update_fields=fields)
        with recorded():
            timeline_add(
                item.incident,
                actor=actor,
                at=now,
                summary=(_("批示已落实并反馈：%(who)s") if reported_back else _("批示落实情况：%(who)s"))
                % {"who": item.given_by},
                clause=item.clause,
                reason=action_taken,
                data={"instruction": item.pk},
            )
    return item
