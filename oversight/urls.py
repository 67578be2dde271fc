"""The ombudsman's dashboard: /<language>/oversight/... (read-only; see views.py for who may use it).

The inquiries app shares the /oversight/ prefix (alerts/, rules/, inquiries/): keep these paths apart.
"""

from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tables/<slug:table_id>.csv", views.export_csv, name="export-csv"),
    path("tables/<slug:table_id>.json", views.export_json, name="export-json"),
    path("tables/<slug:table_id>/sample/", views.drilldown, name="drilldown"),
    path("report/", views.monthly_report, name="monthly-report"),
]
