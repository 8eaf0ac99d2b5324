"""People of the organisation: their posts (appointments), absences (AB角 act meanwhile), the duty roster."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.inputs import window_constraint

from .units import Position, Unit, WorkingGroup


class Channel(models.TextChoices):
    IN_APP = "in_app", _("站内消息")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    WECOM = "wecom", _("企业微信")
    PHONE = "phone", _("电话")


class Person(models.Model):
    """A person of the organisation: a Django user with a profile."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person")
    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    organisation = models.CharField(
        _("工作单位（非成员单位）"),
        max_length=100,
        blank=True,
        help_text=_("不属于成员单位时填写，如“运城市人民政府”。"),
    )
    mobile = models.CharField(_("手机"), max_length=20, blank=True)
    office_phone = models.CharField(_("办公电话"), max_length=40, blank=True)
    channels = models.JSONField(_("接收渠道"), default=list, blank=True)
    active = models.BooleanField(_("在职"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["unit__order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgchart:person", args=[self.pk])

    @property
    def organisation_name(self):
        return self.unit.display_name if self.unit_id else self.organisation

    def channel_labels(self):
        return [Channel(c).label for c in self.channels if c in Channel.values]


class Appointment(models.Model):
    """A person in a position (holder or deputy), scoped to a unit or group where the position is.
    The deputy acts when every holder of the same post is away (``Absence``)."""

    class Role(models.TextChoices):
        HOLDER = "holder", _("担任")
        DEPUTY = "deputy", _("代理（AB角）")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="appointments")
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="appointments")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    group = models.ForeignKey(
        WorkingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices, default=Role.HOLDER)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "position", "unit", "group", "role"],
                name="appointment_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(role__in=["holder", "deputy"]), name="appointment_role_valid"),
        ]

    def __str__(self):
        scope = self.unit or self.group
        return f"{self.person} · {self.position.name}{f'（{scope}）' if scope else ''} · {self.get_role_display()}"


class Absence(models.Model):
    """A person away (leave, travel, sick): their deputies act for them meanwhile."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("不在岗")
        verbose_name_plural = _("不在岗")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="absence_ends_after_start"
            ),
            window_constraint("orgchart.Absence", "absence_times_plausible"),  # issue 16
        ]

    def __str__(self):
        return f"{self.person} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


class DutyShift(models.Model):
    """值班表: per shift, the 值班员 and the 带班领导 who get night-time reports and first reminders."""

    class Kind(models.TextChoices):
        DAY = "day", _("白班")
        NIGHT = "night", _("夜班")

    # kind → (start, length): 白班 08:00–20:00, 夜班 20:00–次日08:00. A reading: the plan sets no pattern.
    SHIFT_TIMES = {"day": (time(8, 0), timedelta(hours=12)), "night": (time(20, 0), timedelta(hours=12))}

    date = models.DateField(_("日期"))
    kind = models.CharField(_("班次"), max_length=8, choices=Kind.choices)
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    duty_officer = models.ForeignKey(
        Person, verbose_name=_("值班员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    duty_leader = models.ForeignKey(
        Person, verbose_name=_("带班领导"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("值班")
        verbose_name_plural = _("值班表")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["date", "kind"], name="duty_shift_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="duty_shift_ends_after_start"
            ),
            window_constraint("orgchart.DutyShift", "duty_shift_times_plausible"),  # issue 16
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"

    @classmethod
    def bounds(cls, day, kind):
        start, length = cls.SHIFT_TIMES[kind]
        begins = timezone.make_aware(datetime.combine(day, start), timezone.get_current_timezone())
        return begins, begins + length
