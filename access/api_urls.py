from django.urls import path

from . import api

app_name = "access-api"

urlpatterns = [
    path("proactive-reviews/", api.ProactiveReviewListView.as_view(), name="proactive-reviews"),
    path(
        "proactive-reviews/<int:flag_id>/review",
        api.ProactiveReviewMarkView.as_view(),
        name="proactive-review-mark",
    ),
]
