from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("接口")

    def ready(self):
        from . import receivers  # noqa: F401 (connects the webhook events once the apps are loaded)
