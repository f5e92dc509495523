from django.contrib.auth import views as auth_views
from django.urls import path

from . import smart, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.otp_verify, name="otp_verify"),
    path("two-factor/setup/", views.otp_setup, name="otp_setup"),
    # SMART Backend Services: system clients trade a signed assertion for an access token.
    path("token", smart.token, name="smart_token"),
]
