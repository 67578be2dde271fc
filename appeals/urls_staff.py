"""Staff pages about an appeal's deliveries: /<language>/staff/appeals/<reference>/..."""

from django.urls import path

from .views import notifications

app_name = "appeals-staff"

urlpatterns = [
    path("appeals/<str:reference>/notifications/", notifications.appeal_notifications, name="notifications"),
    path("appeals/<str:reference>/letter/<str:language>/", notifications.letter_download, name="letter"),
]
