"""The plan's organisation (§2, 附件2, 附件3): units, counties, service areas, command bodies, posts, the
eight working groups and the expert directory."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    REGULATOR = "regulator", _("监管部门")
    ARMED_POLICE = "armed_police", _("武警部队")
    FIRE_BRIGADE = "fire_brigade", _("消防救援队伍")
    UTILITY = "utility", _("公用事业单位")
    ENTERPRISE_CATEGORY = "enterprise_category", _("企业类别")
    ENTERPRISE = "enterprise", _("企业")
    COUNTY_GOVERNMENT = "county_government", _("县级政府")


class CompanyType(models.TextChoices):
    HEATING = "heating", _("供热企业")  # §8.3.3
    HEAT_SOURCE = "heat_source", _("热源单位")  # §8.3.4
    WATER = "water", _("供水企业")


class Unit(models.Model):
    """A member unit of 附件2, a company under one of its two categories (各供水企业, 各供热企业),
    or a county-level government (事发地县级政府, DOMAIN.md §4)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("预案中的名称"), max_length=100)
    current_name = models.CharField(
        _("现名称"), max_length=100, blank=True, help_text=_("机构改革后的现名称；预案中的名称保持不变。")
    )
    kind = models.CharField(_("类别"), max_length=24, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="companies",
    )
    company_type = models.CharField(_("企业类型"), max_length=16, choices=CompanyType.choices, blank=True)
    # A water company's supply area (附件3 应急保障组 "各供水企业", reading): at activation the water company
    # serving the incident's county is assigned; the others are offered to the office.
    serves_counties = models.ManyToManyField(
        "County", verbose_name=_("供水服务县区"), related_name="water_companies", blank=True
    )
    duties = models.TextField(_("职责"), blank=True)
    duties_clause = models.CharField(_("职责出处"), max_length=40, blank=True)
    in_section_2_1 = models.BooleanField(_("列于§2.1成员单位"), default=False)
    duty_phone = models.CharField(_("值班电话"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=UnitKind.values), name="unit_kind_valid"),
            models.CheckConstraint(
                condition=(Q(kind="enterprise", parent__isnull=False) & ~Q(company_type=""))
                | (~Q(kind="enterprise") & Q(company_type="")),
                name="unit_company_has_category_and_type",
            ),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("orgchart:unit", args=[self.code])

    @property
    def display_name(self):
        """The current name where it changed, else the plan's name."""
        return self.current_name or self.name

    @property
    def is_category(self):
        return self.kind == UnitKind.ENTERPRISE_CATEGORY

    @property
    def plan_duties(self):
        """A company carries its category's duties (附件2 各供热企业 / 各供水企业)."""
        return self.duties or (self.parent.duties if self.parent_id else "")

    @property
    def plan_duties_clause(self):
        return self.duties_clause or (self.parent.duties_clause if self.parent_id else "")


class County(models.Model):
    """A county-level area (DOMAIN.md §4); its government is the per-incident 事发地县级政府."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("县（市、区）"), max_length=20, unique=True)
    government = models.OneToOneField(
        Unit, verbose_name=_("县级政府"), on_delete=models.PROTECT, related_name="county"
    )
    map_county = models.CharField(
        _("地图上所在县区"), max_length=20, help_text=_("运城开发区在地图上显示于盐湖区内。")
    )
    in_built_up_area = models.BooleanField(_("属城市建成区"), default=False)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("县（市、区）")
        verbose_name_plural = _("县（市、区）")
        ordering = ["order"]

    def __str__(self):
        return self.name


class ServiceArea(models.Model):
    """A heating service area: the denominator of the outage share (DOMAIN.md §3, 附件4(1)).
    The plan covers the city's built-up area (§1.4); a county's own network can be added."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    counties = models.ManyToManyField(County, verbose_name=_("包含县区"), related_name="service_areas")
    heated_area_m2 = models.DecimalField(
        _("供热面积（平方米）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    households = models.PositiveIntegerField(_("供热户数"), null=True, blank=True)
    totals_as_of = models.DateField(_("统计日期"), null=True, blank=True)
    totals_are_demo = models.BooleanField(_("面积为演示数据"), default=False)
    is_default = models.BooleanField(_("默认"), default=False)
    clause = models.CharField(_("出处"), max_length=40, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("供热服务区域")
        verbose_name_plural = _("供热服务区域")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_service_area"
            ),
            models.CheckConstraint(
                condition=Q(heated_area_m2__isnull=True) | Q(heated_area_m2__gt=0),
                name="service_area_positive_area",
            ),
        ]

    def __str__(self):
        return self.name

    def covers(self, county_id):
        """Whether this area serves the county (附件4(1), reading: the share only against a covering
        area). One query unless ``counties`` was prefetched."""
        return any(c.pk == county_id for c in self.counties.all())

    def county_names(self):
        return "、".join(c.name for c in self.counties.all())


class CommandBody(models.Model):
    """市指挥部, its 办公室, 市应急救援总指挥部, 现场指挥部 (§2, 附件2)."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    short_name = models.CharField(_("简称"), max_length=20, blank=True)
    duties = models.TextField(_("职责"), blank=True)
    note = models.TextField(_("说明"), blank=True)
    clause = models.CharField(_("出处"), max_length=40)
    host_unit = models.ForeignKey(
        Unit, verbose_name=_("设在"), null=True, blank=True, on_delete=models.PROTECT
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("指挥机构")
        verbose_name_plural = _("指挥机构")
        ordering = ["order"]

    def __str__(self):
        return self.name


class Position(models.Model):
    """A post the plan names (指挥长, 副指挥长 …) or that the software needs (unit head, liaison,
    duty officer). ``scope`` says whether an appointment to it names a unit or a group."""

    class Scope(models.TextChoices):
        NONE = "none", _("无")
        UNIT = "unit", _("单位")
        GROUP = "group", _("工作组")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    body = models.ForeignKey(
        CommandBody,
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="positions",
    )
    holder_definition = models.CharField(_("预案规定的担任者"), max_length=200)
    holder_unit = models.ForeignKey(
        Unit,
        verbose_name=_("担任者所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope = models.CharField(_("任职范围"), max_length=8, choices=Scope.choices, default=Scope.NONE)
    clause = models.CharField(_("出处"), max_length=60)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_reading = models.BooleanField(
        _("解读"), default=False, help_text=_("预案未明文规定，此岗位为本系统的解读。")
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["none", "unit", "group"]), name="position_scope_valid"
            )
        ]

    def __str__(self):
        return (
            self.name
            if not self.holder_unit_id or self.scope != "none"
            else f"{self.name}（{self.holder_definition}）"
        )


class WorkingGroup(models.Model):
    """One of the eight on-site working groups of 附件3."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=20)
    leader_text = models.CharField(_("组长"), max_length=200)
    members_text = models.TextField(_("成员单位"))
    includes_county = models.BooleanField(_("含事发地县级政府"), default=False)
    duties = models.TextField(_("职责"))
    expert_tasks = models.TextField(_("专家主要任务"), blank=True)
    clause = models.CharField(_("出处"), max_length=20, default="附件3")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工作组")
        verbose_name_plural = _("工作组")
        ordering = ["order"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgchart:group", args=[self.code])


class GroupLeader(models.Model):
    """附件3 组长: the head (主要负责人) or deputy head (分管负责人) of a unit; ``unit`` empty means
    事发地县级政府, resolved per incident."""

    class Rank(models.TextChoices):
        HEAD = "head", _("主要负责人")
        DEPUTY_HEAD = "deputy_head", _("分管负责人")

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="leaders")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rank = models.CharField(max_length=12, choices=Rank.choices)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "unit", "rank"], name="group_leader_unique", nulls_distinct=False
            )
        ]

    def __str__(self):
        return f"{self.group} · {self.unit or '事发地县级政府'} {self.get_rank_display()}"

    @property
    def position_code(self):
        return "unit_head" if self.rank == self.Rank.HEAD else "unit_deputy_head"


class GroupMembership(models.Model):
    """A member unit of a working group (附件3), standing membership the office maintains."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="group_memberships")
    order = models.PositiveIntegerField(default=0)
    from_plan = models.BooleanField(_("预案规定"), default=True)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["group", "unit"], name="group_member_unique")]

    def __str__(self):
        return f"{self.group} · {self.unit}"


class Expert(models.Model):
    """技术专家组 expert directory (附件3)."""

    name = models.CharField(_("姓名"), max_length=40)
    field = models.CharField(_("专业领域"), max_length=100)
    organisation = models.CharField(_("工作单位"), max_length=100)
    phone = models.CharField(_("电话"), max_length=40)
    active = models.BooleanField(_("启用"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家库")
        ordering = ["field", "name"]

    def __str__(self):
        return f"{self.name}（{self.field}）"
