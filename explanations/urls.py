from django.urls import path

from .views import citizen, lookup, register

app_name = "explanations"

urlpatterns = [
    path("", register.home, name="home"),
    path("register/", register.system_list, name="register"),
    path("register/<slug:code>/", register.system_detail, name="system"),
    path("my/decisions/", citizen.my_decisions, name="my-decisions"),
    path("decisions/<str:reference>/", citizen.decision_detail, name="decision"),
    path("decisions/<str:reference>/pdf/", citizen.decision_pdf, name="decision-pdf"),
    path("decisions/<str:reference>/data/<slug:feature>/wrong/", citizen.flag_data, name="flag-data"),
    path(
        "decisions/<str:reference>/data/<slug:feature>/recorded/",
        citizen.flag_recorded,
        name="flag-recorded",
    ),
    path("lookup/", lookup.lookup_start, name="lookup"),
    path("lookup/code/", lookup.lookup_code, name="lookup-code"),
]
