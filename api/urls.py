from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import views, views_office, views_reference, views_webhooks

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves its start-up script as a file: no inline script (Content-Security-Policy)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/incidents/", views.Incidents.as_view(), name="incidents"),
    path("v1/incidents/<str:pk>/", views.IncidentDetail.as_view(), name="incident"),
    path("v1/incidents/<str:pk>/follow-ups/", views.FollowUps.as_view(), name="follow_ups"),
    path("v1/tasks/", views.Tasks.as_view(), name="tasks"),
    path("v1/tasks/<str:pk>/", views.TaskDetail.as_view(), name="task"),
    path("v1/tasks/<str:pk>/sign/", views.TaskSign.as_view(), name="task_sign"),
    path("v1/tasks/<str:pk>/progress/", views.TaskProgress.as_view(), name="task_progress"),
    path("v1/tasks/<str:pk>/complete/", views.TaskComplete.as_view(), name="task_complete"),
    path("v1/reference/counties/", views_reference.Counties.as_view(), name="ref_counties"),
    path("v1/reference/service-areas/", views_reference.ServiceAreas.as_view(), name="ref_service_areas"),
    path("v1/reference/units/", views_reference.Units.as_view(), name="ref_units"),
    path("v1/reference/groups/", views_reference.Groups.as_view(), name="ref_groups"),
    path("v1/reference/choices/", views_reference.Choices.as_view(), name="ref_choices"),
    path("v1/webhooks/", views_webhooks.Webhooks.as_view(), name="webhooks_api"),
    path("v1/webhooks/<str:pk>/", views_webhooks.WebhookDetail.as_view(), name="webhook_api"),
    path("v1/webhooks/<str:pk>/deliveries/", views_webhooks.Deliveries.as_view(), name="deliveries_api"),
    path(
        "v1/deliveries/<str:delivery_id>/redeliver/",
        views_webhooks.Redeliver.as_view(),
        name="redeliver_api",
    ),
    path("office/tokens/", views_office.tokens, name="tokens"),
    path("office/tokens/<str:pk>/revoke/", views_office.token_revoke, name="token_revoke"),
    path("office/webhooks/", views_office.hooks, name="webhooks"),
    path("office/deliveries/<uuid:pk>/resend/", views_office.resend, name="resend"),
]
