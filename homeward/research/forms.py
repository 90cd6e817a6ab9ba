from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from homeward.accounts.models import Organisation
from homeward.cases.forms import DateInput
from homeward.forms import Form, cap_text
from homeward.places.models import Area
from homeward.research import dashboards
from homeward.research import fields as F
from homeward.research.models import Dataset
from homeward.research.services import DP_DIMENSIONS


class FilterForm(Form):
    date_from = forms.DateField(label=_("Cases opened from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("until"), required=False, widget=DateInput())
    province = forms.ModelChoiceField(
        label=_("Province of origin"),
        queryset=Area.objects.filter(country__code="LA", level=1).order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All provinces"),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All organisations"),
    )
    sex = forms.ChoiceField(label=_("Sex"), required=False)
    age_group = forms.ChoiceField(label=_("Age when the case opened"), required=False)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["organisation"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = Organisation.objects.filter(id__in=[o.id for o in organisations]).order_by(
            "name"
        )
        self.fields["sex"].choices = [("", _("Any sex"))] + [
            (k, label) for k, label, _g in dashboards.SEX_GROUPS
        ]  # type: ignore[attr-defined]
        self.fields["age_group"].choices = [("", _("All ages"))] + [(k, k) for k in dashboards.AGE_GROUPS]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return data

    def filters(self) -> dashboards.Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return dashboards.Filters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            province=data.get("province"),
            organisation=data.get("organisation"),
            sex=data.get("sex") or "",
            age_group=data.get("age_group") or "",
        )


def _field_choices() -> list[tuple[str, Any]]:
    return [(f.key, f.label) for f in F.FIELDS]


class KanonForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    purpose = forms.CharField(label=_("Purpose of the research"), widget=forms.Textarea(attrs={"rows": 3}))
    quasi_identifiers = forms.MultipleChoiceField(
        label=_("Quasi-identifiers"),
        help_text=_(
            "Fields someone could know about a person from elsewhere (age, sex, home area, year). They are "
            "generalised until every person looks like at least k − 1 others."
        ),
        choices=_field_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    sensitive = forms.MultipleChoiceField(
        label=_("Sensitive attributes"),
        help_text=_(
            "Fields the research is about. Each group must hold at least l different values of each."
        ),
        choices=_field_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    k = forms.IntegerField(
        label=_("k: the smallest group of people who look the same"),
        initial=5,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
    )
    l_div = forms.IntegerField(
        label=_("l: the fewest different sensitive values in a group"),
        initial=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    max_suppressed = forms.DecimalField(
        label=_("Records that may be left out (%)"),
        initial=Decimal("5"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(20))],
    )
    opened_from = forms.DateField(label=_("Cases opened from"), required=False, widget=DateInput())
    opened_to = forms.DateField(label=_("until"), required=False, widget=DateInput())
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations"),
        help_text=_("None ticked: every organisation."),
        queryset=Organisation.objects.filter(is_external=False).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cap_text(self, 2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("opened_from"), data.get("opened_to")
        if start and end and end < start:
            self.add_error("opened_to", _("The end of the period comes before its start."))
        return data


class DpForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    purpose = forms.CharField(label=_("Purpose of the figures"), widget=forms.Textarea(attrs={"rows": 3}))
    dataset = forms.ModelChoiceField(label=_("Dataset"), queryset=Dataset.objects.all(), to_field_name="code")
    first = forms.ChoiceField(label=_("Count people by"))
    second = forms.ChoiceField(label=_("and by (optional)"), required=False)
    epsilon = forms.DecimalField(
        label=_("Privacy cost (epsilon)"),
        help_text=_("Smaller is more private and noisier. It is taken from the dataset's budget."),
        max_digits=6,
        decimal_places=3,
        initial=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("10"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dims = [(d, F.BY_KEY[d].label) for d in DP_DIMENSIONS]
        self.fields["first"].choices = dims  # type: ignore[attr-defined]
        self.fields["second"].choices = [("", _("Nothing else")), *dims]  # type: ignore[attr-defined]
        cap_text(self, 2000)

    def dimensions(self) -> list[str]:
        return [d for d in (self.cleaned_data["first"], self.cleaned_data.get("second")) if d]


class DatasetForm(Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    opened_from = forms.DateField(label=_("Cases opened from"), widget=DateInput())
    opened_to = forms.DateField(label=_("until"), widget=DateInput())
    epsilon_budget = forms.DecimalField(
        label=_("Privacy budget (epsilon)"),
        help_text=_(
            "The total privacy cost of every set of counts drawn from this dataset. 1 to 3 is usual."
        ),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("20"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cap_text(self, 2000)


class WithdrawForm(Form):
    reason = forms.CharField(label=_("Why is it withdrawn?"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cap_text(self, 1000)
