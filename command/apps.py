from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "command"
    verbose_name = _("指挥调度")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the incident_moved receiver)
