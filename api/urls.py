from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from . import alerts, me, stix_views, views, webhooks
from .errors import not_found_view
from .root import api_root_view

app_name = "api"

router = SimpleRouter()
router.register("situations", views.SituationViewSet, basename="situation")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("engagements", views.EngagementViewSet, basename="engagement")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("briefings", views.BriefingViewSet, basename="briefing")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("review-findings", views.FindingViewSet, basename="review-finding")
router.register("follow-ups", views.FollowUpViewSet, basename="follow-up")
router.register("success-elements", views.SuccessElementViewSet, basename="success-element")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("intervals", views.IntervalViewSet, basename="interval")
router.register("alerts", alerts.AlertViewSet, basename="alert")
router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")

urlpatterns = [
    path("", api_root_view(router.registry), name="root"),
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("me/", me.MeView.as_view(), name="me"),
    path("export/stix/", stix_views.StixExportView.as_view(), name="export-stix"),
    re_path(
        stix_views.SITUATION_STIX_PATH,
        stix_views.SituationStixView.as_view(),
        name="situation-stix",
    ),
    path(
        "schema/",
        SpectacularAPIView.as_view(
            api_version="v1", permission_classes=[AllowAny], throttle_classes=[]
        ),
        name="schema",
    ),
    path(
        "docs/",
        # The split view serves its script from a URL (no inline script); the page's styles are
        # in a file (api/swagger_ui.html): the Content-Security-Policy allows nothing inline.
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema",
            template_name="api/swagger_ui.html",
            permission_classes=[AllowAny],
            throttle_classes=[],
        ),
        name="docs",
    ),
    *router.urls,
    # Any path, newlines included (``.`` alone stops at one, and Django's HTML 404 answered).
    re_path(r"^[\s\S]*$", not_found_view),
]
