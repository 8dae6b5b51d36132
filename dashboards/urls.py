from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("situations/", views.SituationListView.as_view(), name="situations"),
    path("situations/<slug:slug>/", views.SituationView.as_view(), name="situation"),
    path(
        "situations/<slug:slug>/brief.pdf",
        views.SituationBriefView.as_view(),
        name="situation-brief",
    ),
    path(
        "situations/<slug:slug>/export/<slug:table>.csv",
        views.SituationExportView.as_view(),
        name="situation-export",
    ),
    # The same tables as HXL: the CSV with a row of HXL hashtags under its header.
    path(
        "situations/<slug:slug>/export/<slug:table>.hxl.csv",
        views.SituationExportView.as_view(hxl=True),
        name="situation-export-hxl",
    ),
    path("elements/", views.ElementsView.as_view(), name="elements"),
    path("alerts/", views.AlertsView.as_view(), name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("paragraphs/<int:pk>/", views.ParagraphView.as_view(), name="paragraph"),
    path("export/<slug:table>.csv", views.ExportView.as_view(), name="export"),
    path("export/<slug:table>.hxl.csv", views.ExportView.as_view(hxl=True), name="export-hxl"),
]
