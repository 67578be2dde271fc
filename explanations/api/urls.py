from django.urls import path

from . import proactive, views

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
    path("proactive-reviews/", proactive.ProactiveReviewListView.as_view(), name="proactive-reviews"),
    path(
        "proactive-reviews/<int:flag_id>/review",
        proactive.ProactiveReviewMarkView.as_view(),
        name="proactive-review-mark",
    ),
]
