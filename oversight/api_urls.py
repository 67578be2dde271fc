"""Public open-data API (aggregates only, no sign-in, no token): /api/v1/open-data/..."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import api_open

app_name = "open-data-api"

urlpatterns = [
    path("systems/", login_not_required(api_open.SystemListView.as_view()), name="systems"),
    path("systems/<slug:code>/", login_not_required(api_open.SystemDetailView.as_view()), name="system"),
]
