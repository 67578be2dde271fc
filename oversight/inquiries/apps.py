from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "oversight.inquiries"
    label = "inquiries"
