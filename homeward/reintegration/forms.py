from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homeward.accounts.models import Organisation
from homeward.cases.forms import DateInput
from homeward.cases.picklists import ClosureReason, FollowsReason
from homeward.forms import Form, ModelForm
from homeward.forms import cap_text as _cap_text
from homeward.reintegration.models import NeedsAssessment, ReintegrationPlan, ServiceDelivered
from homeward.reintegration.picklists import NeedArea, NeedLevel, NeedScope, SupportPlanType, VisitMode
from homeward.returns.picklists import ReturnRisk


def _not_future(value: dt.date | None) -> None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))


class NeedsForm(ModelForm):
    class Meta:
        model = NeedsAssessment
        fields = ["assessed_on", "goals", "notes"]
        widgets = {
            "assessed_on": DateInput(),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "goals": _("Write them as the person says them: what they want for themselves and their family.")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["assessed_on"] = self.initial.get("assessed_on") or timezone.localdate()
        _cap_text(self)

    def clean_assessed_on(self) -> dt.date:
        value = self.cleaned_data["assessed_on"]
        _not_future(value)
        return value


class NeedRatingForm(Form):
    level = forms.ChoiceField(
        label=_("Need"), choices=NeedLevel.choices, initial=NeedLevel.NONE, widget=forms.RadioSelect
    )
    scopes = forms.MultipleChoiceField(
        label=_("At the level of"),
        choices=NeedScope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 1}))

    def __init__(self, *args: Any, area: str, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"need-{area}", **kwargs)
        self.area = area
        self.area_label = NeedArea(area).label
        _cap_text(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("level") in ("some", "serious") and not data.get("scopes"):
            self.add_error(
                "scopes", _("Say at which level the need is: the person, the family or the community.")
            )
        return data


class PlanForm(ModelForm):
    types = forms.MultipleChoiceField(
        label=_("Types of support"), choices=SupportPlanType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ReintegrationPlan
        fields = ["objectives", "action_plan", "types", "planned_end", "actual_end"]
        widgets = {
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "action_plan": forms.Textarea(attrs={"rows": 5}),
            "planned_end": DateInput(),
            "actual_end": DateInput(),
        }
        help_texts = {
            "objectives": _("What the person wants to reach, agreed with them."),
            "action_plan": _("Who does what, by when: services, referrals, grants, visits."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objectives"].required = True
        _cap_text(self, limit=5000)


class DecisionForm(Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _cap_text(self)


class ServiceForm(ModelForm):
    class Meta:
        model = ServiceDelivered
        fields = [
            "type",
            "description",
            "provider_org",
            "provider_name",
            "delivered_on",
            "cost",
            "currency",
            "in_kind",
            "grant_purpose",
        ]
        widgets = {"delivered_on": DateInput(), "description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "provider_name": _("When the provider is not in the list: a person, a shop, a school."),
            "in_kind": _("For example: a sewing machine, 50 kg of rice, school uniforms."),
            "grant_purpose": _(
                "For a business or education grant, give its amount as the cost, and its instalments below."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider_org"].queryset = Organisation.objects.filter(is_active=True, is_external=False)
        self.fields["delivered_on"].initial = timezone.localdate()
        self.fields["cost"].widget.attrs.update({"inputmode": "decimal"})
        _cap_text(self)

    def clean_delivered_on(self) -> dt.date:
        value = self.cleaned_data["delivered_on"]
        _not_future(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("cost") is not None and not data.get("currency"):
            self.add_error("currency", _("Choose the currency: LAK, THB or USD."))
        if data.get("currency") and data.get("cost") is None:
            self.add_error("cost", _("Give the cost as an amount of 0 or more."))
        if data.get("cost") is not None and data["cost"] < 0:
            self.add_error("cost", _("Give the cost as an amount of 0 or more."))
        return data


class InstalmentForm(Form):
    due_on = forms.DateField(label=_("Instalment due on"), required=False, widget=DateInput())
    amount = forms.DecimalField(
        label=_("Amount"), required=False, max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("due_on")) != bool(data.get("amount")):
            self.add_error("amount", _("Give both the date and the amount of the instalment."))
        _not_future(data.get("paid_on"))
        return data


class PaidForm(Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()

    def clean_paid_on(self) -> dt.date:
        value = self.cleaned_data["paid_on"]
        _not_future(value)
        return value


class VisitAddForm(Form):
    due_on = forms.DateField(label=_("Date of the extra visit"), widget=DateInput())


class VisitForm(Form):
    visited_on = forms.DateField(label=_("Date of the visit"), widget=DateInput())
    mode = forms.ChoiceField(label=_("How"), choices=VisitMode.choices, widget=forms.RadioSelect)
    place = forms.CharField(
        label=_("Where"), required=False, help_text=_("Village or place; not the street address.")
    )
    new_risks = forms.MultipleChoiceField(
        label=_("New risks"), choices=ReturnRisk.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    risk_notes = forms.CharField(
        label=_("Details of new risks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, indicators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"q_{indicator.code}"] = forms.ChoiceField(
                label=indicator.text,
                required=False,
                choices=[(o.code, o.label) for o in indicator.options.all()] + [("", _("No answer"))],
                widget=forms.RadioSelect,
            )
        _cap_text(self)

    def clean_visited_on(self) -> dt.date:
        value = self.cleaned_data["visited_on"]
        _not_future(value)
        return value

    @property
    def survey_fields(self) -> list[Any]:
        return [self[f"q_{i.code}"] for i in self.indicators]

    @property
    def visit_fields(self) -> list[Any]:
        return [self[name] for name in ("visited_on", "mode", "place", "new_risks", "risk_notes", "notes")]

    def answers(self) -> dict[str, str | None]:
        return {i.code: self.cleaned_data.get(f"q_{i.code}") or None for i in self.indicators}


class MissedForm(Form):
    note = forms.CharField(
        label=_("Why the visit could not take place"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _cap_text(self)


class ClosureForm(Form):
    reason = forms.ChoiceField(label=_("Reason for closure"), choices=ClosureReason.choices)
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    referred = forms.BooleanField(
        label=_("The person was referred on to another organisation (HTCDS: closed and referred)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _cap_text(self)


class LinkForm(Form):
    earlier = forms.ModelChoiceField(label=_("Earlier case of the same person"), queryset=None)  # type: ignore[arg-type]
    reason = forms.ChoiceField(label=_("Why a new case"), choices=FollowsReason.choices)

    def __init__(self, *args: Any, earlier: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["earlier"].queryset = earlier
        self.fields["earlier"].label_from_instance = lambda c: f"{c.reference} ({c.opened_on:%d/%m/%Y})"
        _cap_text(self)


class ScoreWeightsForm(Form):
    """A new configuration version: weights of dimensions and indicators, scores of answers, the drop threshold."""

    name = forms.CharField(label=_("Name of the new version"), max_length=200)
    weight_economic = forms.DecimalField(
        label=_("Weight of the economic dimension"), min_value=0, max_digits=6, decimal_places=4
    )
    weight_social = forms.DecimalField(
        label=_("Weight of the social dimension"), min_value=0, max_digits=6, decimal_places=4
    )
    weight_psychosocial = forms.DecimalField(
        label=_("Weight of the psychosocial dimension"), min_value=0, max_digits=6, decimal_places=4
    )
    drop_threshold = forms.DecimalField(
        label=_("Flag a drop of at least"),
        min_value=Decimal("0.001"),
        max_value=1,
        max_digits=4,
        decimal_places=3,
    )

    def __init__(self, *args: Any, config: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config = config
        self.rows = []
        for indicator in config.indicators.prefetch_related("options"):
            weight_name = f"w_{indicator.code}"
            self.fields[weight_name] = forms.DecimalField(
                label=indicator.text, min_value=0, max_digits=6, decimal_places=4, initial=indicator.weight
            )
            option_names = []
            for option in indicator.options.all():
                name = f"s_{indicator.code}__{option.code}"
                self.fields[name] = forms.DecimalField(
                    label=option.label,
                    required=False,
                    min_value=0,
                    max_value=1,
                    max_digits=5,
                    decimal_places=4,
                    initial=option.score,
                )
                option_names.append(name)
            self.rows.append((indicator, weight_name, option_names))
        for dimension in ("economic", "social", "psychosocial"):
            self.fields[f"weight_{dimension}"].initial = config.dimension_weight(dimension)
        self.fields["drop_threshold"].initial = config.drop_threshold
        self.fields["name"].initial = config.name

    def bound_rows(self) -> list[tuple[Any, Any, list[Any]]]:
        return [(i, self[w], [self[n] for n in names]) for i, w, names in self.rows]
