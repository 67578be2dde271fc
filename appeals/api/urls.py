from django.urls import path

from . import views

app_name = "appeals-api"

urlpatterns = [
    path("outcomes/", views.OutcomeListView.as_view(), name="outcomes"),
    path("outcomes/<int:delivery_id>/ack", views.OutcomeAcknowledgeView.as_view(), name="outcome-ack"),
]
