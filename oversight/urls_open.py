"""Public open data (aggregates only): /<language>/open-data/..."""

from django.urls import path

from . import views_open

app_name = "open-data"

urlpatterns = [
    path("", views_open.index, name="index"),
    path("<slug:code>/", views_open.system, name="system"),
    path("<slug:code>/data.csv", views_open.system_csv, name="system-csv"),
    path("<slug:code>/data.json", views_open.system_json, name="system-json"),
]
