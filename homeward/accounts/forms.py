from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from homeward.accounts.capabilities import Role
from homeward.accounts.models import Organisation
from homeward.forms import Form, HomewardFormMixin, ModelForm


class LoginForm(HomewardFormMixin, AuthenticationForm):
    error_messages = {
        # One message whatever was wrong, so that nobody learns which usernames exist.
        "invalid_login": _("The username or password is not right. Check them and try again."),
        "inactive": _("The username or password is not right. Check them and try again."),
    }


class TokenForm(Form):
    token = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class ConfirmTokenForm(Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ReauthForm(Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class InviteForm(Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=60,
        regex=r"^[a-zA-Z0-9._-]{3,60}$",
        help_text=_("3 to 60 Latin letters (a–z), digits, dots, dashes or underscores."),
        error_messages={
            "invalid": _("Use 3 to 60 Latin letters (a–z), digits, dots, dashes or underscores.")
        },
    )
    display_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email address"), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, roles: list[Role], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(r.value, r.label) for r in roles]


class RolesForm(Form):
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple, required=False)
    is_active = forms.BooleanField(label=_("Account is active"), required=False)

    def __init__(self, *args, roles: list[Role], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(r.value, r.label) for r in roles]


class OrganisationForm(ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "type",
            "street",
            "city",
            "province",
            "country",
            "postal_code",
            "phone",
            "latitude",
            "longitude",
            "is_active",
            "release_min_k",
        ]
        help_texts = {"phone": _("International format, for example +856 21 123 456.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["release_min_k"].required = False

    def clean_release_min_k(self) -> int:
        value = self.cleaned_data.get("release_min_k")
        if value is None:
            return self.instance.release_min_k if self.instance.pk else 5
        return value

    def clean_phone(self) -> str:
        import re

        phone = re.sub(r"[\s()-]", "", self.cleaned_data.get("phone", ""))
        if phone and not re.fullmatch(r"\+?[1-9]\d{1,14}", phone):
            raise forms.ValidationError(
                _("Enter the phone number in international format, for example +85621123456.")
            )
        return phone
