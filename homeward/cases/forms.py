from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homeward.cases.models import Consent, TraffickingEvent, VictimContext
from homeward.cases.picklists import (
    App,
    CaseStatus,
    ClosureReason,
    ControlMethod,
    DocumentKind,
    Exploitation,
    Gender,
    Recruitment,
    SexExploitation,
    Vulnerability,
)
from homeward.forms import Form, ModelForm
from homeward.forms import max_length as _max_length
from homeward.lib.dates import BE, CE, DateInputError, build_birth_date
from homeward.people.models import Person
from homeward.places.models import Area, AreaLevel, Country

DATE_ERRORS = {
    "no_such_day": _("That date does not exist. Check the day and the month."),
    "future": _("The date of birth must be in the past."),
    "too_old": _(
        "That date of birth would make the person older than 120. Check the year and the era (CE or BE)."
    ),
    "month": _("The month must be a number from 1 to 12."),
    "day_without_month": _("Give the month as well as the day, or leave both empty."),
    "era": _("Choose CE or BE."),
}


class DateInput(forms.DateInput):
    """Day/month/year as typed here. The browser's own date picker would show the browser's locale order
    (often month first), not the interface's."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {
            "placeholder": _("dd/mm/yyyy"),
            "inputmode": "numeric",
            "autocomplete": "off",
            **kwargs.pop("attrs", {}),
        }
        super().__init__(format="%d/%m/%Y", attrs=attrs, **kwargs)


class PersonForm(ModelForm):
    """The survivor's details. Birth date as day / month / year in the Common or Buddhist Era."""

    birth_day = forms.IntegerField(label=_("Day"), required=False, min_value=1, max_value=31)
    birth_month = forms.IntegerField(label=_("Month"), required=False, min_value=1, max_value=12)
    birth_year_input = forms.IntegerField(label=_("Year"), required=False, min_value=1, max_value=9999)
    birth_era = forms.ChoiceField(
        label=_("Calendar"),
        choices=[(CE, _("Common Era (CE), e.g. 2004")), (BE, _("Buddhist Era (BE), e.g. 2547"))],
        initial=CE,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Person
        fields = [
            "given_name_lo",
            "family_name_lo",
            "given_name_th",
            "family_name_th",
            "given_name_latin",
            "family_name_latin",
            "aliases",
            "gender",
            "citizenship",
            "primary_language",
            "secondary_language",
            "education",
            "marital_status",
            "number_of_children",
            "identity_number",
            "phone",
            "email",
            "province",
            "district",
            "address_detail",
        ]
        widgets = {
            "given_name_lo": forms.TextInput(attrs={"lang": "lo", "autocomplete": "off"}),
            "family_name_lo": forms.TextInput(attrs={"lang": "lo", "autocomplete": "off"}),
            "given_name_th": forms.TextInput(attrs={"lang": "th", "autocomplete": "off"}),
            "family_name_th": forms.TextInput(attrs={"lang": "th", "autocomplete": "off"}),
            "given_name_latin": forms.TextInput(attrs={"autocomplete": "off"}),
            "family_name_latin": forms.TextInput(attrs={"autocomplete": "off"}),
            "aliases": forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
            "identity_number": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
            "email": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "email"}),
            "address_detail": forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        }
        help_texts = {
            "aliases": _("Other names, spellings and nicknames, one per line."),
            "address_detail": _("Village, house number and anything else below district level."),
        }

    NAME_MAX = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = Area.objects.filter(country__code="LA", level=AreaLevel.PROVINCE)
        self.fields["province"].queryset = provinces
        self.fields["province"].label = _("Home province (Lao PDR)")
        self.fields["district"].queryset = Area.objects.filter(country__code="LA", level=AreaLevel.DISTRICT)
        self.fields["district"].label = _("Home district")
        self.fields["citizenship"].queryset = Country.objects.all()
        self.fields["district"].widget.attrs.update({"data-district-for": "id_province"})
        self.fields["gender"].choices = [("", _("Choose one")), *Gender.choices]
        for name in (
            "given_name_lo",
            "family_name_lo",
            "given_name_th",
            "family_name_th",
            "given_name_latin",
            "family_name_latin",
        ):
            self.fields[name].max_length = self.NAME_MAX
            self.fields[name].validators.append(_max_length(self.NAME_MAX))
        for name in ("aliases", "address_detail", "identity_number", "phone", "email"):
            self.fields[name].validators.append(_max_length(500))
        instance = self.instance
        if instance and instance.birth_date and not self.is_bound:
            birth = instance.birth
            assert birth is not None
            self.initial.update(
                {
                    "birth_day": birth.day,
                    "birth_month": birth.month,
                    "birth_year_input": birth.year,
                    "birth_era": CE,
                }
            )
        self.birth = instance.birth if instance else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = [
            data.get(f)
            for f in (
                "given_name_lo",
                "given_name_th",
                "given_name_latin",
                "family_name_lo",
                "family_name_th",
                "family_name_latin",
            )
        ]
        if not any(names):
            raise forms.ValidationError(_("Give at least one name, in any script."), code="no_name")
        province, district = data.get("province"), data.get("district")
        if district and province and district.parent_id != province.id:
            self.add_error("district", _("That district is not in the province you chose."))
        if district and not province:
            data["province"] = district.parent
        year, month, day = data.get("birth_year_input"), data.get("birth_month"), data.get("birth_day")
        if year is None and (month or day):
            self.add_error(
                "birth_year_input", _("Give the year of birth, or leave the day and month empty too.")
            )
        elif year is not None:
            try:
                self.birth = build_birth_date(
                    year=year,
                    month=month,
                    day=day,
                    era=data.get("birth_era") or CE,
                    today=timezone.localdate(),
                )
            except DateInputError as exc:
                self.add_error("birth_year_input", DATE_ERRORS[exc.code])
        else:
            self.birth = None
        return data

    def clean_email(self) -> str:
        email = self.cleaned_data.get("email", "").strip()
        if email:
            forms.EmailField().clean(email)
        return email


class CaseOpenForm(Form):
    opened_on = forms.DateField(label=_("Date the case was opened"), widget=DateInput())
    caseworker = forms.ModelChoiceField(label=_("Caseworker"), queryset=None, required=False)  # type: ignore[arg-type]

    def __init__(self, *args: Any, caseworkers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers
        self.fields["opened_on"].initial = timezone.localdate()

    def clean_opened_on(self) -> dt.date:
        value = self.cleaned_data["opened_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        if value.year < 1990:
            raise forms.ValidationError(_("The date is too long ago. Check the year and the era."))
        return value


class VictimForm(ModelForm):
    exploitation_types = forms.MultipleChoiceField(
        label=_("Types of exploitation"),
        choices=Exploitation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sex_exploitation_types = forms.MultipleChoiceField(
        label=_("Types of sexual exploitation"),
        choices=SexExploitation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    methods_of_control = forms.MultipleChoiceField(
        label=_("Methods of control"),
        choices=ControlMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    methods_of_recruitment = forms.MultipleChoiceField(
        label=_("How the person was recruited"),
        choices=Recruitment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recruitment_apps = forms.MultipleChoiceField(
        label=_("Websites and apps used to recruit"),
        choices=App.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exploitation_apps = forms.MultipleChoiceField(
        label=_("Websites and apps used to exploit"),
        choices=App.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=Vulnerability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = VictimContext
        fields = [
            "trafficking_status",
            "status_decided_by",
            "status_decided_by_name",
            "agreement_to_manage_data",
            "relationship_to_trafficker",
            "age_when_trafficked",
            "exploitation_types",
            "forced_labour_industry",
            "sex_exploitation_types",
            "methods_of_control",
            "methods_of_recruitment",
            "recruitment_apps",
            "exploitation_apps",
            "vulnerabilities",
            "vulnerability_details",
        ]
        widgets = {"vulnerability_details": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "status_decided_by_name": _(
                "In Lao PDR, the Anti-Trafficking Department decides trafficking status."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["age_when_trafficked"].validators.append(_age_range)
        self.fields["vulnerability_details"].validators.append(_max_length(5000))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("trafficking_status") == "ActualVictimOfTrafficking" and not data.get(
            "status_decided_by"
        ):
            self.add_error(
                "status_decided_by", _("Say which kind of body decided that the person is a victim.")
            )
        return data


def _age_range(value: int | None) -> None:
    if value is not None and not 0 <= value <= 120:
        raise forms.ValidationError(_("Give an age from 0 to 120."))


class StatusForm(Form):
    to_status = forms.ChoiceField(label=_("New status"))
    closure_reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=[("", "—"), *ClosureReason.choices], required=False
    )
    closure_details = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    reason = forms.CharField(
        label=_("Reason for reopening"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when a closed case is reopened."),
    )

    def __init__(self, *args: Any, allowed: tuple[str, ...], reopening: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s, CaseStatus(s).label) for s in allowed]
        if not reopening:
            del self.fields["reason"]


class AssignForm(Form):
    caseworker = forms.ModelChoiceField(label=_("Caseworker"), queryset=None, required=False)  # type: ignore[arg-type]

    def __init__(self, *args: Any, caseworkers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers


class EventForm(ModelForm):
    class Meta:
        model = TraffickingEvent
        fields = ["type", "date", "country", "area", "city", "description"]
        widgets = {
            "date": DateInput(),
            "city": forms.TextInput(attrs={"autocomplete": "off"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(level=AreaLevel.PROVINCE).select_related("country")
        self.fields["area"].label = _("Province (Lao PDR or Thailand)")
        self.fields["description"].validators.append(_max_length(5000))
        self.fields["city"].validators.append(_max_length(120))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date, area, country = data.get("date"), data.get("area"), data.get("country")
        if date and date > timezone.localdate():
            self.add_error("date", _("The date cannot be in the future."))
        if area and country and area.country_id != country.id:
            self.add_error("area", _("That province is not in the country you chose."))
        return data


class CommentForm(Form):
    body = forms.CharField(label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ConsentForm(ModelForm):
    class Meta:
        model = Consent
        fields = ["purpose", "shared_with", "granted", "given_on", "expires_on", "notes"]
        widgets = {
            "given_on": DateInput(),
            "expires_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"shared_with": _("Only for the purpose 'sharing with a named organisation'.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_on"].initial = timezone.localdate()
        self.fields["notes"].validators.append(_max_length(2000))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given, expires = data.get("given_on"), data.get("expires_on")
        if given and given > timezone.localdate():
            self.add_error("given_on", _("The date cannot be in the future."))
        if given and expires and expires < given:
            self.add_error("expires_on", _("The expiry date must be after the date consent was given."))
        if expires and expires.year > timezone.localdate().year + 20:
            self.add_error(
                "expires_on",
                _(
                    "That expiry is more than 20 years away. Check the year: Buddhist Era years are 543 ahead."
                ),
            )
        if data.get("purpose") == "sharing" and not data.get("shared_with"):
            self.add_error("shared_with", _("Choose the organisation the information may be shared with."))
        return data


class WithdrawForm(Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DocumentForm(Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG, PNG or WebP."))


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or case code"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("open", _("Open (active or follow-up)")),
            ("closed", _("Closed (with or without referral)")),
            *CaseStatus.choices,
        ],
    )
    province = forms.ChoiceField(label=_("Home province"), required=False)
    exploitation = forms.ChoiceField(
        label=_("Exploitation"), required=False, choices=[("", _("Any")), *Exploitation.choices]
    )
    gender = forms.ChoiceField(
        label=_("Sex / gender"), required=False, choices=[("", _("Any")), *Gender.choices]
    )
    mine = forms.BooleanField(label=_("Only my cases"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = Area.objects.filter(country__code="LA", level=AreaLevel.PROVINCE)
        self.fields["province"].choices = [("", _("Any")), *[(a.code, a.name) for a in provinces]]
