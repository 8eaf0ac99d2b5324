from django.urls import path

from . import views, views_tasks
from .dashboard import views as views_dashboard
from .dashboard import views_statistics
from .reminders import views as views_reminders

app_name = "command"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("charts/", views_dashboard.charts, name="charts"),
    path("notifications/", views.notifications, name="notifications"),
    path("incidents/<int:pk>/", views.incident_command, name="incident"),
    path("incidents/<int:pk>/requests/", views.request_submit, name="request_submit"),
    path("incidents/<int:pk>/calldowns/", views.calldown_add, name="calldown_add"),
    path("incidents/<int:pk>/groups/", views.groups_activate, name="groups_activate"),
    path("incidents/<int:pk>/groups/units/", views.group_unit_add, name="group_unit_add"),
    path("incidents/<int:pk>/groups/companies/", views.company_add, name="company_add"),
    path("incidents/<int:pk>/onsite/", views.onsite_member_add, name="onsite_member_add"),
    path("incidents/<int:pk>/instructions/", views.instruction_add, name="instruction_add"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/act/", views.request_act, name="request_act"),
    path("requests/<int:pk>/phone/", views.request_phone, name="request_phone"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("steps/<int:pk>/confirm/", views.phone_confirm, name="phone_confirm"),
    path("calldowns/<int:pk>/", views.calldown_record, name="calldown_record"),
    path("checklist/<int:pk>/", views.checklist_mark, name="checklist_mark"),
    path("instructions/<int:pk>/", views.instruction_update, name="instruction_update"),
    path("c/<str:token>/", views.calldown, name="calldown"),
    path("reminders/", views_reminders.reminder_list, name="reminders"),
    path("reminders/settings/", views_reminders.reminder_settings, name="reminder_settings"),
    path("reminders/deliveries/<int:pk>/again/", views_reminders.delivery_again, name="delivery_again"),
    path("notifications/bell/", views_reminders.bell, name="bell"),
    path("tasks/", views_tasks.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/", views_tasks.task_detail, name="task"),
    path("tasks/<int:pk>/move/<str:move>/", views_tasks.task_move, name="task_move"),
    path("tasks/<int:pk>/progress/", views_tasks.task_progress, name="task_progress"),
    path("tasks/<int:pk>/reassign/", views_tasks.task_reassign, name="task_reassign"),
    path("files/<int:pk>/", views_tasks.task_file, name="task_file"),
    path("incidents/<int:pk>/tasks/", views_tasks.board, name="board"),
    path("incidents/<int:pk>/tasks/new/", views_tasks.task_issue, name="task_issue"),
    path("incidents/<int:pk>/end/", views_tasks.end_response, name="end"),
    path("statistics/", views_statistics.statistics, name="statistics"),
    path("statistics/export.xlsx", views_statistics.export_xlsx, name="statistics_xlsx"),
    path("statistics/export.csv", views_statistics.export_csv, name="statistics_csv"),
]
