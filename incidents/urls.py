from django.urls import path

from . import views, views_detail, views_lists

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("new/validate/", views.incident_validate, name="validate"),
    path("<int:pk>/", views_detail.incident_detail, name="detail"),
    path("<int:pk>/timeline/", views_lists.incident_timeline, name="timeline"),
    path("<int:pk>/recommendation/", views_detail.recommendation, name="recommendation"),
    path("<int:pk>/move/<slug:move>/", views_detail.incident_move, name="move"),
    path("<int:pk>/follow-up/", views_detail.follow_up, name="follow_up"),
    path("<int:pk>/reports/", views_detail.report_log, name="report_log"),
    path("<int:pk>/reports/<int:report_id>/sent/", views_detail.report_sent, name="report_sent"),
    path("<int:pk>/link/", views_detail.link, name="link"),
]
