from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homeward.accounts.models import Organisation, OrgType
from homeward.cases.forms import DateInput
from homeward.cases.picklists import Language
from homeward.forms import Form, ModelForm
from homeward.forms import cap_text as _cap_text
from homeward.places.models import Area, AreaLevel, Country
from homeward.referrals.models import Service
from homeward.referrals.picklists import DEFAULT_SECTIONS, EligibleSex, Section, ServiceCategory
from homeward.reintegration.picklists import Currency, SupportPlanType


def _lao(level: int) -> Any:
    return Area.objects.filter(country__code="LA", level=level).select_related("parent")


class DirectoryFilterForm(Form):
    """The directory search: "vocational training for girls under 18 in Savannakhet, in Lao"."""

    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Need"), required=False)
    province = forms.ModelChoiceField(label=_("Province"), queryset=Area.objects.none(), required=False)
    district = forms.ModelChoiceField(label=_("District"), queryset=Area.objects.none(), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    sex = forms.ChoiceField(label=_("For"), required=False)
    age = forms.IntegerField(label=_("Age"), required=False, min_value=0, max_value=120)
    nationality = forms.ModelChoiceField(
        label=_("Nationality"), queryset=Country.objects.all(), to_field_name="code", required=False
    )
    include_closed = forms.BooleanField(label=_("Include services not taking referrals"), required=False)
    trained_first = forms.BooleanField(label=_("Providers with trained staff first"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self.fields["category"].choices = any_ + list(ServiceCategory.choices)
        self.fields["language"].choices = any_ + list(Language.choices)
        self.fields["sex"].choices = [
            ("", _("Anyone")),
            ("female", _("A woman or girl")),
            ("male", _("A man or boy")),
        ]
        self.fields["province"].queryset = _lao(AreaLevel.PROVINCE)
        self.fields["province"].empty_label = _("Any")
        self.fields["district"].queryset = _lao(AreaLevel.DISTRICT)
        self.fields["district"].empty_label = _("Any")
        self.fields["district"].widget.attrs.update({"data-district-for": "id_province"})
        self.fields["nationality"].empty_label = _("Any")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        province, district = data.get("province"), data.get("district")
        if district and province and district.parent_id != province.id:
            self.add_error("district", _("That district is not in the province you chose."))
        return data


class ServiceForm(ModelForm):
    provinces = forms.ModelMultipleChoiceField(
        label=_("Provinces served"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts served (when not the whole province)"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Service
        fields = [
            "organisation",
            "name",
            "name_lo",
            "category",
            "status",
            "description",
            "description_lo",
            "province",
            "district",
            "address",
            "latitude",
            "longitude",
            "national",
            "sex",
            "min_age",
            "max_age",
            "nationalities",
            "eligibility",
            "contact_name",
            "phone",
            "email",
            "hours",
            "application_process",
            "fees",
            "capacity",
            "available",
            "waiting_days",
            "assured_on",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "description_lo": forms.Textarea(attrs={"rows": 3, "lang": "lo"}),
            "name_lo": forms.TextInput(attrs={"lang": "lo"}),
            "assured_on": DateInput(),
            "nationalities": forms.SelectMultiple(attrs={"size": 5}),
        }

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["province"].queryset = _lao(AreaLevel.PROVINCE)
        self.fields["district"].queryset = _lao(AreaLevel.DISTRICT)
        self.fields["district"].widget.attrs.update({"data-district-for": "id_province"})
        self.fields["provinces"].queryset = _lao(AreaLevel.PROVINCE)
        self.fields["districts"].queryset = _lao(AreaLevel.DISTRICT).order_by("parent__code", "code")
        self.fields["districts"].label_from_instance = lambda a: (
            f"{a.parent.name if a.parent else ''} – {a.name}"
        )
        self.fields["nationalities"].queryset = Country.objects.all()
        self.fields["sex"].choices = list(EligibleSex.choices)
        self.fields["sex"].widget = forms.RadioSelect(choices=list(EligibleSex.choices))
        self.fields["province"].label = _("Province where it is given")
        self.fields["district"].label = _("District where it is given")
        if self.instance.pk:
            areas = list(self.instance.areas.all())
            self.initial["provinces"] = [a.pk for a in areas if a.level == AreaLevel.PROVINCE]
            self.initial["districts"] = [a.pk for a in areas if a.level == AreaLevel.DISTRICT]
            self.initial["languages"] = self.instance.languages
            self.initial["url"] = self.instance.url
        self.order_fields([*self.Meta.fields[: self.Meta.fields.index("hours")], "url"])
        _cap_text(self)

    def areas(self) -> list[Area]:
        return [*self.cleaned_data.get("provinces", []), *self.cleaned_data.get("districts", [])]

    def save(self, commit: bool = False) -> Service:  # type: ignore[override]
        service: Service = super().save(commit=False)
        service.languages = list(self.cleaned_data.get("languages") or [])
        service.url = self.cleaned_data.get("url") or ""
        return service


class ProviderForm(ModelForm):
    """An organisation that has no users here (a hospital, a school): it can be listed and referred to."""

    class Meta:
        model = Organisation
        fields = ["name", "short_name", "type", "province", "city", "street", "phone", "email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = _lao(AreaLevel.PROVINCE)
        self.fields["province"].required = True
        self.fields["type"].initial = OrgType.HEALTH
        _cap_text(self)


class ReferralForm(Form):
    sections = forms.MultipleChoiceField(
        label=_("What to share"),
        choices=Section.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Share only what the provider needs. The trafficking experience is not shared unless you choose it."
        ),
    )
    message = forms.CharField(
        label=_("What the provider needs to know"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The person's need, in plain words. Write nothing here that is not needed for this service."
        ),
    )
    urgent = forms.BooleanField(label=_("Urgent"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sections"].initial = list(DEFAULT_SECTIONS)
        _cap_text(self, 2000)


class OutsideReferralForm(ReferralForm):
    """A referral to a provider without users here: the organisation and the type of service are chosen."""

    to_org = forms.ModelChoiceField(label=_("Provider"), queryset=Organisation.objects.none())
    category = forms.ChoiceField(label=_("Type of service"), choices=ServiceCategory.choices)
    field_order = ["to_org", "category", "sections", "message", "urgent"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = Organisation.objects.filter(
            is_active=True, is_external=True
        ).exclude(country__isnull=False, country__code__in=["TH", "CN", "MY", "MM", "KH", "VN"])
        self.fields["to_org"].help_text = _("Organisations without accounts here, listed in the directory.")
        _cap_text(self, 2000)


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        _cap_text(self)


class AnswerForm(Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 3}))
    add_sections = forms.MultipleChoiceField(
        label=_("Also share"), choices=Section.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, shared: list[str] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["add_sections"].choices = [(v, lbl) for v, lbl in Section.choices if v not in shared]
        _cap_text(self)


class CompleteForm(Form):
    delivered_on = forms.DateField(label=_("Date the service was given"), widget=DateInput())
    service_type = forms.ChoiceField(label=_("Type of support"), choices=SupportPlanType.choices)
    description = forms.CharField(label=_("What was given"), widget=forms.Textarea(attrs={"rows": 3}))
    cost = forms.DecimalField(label=_("Cost"), required=False, min_value=0, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=[("", "—"), *Currency.choices])

    def __init__(self, *args: Any, service_type: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivered_on"].initial = timezone.localdate()
        self.fields["service_type"].initial = service_type
        _cap_text(self)

    def clean_delivered_on(self) -> dt.date:
        value = self.cleaned_data["delivered_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class TransferForm(Form):
    to_org = forms.ModelChoiceField(label=_("Organisation taking over"), queryset=Organisation.objects.none())
    reason = forms.CharField(label=_("Why the case moves"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, exclude_org: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = Organisation.objects.filter(
            is_active=True, is_external=False
        ).exclude(id=exclude_org)
        _cap_text(self)


class TransferDecisionForm(Form):
    caseworker = forms.ModelChoiceField(label=_("Caseworker"), queryset=None, required=False)  # type: ignore[arg-type]
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when you decline: the organisation that asked will read it."),
    )

    def __init__(self, *args: Any, caseworkers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers
        _cap_text(self)


class NetworkSettingsForm(Form):
    accept_within_days = forms.IntegerField(label=_("Days to answer a referral"), min_value=1, max_value=90)
    complete_within_days = forms.IntegerField(
        label=_("Days to complete an accepted referral"), min_value=1, max_value=365
    )


class ImportForm(Form):
    file = forms.FileField(
        label=_("Directory file"),
        help_text=_("HSDS JSON (.json) or the HSDS CSV package (.zip), as this page exports them."),
    )
