"""Machine endpoints of the SMS provider (outside the language prefix)."""

from django.urls import path

from . import sms_views

urlpatterns = [
    path("status/", sms_views.sms_status, name="sms-status"),
]
