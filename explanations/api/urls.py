from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("systems/", views.SystemListView.as_view(), name="systems"),
    path(
        "systems/<slug:system_code>/model-versions/",
        views.ModelVersionCreateView.as_view(),
        name="model-versions",
    ),
    path("systems/<slug:system_code>/decisions/", views.DecisionBatchView.as_view(), name="decision-batch"),
    path("decisions/<str:reference>/", views.DecisionDetailView.as_view(), name="decision-detail"),
]
