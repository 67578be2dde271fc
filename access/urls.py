"""Who viewed my data (citizens), opening a case with a stated reason (staff), and the audit chain check
(ombudsman): /<language>/access/..."""

from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("my-data/", views.my_access_log, name="my-log"),
    path("cases/<str:reference>/", views.case, name="case"),
    path("cases/<str:reference>/reason/", views.state_reason, name="state-reason"),
    path("audit/verify/", views.verify_chain, name="audit-verify"),
    path("audit/verifications/<int:pk>/", views.verification, name="verification"),
]
