from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from command.dashboard import views as command_dashboard

from . import views

urlpatterns = [
    path("", command_dashboard.overview, name="home"),
    path("wall/", command_dashboard.wall, name="wall"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on their own: send them to the icon in static/.
    path("favicon.ico", views.favicon),
    path("org/", include("orgchart.urls")),
    path("incidents/", include("incidents.urls")),
    path("command/", include("command.urls")),
    path("aftermath/", include("aftermath.urls")),
    path("documents/", include("documents.urls")),
    path("api/", include("api.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "config.views.not_found"  # JSON under /api/, the page elsewhere
