from django.urls import path

from . import views

app_name = "aftermath"

urlpatterns = [
    path("measures/", views.measures, name="measures"),
    path("incidents/<int:pk>/", views.incident_aftermath, name="incident"),
    path("incidents/<int:pk>/records/<slug:kind>/", views.record_save, name="record_save"),
    path("incidents/<int:pk>/measures/", views.measure_add, name="measure_add"),
    path("incidents/<int:pk>/archive/", views.archive, name="archive"),
    path("items/<int:task_id>/not-applicable/", views.item_not_applicable, name="item_na"),
    path("measures/<int:measure_id>/done/", views.measure_done, name="measure_done"),
]
