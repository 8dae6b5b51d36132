from django.contrib import admin
from django.urls import include, path

from .health import HealthView

urlpatterns = [
    # Each role lands where it works: the dashboards for desk officers, reviewers and partners'
    # staff, the admin for administrators, the login for anyone else.
    path("", include("dashboards.home_urls")),
    path("admin/", admin.site.urls),
    path("health/", HealthView.as_view(), name="health"),
    path("api/v1/", include("api.urls")),
    path("dashboard/", include("dashboards.urls")),
    # The language switch of the header (Django's set_language: a POST, kept in a cookie).
    path("i18n/", include("django.conf.urls.i18n")),
]
