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
