from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftermathConfig(AppConfig):
    name = "aftermath"
    verbose_name = _("后期处置")

    def ready(self):
        from incidents.lifecycle import ARCHIVE_CHECKS

        from . import receivers  # noqa: F401  (creates the §7.1 items when an incident enters aftermath)
        from .services import archive_blockers

        if archive_blockers not in ARCHIVE_CHECKS:
            ARCHIVE_CHECKS.append(archive_blockers)

        from command.reminders.kinds import KINDS
        from command.reminders.planner import EXTRA_PLANNERS

        from .plan import MEASURE_REMINDER
        from .reminders import KIND, plan_measures

        KINDS.setdefault(KIND, MEASURE_REMINDER)  # overdue improvement measures (§7.2)
        if (KIND, plan_measures) not in EXTRA_PLANNERS:
            EXTRA_PLANNERS.append((KIND, plan_measures))
