from django.urls import path

from . import staff_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-in/code/resend/", views.sign_in_code_resend, name="sign-in-code-resend"),
    path("sign-in/provider/", views.oidc_start, name="oidc-start"),
    path("sign-in/provider/callback/", views.oidc_callback, name="oidc-callback"),
    path("staff/sign-in/", staff_views.staff_sign_in, name="staff-login"),
    path("staff/sign-in/code/", staff_views.staff_totp, name="staff-totp"),
    path("staff/sign-in/set-up/", staff_views.staff_totp_enrol, name="staff-totp-enrol"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
]
