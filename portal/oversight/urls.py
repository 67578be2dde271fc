"""The ombudsman's dashboard: /<language>/oversight/..."""

from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
