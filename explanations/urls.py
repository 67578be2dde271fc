from django.urls import path

from .views import register

app_name = "explanations"

urlpatterns = [
    path("", register.home, name="home"),
    path("register/", register.system_list, name="register"),
    path("register/<slug:code>/", register.system_detail, name="system"),
]
