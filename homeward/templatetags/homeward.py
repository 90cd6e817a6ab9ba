from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    return {"forms_with_errors": [f for f in forms if f is not None and f.is_bound and f.errors]}


def _picklist(name: str) -> Any:
    from homeward.cases import picklists
    from homeward.returns import picklists as return_picklists

    return getattr(picklists, name, None) or getattr(return_picklists, name)


@register.filter
def labels(values: list[str], choices: Any) -> str:
    """Labels of picklist values, joined: {{ victim.exploitation_types|labels:'Exploitation' }}."""
    mapping = dict(_picklist(choices).choices)
    return ", ".join(str(mapping.get(v, v)) for v in values or [])


@register.filter
def label_of(value: str, choices: str) -> str:
    return str(dict(_picklist(choices).choices).get(value, value)) if value else ""


@register.filter
def audit_object_type(value: str) -> str:
    from homeward.audit.models import OBJECT_TYPES

    return str(OBJECT_TYPES.get(value, value))


@register.filter
def audit_fields(values: list[str]) -> str:
    """Field names of an audit event as the reader's language names them."""
    from homeward.audit.models import EXTRA_FIELD_LABELS
    from homeward.cases.models import Case, Consent, Document, TraffickingEvent, VictimContext
    from homeward.people.models import Person
    from homeward.returns import models as returns

    labels: dict[str, str] = {}
    for model in (
        returns.StayService,
        returns.Stay,
        returns.Handover,
        returns.TravelPlan,
        returns.Reply,
        returns.FamilyAssessment,
        returns.TracingAttempt,
        returns.Tracing,
        returns.ReturnRequest,
        TraffickingEvent,
        Document,
        Consent,
        VictimContext,
        Case,
        Person,
    ):
        for field in model._meta.get_fields():
            if hasattr(field, "verbose_name"):
                labels[field.name] = str(field.verbose_name)
    labels.update({k: str(v) for k, v in EXTRA_FIELD_LABELS.items()})
    return ", ".join(labels.get(v, v) for v in values or [])
