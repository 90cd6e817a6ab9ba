from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homeward.accounts.models import Organisation
from homeward.cases.forms import DateInput
from homeward.forms import Form, ModelForm
from homeward.forms import cap_text as _cap_text
from homeward.places.models import Area, AreaLevel, BorderCheckpoint, Country
from homeward.returns.models import (
    Facility,
    FamilyAssessment,
    ReturnRequest,
    Room,
    StayService,
    TracingAttempt,
    TravelPlan,
)
from homeward.returns.picklists import (
    HandoverDocument,
    InformationSection,
    ReceivedDocument,
    ReplyChannel,
    ReturnRisk,
)


def _lao_provinces() -> Any:
    return Area.objects.filter(country__code="LA", level=AreaLevel.PROVINCE)


def _lao_districts() -> Any:
    return Area.objects.filter(country__code="LA", level=AreaLevel.DISTRICT)


def internal_organisations() -> Any:
    return Organisation.objects.filter(is_active=True, is_external=False)


def partner_agencies() -> Any:
    return Organisation.objects.filter(is_active=True, is_external=True).select_related("country")


class TimeInput(forms.TimeInput):
    def __init__(self, **kwargs: Any) -> None:
        attrs = {
            "placeholder": _("hh:mm"),
            "inputmode": "numeric",
            "autocomplete": "off",
            **kwargs.pop("attrs", {}),
        }
        super().__init__(format="%H:%M", attrs=attrs, **kwargs)


def _org_label(org: Organisation) -> str:
    return org.name


def _agency_label(org: Organisation) -> str:
    return f"{org.name} ({org.country.name})" if org.country_id else org.name


def _full_names(form: forms.BaseForm, *names: str) -> None:
    for name in names:
        form.fields[name].label_from_instance = _org_label  # type: ignore[attr-defined]


def _at(date: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, time))


def _not_future(value: dt.date | None) -> None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))


class AgencyForm(ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "type", "country", "city", "phone", "email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].required = True
        self.fields["country"].queryset = Country.objects.all()
        self.fields["name"].help_text = _(
            "For example: Kredtrakarn Protection and Occupational Development Centre."
        )
        _cap_text(self)


class RequestForm(ModelForm):
    documents_received = forms.MultipleChoiceField(
        label=_("Documents received"),
        choices=ReceivedDocument.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ReturnRequest
        fields = [
            "requesting_agency",
            "requesting_contact",
            "host_reference",
            "host_country",
            "received_on",
            "documents_received",
            "notes",
        ]
        widgets = {"received_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "requesting_agency": _(
                "The shelter, police, NGO or embassy that asks. Not listed? Add it as a partner agency first."
            ),
            "host_reference": _("Their file number, so that replies can be matched."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requesting_agency"].queryset = partner_agencies()
        self.fields["requesting_agency"].label_from_instance = _agency_label  # type: ignore[attr-defined]
        self.fields["host_country"].queryset = Country.objects.all()
        if not self.instance.pk:
            self.fields["received_on"].initial = timezone.localdate()
            self.fields["host_country"].initial = (
                Country.objects.filter(code="TH").values_list("pk", flat=True).first()
            )
        _cap_text(self)

    def clean_received_on(self) -> dt.date:
        value = self.cleaned_data["received_on"]
        _not_future(value)
        return value


CONSENT_CHOICES = [
    ("yes", _("Yes, the person agrees to return")),
    ("no", _("No, the person does not agree")),
    ("unknown", _("Not asked yet")),
]


class ReturneeConsentForm(Form):
    consent_to_return = forms.ChoiceField(
        label=_("Consent to return and to family tracing"), choices=CONSENT_CHOICES, widget=forms.RadioSelect
    )
    consent_given_on = forms.DateField(label=_("Date of the answer"), required=False, widget=DateInput())
    share_with_agency = forms.BooleanField(
        label=_(
            "The person also agrees that the results of tracing may be shared with the requesting agency"
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_given_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answer = data.get("consent_to_return")
        if answer in ("yes", "no") and not data.get("consent_given_on"):
            self.add_error("consent_given_on", _("Give the date of the answer."))
        _check = data.get("consent_given_on")
        if _check and _check > timezone.localdate():
            self.add_error("consent_given_on", _("The date cannot be in the future."))
        if data.get("share_with_agency") and answer != "yes":
            self.add_error("share_with_agency", _("Sharing can only be agreed together with the return."))
        return data

    @property
    def to_return(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data["consent_to_return"])


class CancelForm(Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _cap_text(self)


class TracingRequestForm(Form):
    returnees = forms.ModelMultipleChoiceField(
        label=_("People to trace"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,  # type: ignore[arg-type]
    )
    assigned_org = forms.ModelChoiceField(
        label=_("Organisation asked to trace"),
        queryset=None,  # type: ignore[arg-type]
        help_text=_("Usually the provincial labour and social welfare office of the province of origin."),
    )
    province = forms.ModelChoiceField(label=_("Province of origin"), queryset=None)  # type: ignore[arg-type]
    district = forms.ModelChoiceField(label=_("District"), queryset=None, required=False)  # type: ignore[arg-type]
    information = forms.CharField(
        label=_("What is known for tracing"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "Village, names of parents or relatives, phone numbers the person gave. Only what the tracing needs."
        ),
    )
    due_on = forms.DateField(label=_("Reply due by"), widget=DateInput())

    def __init__(self, *args: Any, returnees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["returnees"].queryset = returnees
        self.fields["returnees"].label_from_instance = lambda r: (
            f"{r.case.person.display_name} ({r.case.reference})"
        )
        self.fields["assigned_org"].queryset = internal_organisations().select_related("province")
        _full_names(self, "assigned_org")
        self.fields["province"].queryset = _lao_provinces()
        self.fields["district"].queryset = _lao_districts()
        self.fields["district"].widget.attrs.update({"data-district-for": "id_province"})
        self.fields["due_on"].initial = timezone.localdate() + dt.timedelta(days=settings.TRACING_DUE_DAYS)
        _cap_text(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        province, district = data.get("province"), data.get("district")
        if province and district and district.parent_id != province.id:
            self.add_error("district", _("The district must be in the province chosen."))
        due = data.get("due_on")
        if due and due < timezone.localdate():
            self.add_error("due_on", _("The reply cannot be due before today."))
        return data


class TracingAttemptForm(ModelForm):
    class Meta:
        model = TracingAttempt
        fields = ["attempted_on", "method", "outcome", "notes"]
        widgets = {"attempted_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attempted_on"].initial = timezone.localdate()
        _cap_text(self)

    def clean_attempted_on(self) -> dt.date:
        value = self.cleaned_data["attempted_on"]
        _not_future(value)
        return value


class AssessmentForm(ModelForm):
    risks = forms.MultipleChoiceField(
        label=_("Risks"), choices=ReturnRisk.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = FamilyAssessment
        fields = [
            "assessed_on",
            "safe_to_return",
            "people_at_home",
            "risks",
            "risk_details",
            "community",
            "recommendation",
            "recommendation_details",
            "reply_summary",
        ]
        widgets = {
            "assessed_on": DateInput(),
            "safe_to_return": forms.RadioSelect,
            "people_at_home": forms.Textarea(attrs={"rows": 3}),
            "risk_details": forms.Textarea(attrs={"rows": 3}),
            "community": forms.Textarea(attrs={"rows": 3}),
            "recommendation_details": forms.Textarea(attrs={"rows": 3}),
            "reply_summary": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "people_at_home": _(
                "Who lives in the household, and who will care for the person (for a child: who is the guardian)."
            ),
            "community": _(
                "How the village and the village authority see the return; any support they offer."
            ),
            "reply_summary": _(
                "Written for the agency abroad: only what it needs to prepare the return. The rest stays here."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial["assessed_on"] = self.initial.get("assessed_on") or timezone.localdate()
        self.fields["safe_to_return"].choices = [c for c in self.fields["safe_to_return"].choices if c[0]]
        _cap_text(self)

    def clean_assessed_on(self) -> dt.date:
        value = self.cleaned_data["assessed_on"]
        _not_future(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("safe_to_return") in ("no", "conditions") and not data.get("risks"):
            self.add_error("risks", _("Say which risks make the return unsafe or conditional."))
        return data


LANGUAGE_CHOICES = [("en", "English"), ("th", "ภาษาไทย"), ("lo", "ພາສາລາວ"), ("fr", "Français")]


class ReplyForm(Form):
    sent_on = forms.DateField(label=_("Sent on"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Sent by way of"), choices=ReplyChannel.choices)
    language = forms.ChoiceField(label=_("Language of the reply"), choices=LANGUAGE_CHOICES)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sent_on"].initial = timezone.localdate()
        _cap_text(self)

    def clean_sent_on(self) -> dt.date:
        value = self.cleaned_data["sent_on"]
        _not_future(value)
        return value


class TravelForm(ModelForm):
    facility = forms.ModelChoiceField(
        label=_("Transit centre"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("Choose a centre to plan the stay: its staff then see the arrival on their board."),
    )

    class Meta:
        model = TravelPlan
        fields = [
            "document_type",
            "document_number",
            "document_issued_on",
            "document_expires_on",
            "planned_on",
            "checkpoint",
            "notes",
        ]
        widgets = {
            "document_issued_on": DateInput(),
            "document_expires_on": DateInput(),
            "planned_on": DateInput(),
            "document_number": forms.TextInput(attrs={"autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].queryset = BorderCheckpoint.objects.filter(is_active=True)
        self.fields["facility"].queryset = facilities
        self.fields["document_number"].max_length = 60
        _cap_text(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        issued, expires, planned = (
            data.get("document_issued_on"),
            data.get("document_expires_on"),
            data.get("planned_on"),
        )
        if issued and issued > timezone.localdate():
            self.add_error("document_issued_on", _("The date cannot be in the future."))
        if issued and expires and expires < issued:
            self.add_error("document_expires_on", _("The document cannot expire before it was issued."))
        elif expires and planned and expires < planned:
            self.add_error(
                "document_expires_on", _("The document expires before the planned date of return.")
            )
        return data


class HandoverForm(Form):
    returnees = forms.ModelMultipleChoiceField(
        label=_("People handed over"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,  # type: ignore[arg-type]
    )
    checkpoint = forms.ModelChoiceField(label=_("Border checkpoint"), queryset=None)  # type: ignore[arg-type]
    handed_over_on = forms.DateField(label=_("Date"), widget=DateInput())
    handed_over_time = forms.TimeField(label=_("Time"), widget=TimeInput())
    handed_over_by_org = forms.ModelChoiceField(label=_("Handed over by (organisation)"), queryset=None)  # type: ignore[arg-type]
    handed_over_by_names = forms.CharField(
        label=_("Officers who handed over"), help_text=_("Names and positions.")
    )
    received_by = forms.ModelChoiceField(label=_("Received by"), queryset=None)  # type: ignore[arg-type]
    received_by_names = forms.CharField(
        label=_("Others who received"),
        required=False,
        help_text=_("For example the immigration officer or the Lao Women's Union."),
    )
    documents = forms.MultipleChoiceField(
        label=_("Documents handed over"),
        choices=HandoverDocument.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    belongings = forms.CharField(
        label=_("Belongings"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    share_org_1 = forms.ModelChoiceField(label=_("Information shared with"), queryset=None, required=False)  # type: ignore[arg-type]
    share_sections_1 = forms.MultipleChoiceField(
        label=_("Information shared"),
        choices=InformationSection.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    share_org_2 = forms.ModelChoiceField(
        label=_("Information also shared with"), queryset=None, required=False
    )  # type: ignore[arg-type]
    share_sections_2 = forms.MultipleChoiceField(
        label=_("Information shared"),
        choices=InformationSection.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, returnees: Any, receivers: Any, agency: Organisation, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["returnees"].queryset = returnees
        self.fields["returnees"].label_from_instance = lambda r: (
            f"{r.case.person.display_name} ({r.case.reference})"
        )
        self.fields["checkpoint"].queryset = BorderCheckpoint.objects.filter(is_active=True)
        self.fields["handed_over_by_org"].queryset = Organisation.objects.filter(is_active=True)
        self.fields["handed_over_by_org"].initial = agency.pk
        self.fields["received_by"].queryset = receivers
        orgs = Organisation.objects.filter(is_active=True)
        self.fields["share_org_1"].queryset = orgs
        self.fields["share_org_2"].queryset = orgs
        _full_names(self, "handed_over_by_org", "share_org_1", "share_org_2")
        now = timezone.localtime()
        self.fields["handed_over_on"].initial = now.date()
        self.fields["handed_over_time"].initial = now.strftime("%H:%M")
        _cap_text(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in ("1", "2"):
            org, sections = data.get(f"share_org_{n}"), data.get(f"share_sections_{n}")
            if org and not sections:
                self.add_error(f"share_sections_{n}", _("Say what information was shared."))
            if sections and not org:
                self.add_error(
                    f"share_org_{n}", _("Choose the organisation the information was shared with.")
                )
        day = data.get("handed_over_on")
        if day and day > timezone.localdate():
            self.add_error("handed_over_on", _("The date cannot be in the future."))
        return data

    @property
    def handed_over_at(self) -> dt.datetime:
        return _at(self.cleaned_data["handed_over_on"], self.cleaned_data["handed_over_time"])


class FacilityForm(ModelForm):
    class Meta:
        model = Facility
        fields = ["name", "province", "address", "phone", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = _lao_provinces()
        _cap_text(self)


class RoomForm(ModelForm):
    beds = forms.IntegerField(label=_("Beds to add"), min_value=0, max_value=50, initial=0)

    class Meta:
        model = Room
        fields = ["name", "age_group", "sex", "accessible", "notes", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["beds"].initial = 4
        _cap_text(self)


class AdmitForm(Form):
    bed = forms.ChoiceField(label=_("Bed"))
    admitted_on = forms.DateField(label=_("Date of admission"), widget=DateInput())
    admitted_time = forms.TimeField(label=_("Time"), widget=TimeInput())

    def __init__(self, *args: Any, beds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bed"].choices = [("", _("Choose a bed")), *beds]
        now = timezone.localtime()
        self.fields["admitted_on"].initial = now.date()
        self.fields["admitted_time"].initial = now.strftime("%H:%M")

    def clean_admitted_on(self) -> dt.date:
        value = self.cleaned_data["admitted_on"]
        _not_future(value)
        return value

    @property
    def admitted_at(self) -> dt.datetime:
        return _at(self.cleaned_data["admitted_on"], self.cleaned_data["admitted_time"])


class MoveForm(Form):
    bed = forms.ChoiceField(label=_("Move to bed"))

    def __init__(self, *args: Any, beds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bed"].choices = [("", _("Choose a bed")), *beds]


class StayServiceForm(ModelForm):
    class Meta:
        model = StayService
        fields = ["kind", "happened_on", "provider", "summary"]
        widgets = {"happened_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "provider": _(
                "The person or organisation that gave it, for example a doctor of the district hospital."
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["happened_on"].initial = timezone.localdate()
        _cap_text(self)

    def clean_happened_on(self) -> dt.date:
        value = self.cleaned_data["happened_on"]
        _not_future(value)
        return value


class MedicalConsentForm(Form):
    granted = forms.TypedChoiceField(
        label=_("Consent to medical checks and tests"),
        choices=[("1", _("Given")), ("0", _("Refused"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    given_on = forms.DateField(label=_("Date of the answer"), widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: agreed to a general check, not to blood tests."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_on"].initial = timezone.localdate()
        _cap_text(self)

    def clean_given_on(self) -> dt.date:
        value = self.cleaned_data["given_on"]
        _not_future(value)
        return value


class DischargeForm(Form):
    discharged_on = forms.DateField(label=_("Date of discharge"), widget=DateInput())
    discharged_time = forms.TimeField(label=_("Time"), widget=TimeInput())
    destination_province = forms.ModelChoiceField(label=_("Province going to"), queryset=None)  # type: ignore[arg-type]
    destination_district = forms.ModelChoiceField(label=_("District going to"), queryset=None, required=False)  # type: ignore[arg-type]
    escort_names = forms.CharField(
        label=_("Escorted by"), help_text=_("Names and organisations of the escorts.")
    )
    received_by_org = forms.ModelChoiceField(
        label=_("Handed over to (organisation)"),
        queryset=None,  # type: ignore[arg-type]
        help_text=_("Usually the provincial labour and social welfare office."),
    )
    received_by_names = forms.CharField(label=_("Received by"), required=False)
    notes = forms.CharField(
        label=_("Notes on the handover"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["destination_province"].queryset = _lao_provinces()
        self.fields["destination_district"].queryset = _lao_districts()
        self.fields["destination_district"].widget.attrs.update(
            {"data-district-for": "id_destination_province"}
        )
        self.fields["received_by_org"].queryset = internal_organisations()
        _full_names(self, "received_by_org")
        now = timezone.localtime()
        self.fields["discharged_on"].initial = now.date()
        self.fields["discharged_time"].initial = now.strftime("%H:%M")
        _cap_text(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        province, district = data.get("destination_province"), data.get("destination_district")
        if province and district and district.parent_id != province.id:
            self.add_error("destination_district", _("The district must be in the province chosen."))
        day = data.get("discharged_on")
        if day and day > timezone.localdate():
            self.add_error("discharged_on", _("The date cannot be in the future."))
        return data

    @property
    def discharged_at(self) -> dt.datetime:
        return _at(self.cleaned_data["discharged_on"], self.cleaned_data["discharged_time"])


class StayPlanForm(Form):
    facility = forms.ModelChoiceField(label=_("Transit centre"), queryset=None)  # type: ignore[arg-type]
    expected_on = forms.DateField(label=_("Expected arrival"), widget=DateInput())
    expected_departure = forms.DateField(label=_("Expected departure"), required=False, widget=DateInput())

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        self.fields["expected_on"].initial = timezone.localdate()
        _cap_text(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        arrival, departure = data.get("expected_on"), data.get("expected_departure")
        if arrival and departure and departure < arrival:
            self.add_error("expected_departure", _("The departure cannot be before the arrival."))
        return data
