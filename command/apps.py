from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "command"
    verbose_name = _("指挥调度")

    def ready(self):
        from incidents.models import ONSITE_COMMANDER_PROVIDERS, UNIT_PROVIDERS

        from . import receivers  # noqa: F401  (receivers connects the incident_moved receiver)
        from .assignments.selectors import assigned_unit_ids
        from .dashboard import live
        from .response.selectors import recorded_onsite_commander

        live.connect()  # the dashboard's version, bumped on commit by the writes it shows (issue 15)
        if assigned_unit_ids not in UNIT_PROVIDERS:
            UNIT_PROVIDERS.append(assigned_unit_ids)
        if recorded_onsite_commander not in ONSITE_COMMANDER_PROVIDERS:
            ONSITE_COMMANDER_PROVIDERS.append(recorded_onsite_commander)
