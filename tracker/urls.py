from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from .health import HealthView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("health/", HealthView.as_view(), name="health"),
    path("api/v1/", include("api.urls")),
    path("dashboard/", include("dashboards.urls")),
]
