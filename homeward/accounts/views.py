from __future__ import annotations

import base64
import io
import time
from functools import wraps
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from homeward.accounts import forms, selectors, services
from homeward.accounts.capabilities import Cap, Role
from homeward.accounts.models import Organisation
from homeward.accounts.policy import needs_second_factor
from homeward.accounts.sessions import sessions_of
from homeward.audit.models import Action
from homeward.audit.services import audit_record, home_organisation_id
from homeward.cases.services import PermissionDenied404
from homeward.forms import client_ip

REAUTH_KEY = "hw_reauth_at"
REAUTH_SECONDS = 15 * 60
REAUTH_FAILURES_KEY = "hw_reauth_failures"


class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session["hw_started"] = int(time.time())
        self.request.session[REAUTH_KEY] = int(time.time())
        user = self.request.user
        audit_record(actor=user, action=Action.LOGIN, ip=client_ip(self.request))
        return response

    def form_invalid(self, form):
        # Name the account only when it exists (a mistyped password in the username box is not recorded), so
        # that the data-protection officer of its organisation sees attempts on it.
        from homeward.accounts.models import User

        username = (form.data.get("username") or "")[:150]
        target = User.objects.filter(username=username).first() if username else None
        audit_record(
            actor=target.username if target else None,
            action=Action.LOGIN_FAILED,
            organisation_id=home_organisation_id(target) if target else None,
            ip=client_ip(self.request),
        )
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(
            actor=request.user,
            action=Action.LOGOUT,
            ip=client_ip(request),
        )
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect(settings.LOGIN_URL)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user_has_device(user) and not user.is_verified():  # type: ignore[union-attr]
        # Replacing a device needs the current one first.
        return redirect("accounts:two_factor_verify")
    device = services.totp_device_pending(user)  # type: ignore[arg-type]
    form = forms.ConfirmTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.two_factor_confirm(
            user=user,  # type: ignore[arg-type]
            token=form.cleaned_data["token"],
            ip=client_ip(request),
        )
        if codes is None:
            form.add_error(
                "token", _("That code is not right. Check the time on your phone and try the newest code.")
            )
        else:
            confirmed = user.totpdevice_set.get(confirmed=True)  # type: ignore[union-attr]
            otp_login(request, confirmed)
            request.session["hw_recovery_codes"] = codes
            return redirect("accounts:recovery_codes")
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": needs_second_factor(user),
        },
    )


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop("hw_recovery_codes", None)
    if not codes:
        return redirect("accounts:security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_safe_next(request, reverse("home")))
    if not user_has_device(request.user):
        return redirect("accounts:two_factor_setup")
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip().replace(" ", ""))
        if device is None:
            audit_record(
                actor=request.user, action=Action.LOGIN_FAILED, fields=["two_factor"], ip=client_ip(request)
            )
            form.add_error("token", _("That code is not right. Try the newest code from your app."))
        else:
            otp_login(request, device)
            request.session.cycle_key()
            return redirect(_safe_next(request, reverse("home")))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@login_required
@require_POST
def session_end(request: HttpRequest, code: str) -> HttpResponse:
    from homeward.accounts.models import UserSession
    from homeward.accounts.sessions import session_end as end

    try:
        row = UserSession.objects.get(code=code, user=request.user)
    except (UserSession.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if row.session_key == request.session.session_key:
        raise Http404  # signing out of this session is the sign-out button
    end(actor=request.user, row=row, ip=client_ip(request))
    messages.success(request, _("That session has been ended."))
    return redirect("accounts:security")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    from homeward.accounts.sessions import sessions_end_others as end_others

    ended = end_others(actor=request.user, current_key=request.session.session_key, ip=client_ip(request))
    messages.success(
        request,
        ngettext(
            "%(count)d other session has been ended.", "%(count)d other sessions have been ended.", ended
        )
        % {"count": ended},
    )
    return redirect("accounts:security")


@login_required
def security(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/security.html",
        {
            "has_device": user_has_device(request.user),
            "required": needs_second_factor(request.user),
            "enforced": settings.ENFORCE_TWO_FACTOR,
            "memberships": request.user.memberships.select_related("organisation"),  # type: ignore[union-attr]
            "sessions": sessions_of(request.user),
            "current_session_key": request.session.session_key,
        },
    )


@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():  # type: ignore[union-attr]
        raise Http404
    request.session["hw_recovery_codes"] = services.recovery_codes_reset(user=request.user)  # type: ignore[arg-type]
    audit_record(
        actor=request.user,
        action=Action.SECURITY,
        fields=["recovery_codes"],
        ip=client_ip(request),
    )
    return redirect("accounts:recovery_codes")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            actor=form.user,
            action=Action.SECURITY,
            fields=["password"],
            ip=client_ip(self.request),
        )
        messages.success(self.request, _("Your password is set. Sign in with it now."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):
        response = super().form_valid(form)
        update_session_auth_hash(self.request, form.user)
        audit_record(
            actor=self.request.user, action=Action.SECURITY, fields=["password"], ip=client_ip(self.request)
        )
        messages.success(self.request, _("Your password has been changed."))
        return response


# ---- re-authentication for administrative actions ------------------------------------------------------------
def reauth_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        at = request.session.get(REAUTH_KEY, 0)
        if time.time() - at > REAUTH_SECONDS:
            return redirect(f"{reverse('accounts:reauth')}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper


@login_required
@require_http_methods(["GET", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    form = forms.ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.user.check_password(form.cleaned_data["password"]):
            request.session[REAUTH_KEY] = int(time.time())
            request.session.pop(REAUTH_FAILURES_KEY, None)
            return redirect(_safe_next(request, reverse("home")))
        audit_record(
            actor=request.user,
            action=Action.LOGIN_FAILED,
            fields=["reauth"],
            ip=client_ip(request),
        )
        failures = request.session.get(REAUTH_FAILURES_KEY, 0) + 1
        if failures >= settings.AXES_FAILURE_LIMIT:
            # Someone at an unattended, signed-in screen guessing the password: end the session.
            logout(request)
            messages.error(request, _("You have been signed out after too many wrong passwords."))
            return redirect(settings.LOGIN_URL)
        request.session[REAUTH_FAILURES_KEY] = failures
        form.add_error("password", _("That password is not right."))
    return render(request, "accounts/reauth.html", {"form": form, "next": _safe_next(request, "")})


# ---- organisations and their users ----------------------------------------------------------------------------
@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    orgs = selectors.organisations_managed_by(request.user)
    if not request.user.is_superuser and not orgs.exists():
        raise Http404
    return render(request, "accounts/organisations.html", {"organisations": orgs})


def _organisation_form(request: HttpRequest, organisation: Organisation | None) -> HttpResponse:
    form = forms.OrganisationForm(request.POST or None, instance=organisation)
    from homeward.places.models import Area, AreaLevel

    form.fields["province"].queryset = Area.objects.filter(level=AreaLevel.PROVINCE).select_related("country")
    if not request.user.is_superuser:
        del form.fields["is_active"]  # only a platform administrator suspends an organisation
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.organisation_save(
                actor=request.user, organisation=form.instance, ip=client_ip(request)
            )
        except PermissionDenied404:
            raise Http404 from None
        messages.success(request, _("The organisation has been saved."))
        return redirect("accounts:organisation", code=saved.code)
    return render(request, "accounts/organisation_form.html", {"form": form, "organisation": organisation})


@login_required
@reauth_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise Http404
    return _organisation_form(request, None)


@login_required
@reauth_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, code: str) -> HttpResponse:
    organisation = selectors.get_org_for(request.user, code, Cap.ORG_EDIT)
    return _organisation_form(request, organisation)


@login_required
def organisation_detail(request: HttpRequest, code: str) -> HttpResponse:
    organisation = selectors.get_org_for(request.user, code, Cap.USERS_MANAGE)
    members = selectors.members_of(organisation)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "members": members,
            "roles": dict(Role.choices),
        },
    )


@login_required
@reauth_required
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest, code: str) -> HttpResponse:
    organisation = selectors.get_org_for(request.user, code, Cap.USERS_MANAGE)
    form = forms.InviteForm(request.POST or None, roles=services.grantable_roles(request.user, organisation))
    if request.method == "POST" and form.is_valid():
        try:
            user, link = services.user_invite(
                actor=request.user, organisation=organisation, ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied404:
            raise Http404 from None
        else:
            return render(
                request,
                "accounts/user_invited.html",
                {
                    "organisation": organisation,
                    "member": user,
                    "link": request.build_absolute_uri(link),
                },
            )
    return render(request, "accounts/user_invite.html", {"form": form, "organisation": organisation})


@login_required
@reauth_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, code: str, user_code: str) -> HttpResponse:
    organisation = selectors.get_org_for(request.user, code, Cap.USERS_MANAGE)
    member = selectors.get_member_for(organisation, user_code)
    current = [m.role for m in member.memberships.all()]
    form = forms.RolesForm(
        request.POST or None,
        roles=services.grantable_roles(request.user, organisation),
        initial={"roles": current, "is_active": member.is_active},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_roles(
                actor=request.user,
                organisation=organisation,
                user=member,
                roles=form.cleaned_data["roles"],
                is_active=form.cleaned_data["is_active"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied404:
            raise Http404 from None
        else:
            messages.success(request, _("The user's roles have been saved."))
            return redirect("accounts:organisation", code=organisation.code)
    return render(
        request,
        "accounts/user_edit.html",
        {
            "form": form,
            "organisation": organisation,
            "member": member,
            "has_device": user_has_device(member),
        },
    )


@login_required
@reauth_required
@require_POST
def user_reset_two_factor(request: HttpRequest, code: str, user_code: str) -> HttpResponse:
    organisation = selectors.get_org_for(request.user, code, Cap.USERS_MANAGE)
    member = selectors.get_member_for(organisation, user_code)
    try:
        services.two_factor_reset(
            actor=request.user, organisation=organisation, user=member, ip=client_ip(request)
        )
    except PermissionDenied404:
        raise Http404 from None
    messages.success(request, _("Two-factor sign-in was reset. The user sets it up again at next sign-in."))
    return redirect("accounts:user_edit", code=organisation.code, user_code=member.code)


@login_required
@reauth_required
@require_POST
def user_password_link(request: HttpRequest, code: str, user_code: str) -> HttpResponse:
    organisation = selectors.get_org_for(request.user, code, Cap.USERS_MANAGE)
    member = selectors.get_member_for(organisation, user_code)
    if member.is_superuser and not request.user.is_superuser:
        raise Http404
    audit_record(
        actor=request.user,
        action=Action.SECURITY,
        object_type="user",
        object_codes=[member.code],
        fields=["password_link"],
        organisation_id=organisation.id,
        ip=client_ip(request),
    )
    return render(
        request,
        "accounts/user_invited.html",
        {
            "organisation": organisation,
            "member": member,
            "link": request.build_absolute_uri(services.password_link(member)),
            "reset": True,
        },
    )
