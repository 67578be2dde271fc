"""Alerts and own-initiative inquiries: /<language>/oversight/alerts/..., /<language>/oversight/inquiries/..."""

from django.urls import path

from . import views

app_name = "inquiries"

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule"),
    path("inquiries/", views.inquiry_list, name="inquiries"),
    path("inquiries/new/", views.inquiry_new, name="inquiry-new"),
    path("inquiries/<int:inquiry_id>/", views.inquiry_detail, name="inquiry"),
    path("inquiries/<int:inquiry_id>/notes/", views.inquiry_note, name="inquiry-note"),
    path("inquiries/<int:inquiry_id>/status/", views.inquiry_status, name="inquiry-status"),
]
