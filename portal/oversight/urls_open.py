"""Public open data (aggregates only): /<language>/open-data/..."""

from django.urls import path

from . import views_open

app_name = "open-data"

urlpatterns = [
    path("", views_open.index, name="index"),
]
