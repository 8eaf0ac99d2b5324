"""Member units see only their own work (issue 16, finding 7; the rule: ``orgchart.permissions``
``may_view_incident`` / ``visible_incidents``, §2、附件2 解读).

One middleware guards every page and action about one incident, whatever app serves it: for a member
unit's person it looks up the incident the URL names and answers 404 (the incident's existence is not
revealed) unless the incident concerns their unit. The office and command posts pass without a query.
"""

from django.apps import apps
from django.http import Http404
from django.utils.translation import gettext as _

from orgchart.permissions import may_view_incident, sees_all_incidents, visible_incidents

from .models import Incident

# URL name → how the incident is found from the URL's ``pk``: "incident" (the pk is the incident's),
# or "app_label.Model" whose ``incident_id`` names it.
GUARDED = {
    **{
        f"incidents:{n}": "incident"
        for n in (
            "detail",
            "timeline",
            "recommendation",
            "move",
            "follow_up",
            "report_log",
            "report_sent",
            "link",
        )
    },
    **{
        f"command:{n}": "incident"
        for n in (
            "incident",
            "request_submit",
            "calldown_add",
            "groups_activate",
            "group_unit_add",
            "company_add",
            "onsite_member_add",
            "instruction_add",
            "board",
            "task_issue",
            "end",
        )
    },
    **{
        f"command:{n}": "command.LevelRequest"
        for n in ("request", "request_act", "request_phone", "request_withdraw")
    },
    **{f"aftermath:{n}": "incident" for n in ("incident", "record_save", "measure_add", "archive")},
    **{
        f"documents:{n}": "incident"
        for n in ("incident", "download", "download_item", "render", "render_item", "status", "status_item")
    },
}


def incident_of(source, pk):
    """The incident a guarded URL names (None when there is none: the view answers its own 404)."""
    if source == "incident":
        return Incident.objects.filter(pk=pk).select_related("county").first()
    model = apps.get_model(source)
    incident_id = model.objects.filter(pk=pk).values_list("incident_id", flat=True).first()
    return None if incident_id is None else Incident.objects.filter(pk=incident_id).first()


class IncidentVisibilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        source = GUARDED.get(match.view_name) if match else None
        if source is None or not request.user.is_authenticated or "pk" not in view_kwargs:
            return None
        if sees_all_incidents(request.user):
            return None
        incident = incident_of(source, view_kwargs["pk"])
        if incident is not None and not may_view_incident(request.user, incident):
            raise Http404(_("没有找到该事件，或您无权查看。"))
        return None


__all__ = ["GUARDED", "IncidentVisibilityMiddleware", "incident_of", "visible_incidents"]
