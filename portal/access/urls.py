"""Who viewed my data (citizens), and the audit chain check (ombudsman): /<language>/access/..."""

from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("my-data/", views.my_access_log, name="my-log"),
]
