"""Forms of the incident pages: the report form (接报登记, §5.1), first measures (先期处置, §5.2), the
follow-up report (续报, §5.1), the reporting log (信息报送) and the list filters.

Every message is Chinese and says which value is wrong and why. Nothing here writes: the views call
``incidents.services``. A count left empty is *unknown* (``None``) where the model allows it; a figure
marked 待核定 is a preliminary figure, never 0 (DOMAIN.md §2). Money is Decimal yuan; the form takes 元
or 万元 and converts exactly with ``rules.yuan_from_wan``.
"""

from .common import MAX_MEASURES, add_service_error, hide_required_errors
from .figures import FiguresForm
from .records import FollowUpForm, IncidentFilterForm, UpwardReportForm
from .report import FirstMeasureFormSet, IncidentReportForm, hide_required_errors_formset

__all__ = [
    "MAX_MEASURES",
    "FiguresForm",
    "FirstMeasureFormSet",
    "FollowUpForm",
    "IncidentFilterForm",
    "IncidentReportForm",
    "UpwardReportForm",
    "add_service_error",
    "hide_required_errors",
    "hide_required_errors_formset",
]
