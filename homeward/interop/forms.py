from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from homeward.accounts.models import Organisation
from homeward.forms import Form, cap_text
from homeward.interop.models import ImportMode

EXPORT_PASSWORD_MIN = 12


def _one_organisation(field: Any, organisations: Any) -> None:
    """A user of one organisation is not asked which: the field is hidden and defaults to it."""
    if len(organisations) == 1:
        field.initial = organisations[0]
        field.required = False
        field.widget = forms.HiddenInput()


def _organisation(form: forms.Form) -> Any:
    chosen = form.cleaned_data.get("organisation")
    if chosen is None and form.fields["organisation"].initial is not None:
        return form.fields["organisation"].initial
    if chosen is None:
        raise ValidationError(_("Choose the organisation."))
    return chosen


class ImportUploadForm(Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    file = forms.FileField(
        label=_("HTCDS spreadsheet"),
        help_text=_(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8) in the HTCDS 2.0 layout: the toolkit's workbook, a "
            "KoboToolbox or ODK export of the HTCDS form, or a Homeward export."
        ),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations
        _one_organisation(field, organisations)
        cap_text(self)

    def clean_organisation(self) -> Any:
        return _organisation(self)


class ImportConfirmForm(Form):
    mode = forms.ChoiceField(label=_("Rows to import"), choices=ImportMode.choices, widget=forms.RadioSelect)
    skip_duplicates = forms.BooleanField(
        label=_("Leave out the rows flagged as possible duplicates"), required=False
    )

    def __init__(self, *args: Any, all_valid: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not all_valid:
            self.fields["mode"].choices = [(ImportMode.VALID, ImportMode.VALID.label)]
            self.fields["mode"].initial = ImportMode.VALID
        else:
            self.fields["mode"].choices = [(ImportMode.ALL, ImportMode.ALL.label)]
            self.fields["mode"].initial = ImportMode.ALL


class ExportForm(Form):
    STATUS_CHOICES = [("", _("All cases")), ("open", _("Open cases")), ("closed", _("Closed cases"))]

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    status = forms.ChoiceField(label=_("Cases"), choices=STATUS_CHOICES, required=False)
    reason = forms.CharField(
        label=_("Why do you need this export?"),
        help_text=_("Kept in the audit log with the export. For example: monthly return to the ministry."),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        error_messages={
            "required": _("Give the reason for this export."),
            "min_length": _("Say a little more about the reason (10 characters or more)."),
        },
    )
    password = forms.CharField(
        label=_("Password for the file"),
        help_text=format_lazy(
            _(
                "At least {min} characters. Excel and LibreOffice ask for it to open the file. Give it to the "
                "recipient another way than the file itself (by phone, not in the same e-mail)."
            ),
            min=EXPORT_PASSWORD_MIN,
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password_again = forms.CharField(
        label=_("The same password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations
        _one_organisation(field, organisations)
        cap_text(self)
        self.fields["status"].choices = self.STATUS_CHOICES  # "" is every case here, not "choose one"
        self.fields["password"].validators = []
        self.fields["password_again"].validators = []

    def clean_organisation(self) -> Any:
        return _organisation(self)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if len(password) < EXPORT_PASSWORD_MIN:
            raise ValidationError(
                _("The password must be at least %(min)d characters long."),
                params={"min": EXPORT_PASSWORD_MIN},
            )
        validate_password(password)
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") != data.get("password"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data
