from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("突发事件")

    def ready(self):
        from . import archive

        archive.connect()  # archived incidents are read-only in the models (issue 9)
