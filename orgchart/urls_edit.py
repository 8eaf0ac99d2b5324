"""URLs of the office's editing pages (views_edit.py, views_roster.py, views_directory.py), in the ``orgchart`` namespace."""

from django.urls import path

from . import views_directory, views_edit, views_roster

urlpatterns = [
    path("units/<slug:code>/edit/", views_edit.unit_edit, name="unit_edit"),
    path("units/<slug:code>/companies/add/", views_edit.company_add, name="company_add"),
    path("people/add/", views_edit.person_add, name="person_add"),
    path("people/<int:pk>/edit/", views_edit.person_edit, name="person_edit"),
    path("people/<int:pk>/appointments/add/", views_edit.appointment_add, name="appointment_add"),
    path(
        "people/<int:pk>/appointments/<int:appointment_id>/remove/",
        views_edit.appointment_remove,
        name="appointment_remove",
    ),
    path("people/<int:pk>/absences/add/", views_edit.absence_add, name="absence_add"),
    path(
        "people/<int:pk>/absences/<int:absence_id>/remove/", views_edit.absence_remove, name="absence_remove"
    ),
    path("groups/<slug:code>/members/", views_edit.group_members, name="group_members"),
    path("duty/<int:year>-<int:month>/edit/", views_roster.roster_edit, name="roster_edit"),
    path("changes/", views_edit.changes, name="changes"),
    path("areas/", views_directory.service_areas, name="service_areas"),
    path("areas/add/", views_directory.service_area_edit, name="service_area_add"),
    path("areas/<int:pk>/edit/", views_directory.service_area_edit, name="service_area_edit"),
    path("experts/", views_directory.experts, name="experts"),
    path("experts/add/", views_directory.expert_edit, name="expert_add"),
    path("experts/<int:pk>/edit/", views_directory.expert_edit, name="expert_edit"),
]
