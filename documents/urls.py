from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "pdf|docx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "docfmt")

app_name = "documents"
urlpatterns = [
    path("downloads/", views.downloads, name="downloads"),
    path("incidents/<int:pk>/", views.incident_documents, name="incident"),
    path("incidents/<int:pk>/<slug:kind>/<docfmt:fmt>/", views.download, name="download"),
    path("incidents/<int:pk>/<slug:kind>/<int:item>/<docfmt:fmt>/", views.download, name="download_item"),
    path("incidents/<int:pk>/<slug:kind>/<docfmt:fmt>/render/", views.render_document, name="render"),
    path(
        "incidents/<int:pk>/<slug:kind>/<int:item>/<docfmt:fmt>/render/",
        views.render_document,
        name="render_item",
    ),
    path("incidents/<int:pk>/<slug:kind>/<docfmt:fmt>/status/", views.status, name="status"),
    path("incidents/<int:pk>/<slug:kind>/<int:item>/<docfmt:fmt>/status/", views.status, name="status_item"),
]
