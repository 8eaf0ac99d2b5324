from django.urls import path

from . import urls_edit, views, views_accounts

app_name = "orgchart"
urlpatterns = [
    path("", views.chart, name="chart"),
    path("units/<slug:code>/", views.unit, name="unit"),
    path("groups/<slug:code>/", views.group, name="group"),
    path("people/<int:pk>/", views.person, name="person"),
    path("duty/", views.duty, name="duty"),
    path("search/", views.search, name="search"),
    path("contacts/", views.contact_sheet, name="contacts"),
    path("authority/", views.authority, name="authority"),
    path("lockouts/", views_accounts.lockouts, name="lockouts"),
    path("lockouts/unlock/", views_accounts.unlock, name="unlock"),
    *urls_edit.urlpatterns,
]
