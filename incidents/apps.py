from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("突发事件")

    def ready(self):
        from . import archive

        archive.connect()  # archived incidents are read-only in the models (issue 9)

        from django.db.models.signals import post_save

        from orgchart.models import ServiceArea

        from .models import rederive_service_area

        post_save.connect(rederive_service_area, sender=ServiceArea, dispatch_uid="incidents.rederive_area")
