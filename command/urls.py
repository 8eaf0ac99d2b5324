from django.urls import path

from .approvals import views as approvals
from .assignments import views as assignments
from .dashboard import views as views_dashboard
from .dashboard import views_statistics
from .notifications import views as notifications
from .reminders import views as views_reminders
from .response import views as response
from .response import views_actions as response_actions
from .response import views_inbox as response_inbox

app_name = "command"

urlpatterns = [
    path("", response_inbox.inbox, name="inbox"),
    path("charts/", views_dashboard.charts, name="charts"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("incidents/<int:pk>/", response.incident_command, name="incident"),
    path("incidents/<int:pk>/requests/", approvals.request_submit, name="request_submit"),
    path("incidents/<int:pk>/calldowns/", response_actions.calldown_add, name="calldown_add"),
    path("incidents/<int:pk>/groups/", response_actions.groups_activate, name="groups_activate"),
    path("incidents/<int:pk>/groups/units/", response_actions.group_unit_add, name="group_unit_add"),
    path("incidents/<int:pk>/groups/companies/", response_actions.company_add, name="company_add"),
    path("incidents/<int:pk>/onsite/", response_actions.onsite_member_add, name="onsite_member_add"),
    path("incidents/<int:pk>/instructions/", response_actions.instruction_add, name="instruction_add"),
    path("requests/<int:pk>/", approvals.request_detail, name="request"),
    path("requests/<int:pk>/act/", approvals.request_act, name="request_act"),
    path("requests/<int:pk>/phone/", approvals.request_phone, name="request_phone"),
    path("requests/<int:pk>/withdraw/", approvals.request_withdraw, name="request_withdraw"),
    path("steps/<int:pk>/confirm/", approvals.phone_confirm, name="phone_confirm"),
    path("calldowns/<int:pk>/", response_actions.calldown_record, name="calldown_record"),
    path("checklist/<int:pk>/", response_actions.checklist_mark, name="checklist_mark"),
    path("instructions/<int:pk>/", response_actions.instruction_update, name="instruction_update"),
    path("c/<str:token>/", response_actions.calldown, name="calldown"),
    path("reminders/", views_reminders.reminder_list, name="reminders"),
    path("reminders/settings/", views_reminders.reminder_settings, name="reminder_settings"),
    path("reminders/deliveries/<int:pk>/again/", views_reminders.delivery_again, name="delivery_again"),
    path("notifications/bell/", views_reminders.bell, name="bell"),
    path("tasks/", assignments.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/", assignments.task_detail, name="task"),
    path("tasks/<int:pk>/move/<str:move>/", assignments.task_move, name="task_move"),
    path("tasks/<int:pk>/progress/", assignments.task_progress, name="task_progress"),
    path("tasks/<int:pk>/reassign/", assignments.task_reassign, name="task_reassign"),
    path("files/<int:pk>/", assignments.task_file, name="task_file"),
    path("incidents/<int:pk>/tasks/", assignments.board, name="board"),
    path("incidents/<int:pk>/tasks/new/", assignments.task_issue, name="task_issue"),
    path("incidents/<int:pk>/end/", assignments.end_response, name="end"),
    path("statistics/", views_statistics.statistics, name="statistics"),
    path("statistics/export.xlsx", views_statistics.export_xlsx, name="statistics_xlsx"),
    path("statistics/export.csv", views_statistics.export_csv, name="statistics_csv"),
]
