"""Form conventions shared by every app: no markup in text, and GOV.UK-style rendering hooks."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_markup(value: Any) -> None:
    """Refuse text that carries HTML or script. Templates escape everything anyway; this keeps stored data clean
    and tells the person why."""
    if not isinstance(value, str):
        return
    if _MARKUP.search(value):
        raise ValidationError(
            _("Remove the HTML or script from this text: characters such as < and > cannot be saved here."),
            code="markup",
        )
    if _CONTROL.search(value):
        raise ValidationError(
            _("This text contains invisible control characters. Type it again."), code="control"
        )


def max_length(limit: int):
    """A length limit with Homeward's own translated message (Django has no Lao catalogue). Encrypted text
    fields have no database length, so forms set one with this."""

    def check(value: str) -> None:
        if value and len(value) > limit:
            raise ValidationError(
                _("This must be %(limit)d characters or fewer."), params={"limit": limit}, code="max_length"
            )

    return check


def cap_text(form: forms.BaseForm, limit: int = 2000) -> None:
    """Give every free-text field of a form a length limit, and start every drop-down list with "Choose one"
    rather than a row of dashes."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and not isinstance(
            field, forms.ModelMultipleChoiceField
        ):
            if field.empty_label is not None:
                field.empty_label = _("Choose one")
        elif isinstance(field, forms.ChoiceField) and not isinstance(
            field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)
        ):
            field.choices = [(v, _("Choose one") if v == "" else label) for v, label in field.choices]
        if isinstance(field, forms.CharField) and not isinstance(field, forms.ChoiceField):
            field.max_length = min(field.max_length or limit, limit)
            field.validators.append(max_length(field.max_length))
            field.widget.attrs.setdefault("maxlength", str(field.max_length))


class HomewardFormMixin:
    """Adds ``no_markup`` to every text field and marks fields with errors for styling and screen readers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, forms.CharField):
                field.validators.append(no_markup)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{name}-error"


class Form(HomewardFormMixin, forms.Form):
    pass


class ModelForm(HomewardFormMixin, forms.ModelForm):
    pass


def client_ip(request: Any) -> str | None:
    """The client's address as django-axes sees it (django-ipware; HOMEWARD_CLIENT_IP_HEADER behind a proxy)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None
