from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-in/code/resend/", views.sign_in_code_resend, name="sign-in-code-resend"),
    path("sign-in/provider/", views.oidc_start, name="oidc-start"),
    path("sign-in/provider/callback/", views.oidc_callback, name="oidc-callback"),
    path(
        "staff/sign-in/",
        login_not_required(auth_views.LoginView.as_view(template_name="accounts/staff_login.html")),
        name="staff-login",
    ),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
]
