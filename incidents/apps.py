from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("突发事件")

    def ready(self):
        # Models and services import only once the app registry is ready.
        from orgchart.models import ServiceArea

        from . import archive, lifecycle
        from .models import STATE_MACHINE, rederive_service_area

        archive.connect()  # archived incidents are read-only in the models (issue 9)
        STATE_MACHINE["perform"] = lifecycle.perform  # Incident.activate() etc. (DOMAIN.md §5)
        post_save.connect(rederive_service_area, sender=ServiceArea, dispatch_uid="incidents.rederive_area")
