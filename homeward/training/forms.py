from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from homeward.accounts.models import Organisation
from homeward.cases.forms import DateInput
from homeward.forms import Form, ModelForm
from homeward.forms import cap_text as _cap_text
from homeward.places.models import Area, AreaLevel
from homeward.training.models import Course, Trainee, TrainingSession
from homeward.training.picklists import Topic


def _lao(level: int) -> Any:
    return Area.objects.filter(country__code="LA", level=level)


class CourseForm(ModelForm):
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Course
        fields = [
            "title_en",
            "title_lo",
            "description_en",
            "description_lo",
            "duration_days",
            "has_test",
            "max_score",
            "is_active",
        ]
        widgets = {
            "title_lo": forms.TextInput(attrs={"lang": "lo"}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "description_lo": forms.Textarea(attrs={"rows": 3, "lang": "lo"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["topics"] = self.instance.topics
        self.order_fields(["title_en", "title_lo", "topics"])
        _cap_text(self, 3000)

    def save(self, commit: bool = False) -> Course:  # type: ignore[override]
        course: Course = super().save(commit=False)
        course.topics = list(self.cleaned_data.get("topics") or [])
        return course


class SessionForm(ModelForm):
    class Meta:
        model = TrainingSession
        fields = [
            "course",
            "start_on",
            "end_on",
            "province",
            "district",
            "venue",
            "organiser",
            "trainers",
            "budget",
            "currency",
        ]
        widgets = {"start_on": DateInput(), "end_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(is_active=True) | Course.objects.filter(
            pk=self.instance.course_id or 0
        )
        self.fields["province"].queryset = _lao(AreaLevel.PROVINCE)
        self.fields["district"].queryset = _lao(AreaLevel.DISTRICT)
        self.fields["district"].widget.attrs.update({"data-district-for": "id_province"})
        self.fields["organiser"].queryset = Organisation.objects.filter(is_active=True, is_external=False)
        _cap_text(self)


class TraineeForm(ModelForm):
    class Meta:
        model = Trainee
        fields = ["name", "sex", "organisation", "position", "province"]

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["province"].queryset = _lao(AreaLevel.PROVINCE)
        _cap_text(self, 150)


class ExistingTraineeForm(Form):
    trainee = forms.ModelChoiceField(label=_("Someone already on record"), queryset=Trainee.objects.none())

    def __init__(self, *args: Any, trainees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trainee"].queryset = trainees
        self.fields["trainee"].label_from_instance = lambda t: f"{t.name} · {t.organisation}"
        _cap_text(self)


class ResultForm(Form):
    pre_score = forms.IntegerField(label=_("Pre-test"), required=False, min_value=0, max_value=1000)
    post_score = forms.IntegerField(label=_("Post-test"), required=False, min_value=0, max_value=1000)
    completed = forms.BooleanField(label=_("Completed"), required=False)


class ImportForm(Form):
    file = forms.FileField(
        label=_("Participant list"),
        help_text=_(
            "An Excel (.xlsx) or CSV file with the columns name, sex, organisation, position and province."
        ),
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Certificate code"), max_length=20, help_text=_("For example TC-7K3F-9QXD.")
    )
