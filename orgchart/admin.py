"""The Django admin for the org chart: for administrators, behind the office's own pages.

- The plan's text (names, duties, clauses of 附件2/附件3, positions, groups, counties) is read-only here:
  it changes with a revision of the plan (§8.2) through ``load_plan``, never by hand.
- Every change made here is recorded in OrgChange like the office's own edits (services.record_edit).
- OrgChange itself is append-only: no add, change or delete, not even for a superuser.
- Units are deactivated, not deleted (incidents and history refer to them).
"""

from django.contrib import admin
from django.db import transaction

from . import services
from .models import (
    Absence,
    Appointment,
    CommandBody,
    County,
    DutyShift,
    Expert,
    GroupLeader,
    GroupMembership,
    OrgChange,
    Person,
    Position,
    ServiceArea,
    Unit,
    UnitKind,
    WorkingGroup,
)


class AuditedAdmin(admin.ModelAdmin):
    """Every save and delete through the admin writes an OrgChange, like the office's pages."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            old = type(obj).objects.select_for_update().get(pk=obj.pk) if change else None
            before = services.snapshot(old, form.changed_data) if old is not None else None
            super().save_model(request, obj, form, change)
            if change:
                after = {
                    **services.snapshot(obj, form.changed_data),
                    **{
                        n: [str(x) for x in form.cleaned_data[n]]
                        for n in form.changed_data
                        if n in services.m2m_names(obj)
                    },
                }
                services.record_edit(
                    actor=request.user, action="update", obj=obj, before=before, after=after, via="管理后台"
                )
            else:
                services.record_edit(
                    actor=request.user,
                    action="create",
                    obj=obj,
                    before={},
                    after=services.snapshot(
                        obj, [f.name for f in obj._meta.concrete_fields if f.name != "id"]
                    ),
                    via="管理后台",
                )

    def delete_model(self, request, obj):
        with transaction.atomic():
            services.record_edit(
                actor=request.user,
                action="delete",
                obj=obj,
                before=services.snapshot(obj, [f.name for f in obj._meta.concrete_fields if f.name != "id"]),
                after={},
                via="管理后台",
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class PlanTextAdmin(admin.ModelAdmin):
    """A model transcribed from the plan: viewable, not addable or deletable here."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


UNIT_PLAN_FIELDS = (
    "code",
    "name",
    "kind",
    "parent",
    "company_type",
    "duties",
    "duties_clause",
    "in_section_2_1",
    "order",
    "is_demo",
)


class CompanyInline(admin.TabularInline):
    model = Unit
    fk_name = "parent"
    fields = ("code", "name", "company_type", "duty_phone", "active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "企业"
    verbose_name_plural = "企业（在办公室页面“添加企业”）"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(PlanTextAdmin, AuditedAdmin):
    list_display = ("name", "current_name", "kind", "parent", "duty_phone", "active", "is_demo")
    list_filter = ("kind", "active", "is_demo")
    search_fields = ("name", "current_name", "code")
    # serves_counties: a water company's supply area (附件3 应急保障组, reading), used at activation
    fields = (*UNIT_PLAN_FIELDS, "current_name", "duty_phone", "address", "serves_counties", "active")
    filter_horizontal = ("serves_counties",)
    inlines = (CompanyInline,)

    def get_readonly_fields(self, request, obj=None):
        if (
            obj is not None and obj.kind == UnitKind.ENTERPRISE
        ):  # a company: the office's data, not the plan's
            return ("code", "kind", "parent", "duties", "duties_clause", "in_section_2_1", "is_demo")
        return UNIT_PLAN_FIELDS


@admin.register(County)
class CountyAdmin(PlanTextAdmin):
    list_display = ("name", "government", "map_county", "in_built_up_area")
    readonly_fields = ("code", "name", "government", "map_county", "in_built_up_area", "order")


@admin.register(ServiceArea)
class ServiceAreaAdmin(AuditedAdmin):
    list_display = (
        "name",
        "heated_area_m2",
        "households",
        "totals_as_of",
        "totals_are_demo",
        "is_default",
        "active",
    )
    filter_horizontal = ("counties",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CommandBody)
class CommandBodyAdmin(PlanTextAdmin):
    list_display = ("name", "short_name", "clause", "host_unit")
    readonly_fields = ("code", "name", "short_name", "duties", "note", "clause", "host_unit", "order")


@admin.register(Position)
class PositionAdmin(PlanTextAdmin):
    list_display = ("name", "holder_definition", "body", "scope", "clause", "is_reading")
    list_filter = ("body", "scope", "is_reading")
    readonly_fields = (
        "code",
        "name",
        "body",
        "holder_definition",
        "holder_unit",
        "scope",
        "clause",
        "note",
        "is_reading",
        "order",
    )


class GroupLeaderInline(admin.TabularInline):
    model = GroupLeader
    fields = ("unit", "rank")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    fields = ("unit", "from_plan", "order")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "成员单位（在办公室页面“调整成员单位”增删）"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkingGroup)
class WorkingGroupAdmin(PlanTextAdmin):
    list_display = ("name", "leader_text", "includes_county", "clause")
    readonly_fields = (
        "code",
        "name",
        "leader_text",
        "members_text",
        "includes_county",
        "duties",
        "expert_tasks",
        "clause",
        "order",
    )
    inlines = (GroupLeaderInline, GroupMembershipInline)


@admin.register(Expert)
class ExpertAdmin(AuditedAdmin):
    list_display = ("name", "field", "organisation", "phone", "active", "is_demo")
    list_filter = ("field", "active", "is_demo")
    search_fields = ("name", "field", "organisation")


class AppointmentInline(admin.TabularInline):
    model = Appointment
    fields = ("position", "unit", "group", "role")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "任职（在办公室的人员编辑页增删）"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ("name", "title", "unit", "organisation", "mobile", "active", "is_demo")
    list_filter = ("active", "is_demo", "unit__kind")
    search_fields = ("name", "mobile", "user__username", "title")
    list_select_related = ("unit",)
    autocomplete_fields = ("user",)
    readonly_fields = ("is_demo",)
    inlines = (AppointmentInline,)

    def has_delete_permission(self, request, obj=None):
        return False  # set "在职" off instead: the history keeps who did what


@admin.register(Appointment)
class AppointmentAdmin(AuditedAdmin):
    list_display = ("person", "position", "unit", "group", "role")
    list_filter = ("position", "role")
    search_fields = ("person__name",)
    list_select_related = ("person", "position", "unit", "group")
    autocomplete_fields = ("person",)


@admin.register(Absence)
class AbsenceAdmin(AuditedAdmin):
    list_display = ("person", "starts_at", "ends_at", "reason")
    list_select_related = ("person",)
    autocomplete_fields = ("person",)


@admin.register(DutyShift)
class DutyShiftAdmin(AuditedAdmin):
    list_display = ("date", "kind", "duty_officer", "duty_leader", "is_demo")
    list_filter = ("kind", "is_demo")
    date_hierarchy = "date"
    list_select_related = ("duty_officer", "duty_leader")
    readonly_fields = ("starts_at", "ends_at")

    def save_model(self, request, obj, form, change):
        obj.starts_at, obj.ends_at = DutyShift.bounds(obj.date, obj.kind)
        super().save_model(request, obj, form, change)


@admin.register(OrgChange)
class OrgChangeAdmin(admin.ModelAdmin):
    """Append-only: viewable, never added, changed or deleted (not even by a superuser)."""

    list_display = ("at", "actor", "action", "model", "object_repr", "summary")
    list_filter = ("action", "model")
    search_fields = ("object_repr", "summary")
    date_hierarchy = "at"
    list_select_related = ("actor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
