"""Aftermath records (§7; issue 9): the investigation record and the office's summary, each a series of
revisions, and the improvement measures. The §7.1 aftermath items are tasks (``command.Assignment`` with
``phase="aftermath"``), so they have the response's mechanics: sign for, progress, done, reminders.

A revision is a draft while it is being written (saved as you go, one draft per record at most) and
locked once submitted: a submitted revision is never changed or deleted, in the model and in the
database (a correction is a new revision, with who, when and why; the earlier one stays readable).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.inputs import window_constraint


class Kind(models.TextChoices):
    INVESTIGATION = "investigation", _("调查评估报告")
    SUMMARY = "summary", _("办公室总结")


class RecordLocked(Exception):
    """A submitted revision is locked (§7.2 record; issue 9)."""


class Record(models.Model):
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="aftermath_records"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    # The investigating level when the record was opened (plan.TEAM_BY_GRADE, a reading), kept so a
    # later change of figures does not silently move the record to another team.
    team_level = models.CharField(_("调查主体"), max_length=12, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("后期处置记录")
        verbose_name_plural = _("后期处置记录")
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="aftermath_record_once"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="aftermath_record_kind_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.incident}"


class Revision(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField(_("内容"), default=dict)
    reason = models.TextField(_("更正理由"), blank=True)
    saved_at = models.DateTimeField(_("保存时间"), default=timezone.now)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_by_name = models.CharField(_("保存人"), max_length=60)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by_name = models.CharField(_("提交人"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("记录版本")
        verbose_name_plural = _("记录版本")
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="aftermath_revision_number"),
            models.UniqueConstraint(
                fields=["record"], condition=Q(status="draft"), name="aftermath_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", submitted_at__isnull=True)
                | Q(status="submitted", submitted_at__isnull=False),
                name="aftermath_revision_submitted_at",
            ),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(reason=""), name="aftermath_correction_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.record} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk and self._stored_status() == self.Status.SUBMITTED:
            raise RecordLocked(_("已提交的版本不能修改；更正请新建版本并写明理由。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == self.Status.SUBMITTED:
            raise RecordLocked(_("已提交的版本不能删除。"))
        return super().delete(*args, **kwargs)

    def _stored_status(self):
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()


class Measure(models.Model):
    """An improvement measure of the office's summary (§7.2 last paragraph): an owner, a due date,
    tracked to done."""

    class State(models.TextChoices):
        OPEN = "open", _("未完成")
        DONE = "done", _("已完成")

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="measures")
    text = models.TextField(_("改进措施"))
    owner_unit = models.ForeignKey(
        "orgchart.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    owner_name = models.CharField(_("责任人"), max_length=60, blank=True)
    due_on = models.DateField(_("完成时限"))
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by_name = models.CharField(_("完成确认人"), max_length=60, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True)

    class Meta:
        verbose_name = _("改进措施")
        verbose_name_plural = _("改进措施")
        ordering = ["due_on", "id"]
        constraints = [
            window_constraint("aftermath.Measure", "measure_due_on_plausible"),  # issue 16
            models.CheckConstraint(condition=Q(state__in=["open", "done"]), name="measure_state_valid"),
            models.CheckConstraint(
                condition=Q(state="open", done_at__isnull=True) | Q(state="done", done_at__isnull=False),
                name="measure_done_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_on"], name="measure_state_due")]

    def __str__(self):
        return self.text[:40]

    def is_overdue(self, today=None):
        return self.state == self.State.OPEN and self.due_on < (today or timezone.localdate())
