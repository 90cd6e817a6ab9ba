from django.urls import path

from homeward.accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", views.logout_view, name="logout"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("account/two-factor/recovery-codes/new/", views.recovery_codes_new, name="recovery_codes_new"),
    path("account/security/", views.security, name="security"),
    path("account/sessions/<uuid:code>/end/", views.session_end, name="session_end"),
    path("account/sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/confirm-password/", views.reauth, name="reauth"),
    path("account/set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<uuid:code>/", views.organisation_detail, name="organisation"),
    path("organisations/<uuid:code>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<uuid:code>/users/new/", views.user_invite, name="user_invite"),
    path("organisations/<uuid:code>/users/<uuid:user_code>/", views.user_edit, name="user_edit"),
    path(
        "organisations/<uuid:code>/users/<uuid:user_code>/reset-two-factor/",
        views.user_reset_two_factor,
        name="user_reset_two_factor",
    ),
    path(
        "organisations/<uuid:code>/users/<uuid:user_code>/password-link/",
        views.user_password_link,
        name="user_password_link",
    ),
]
