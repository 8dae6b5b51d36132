"""The site's root: each role lands where it works (``views.HomeView``)."""

from django.urls import path

from . import views

urlpatterns = [path("", views.HomeView.as_view(), name="home")]
