"""The tracker's URLs plus the benchmark's baseline views (mounted by ``bench.settings`` only)."""

from django.urls import path

from tracker.urls import urlpatterns as tracker_urlpatterns

from . import views

urlpatterns = [
    path("bench/baseline/situations/", views.situations_baseline, name="bench-situations"),
    *tracker_urlpatterns,
]
