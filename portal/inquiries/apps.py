from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "portal.inquiries"
    label = "inquiries"
