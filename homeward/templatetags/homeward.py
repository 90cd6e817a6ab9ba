from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    return {"forms_with_errors": [f for f in forms if f is not None and f.is_bound and f.errors]}


def _picklist(name: str) -> Any:
    from homeward.cases import picklists
    from homeward.referrals import picklists as referral_picklists
    from homeward.reintegration import picklists as reintegration_picklists
    from homeward.returns import picklists as return_picklists
    from homeward.training import picklists as training_picklists

    for module in (
        picklists,
        return_picklists,
        reintegration_picklists,
        referral_picklists,
        training_picklists,
    ):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(name)


@register.filter
def labels(values: list[str], choices: Any) -> str:
    """Labels of picklist values, joined: {{ victim.exploitation_types|labels:'Exploitation' }}."""
    mapping = dict(_picklist(choices).choices)
    return ", ".join(str(mapping.get(v, v)) for v in values or [])


@register.filter
def label_of(value: str, choices: str) -> str:
    return str(dict(_picklist(choices).choices).get(value, value)) if value else ""


@register.filter
def percent(value: Any, digits: int = 1) -> str:
    """0.0525 -> "5.3%" (in the language's number format)."""
    from django.utils.formats import number_format

    try:
        return f"{number_format(round(float(value) * 100, digits), digits)}%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None


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


CHART_SERIES = (
    ("economic", "#1d70b8"),
    ("social", "#00703c"),
    ("psychosocial", "#b58840"),
    ("composite", "#0b0c0c"),
)


@register.inclusion_tag("reintegration/_score_chart.html")
def score_chart(responses: list[Any]) -> dict[str, Any]:
    """An SVG line chart of the sustainability scores over visits (no script, no library): x is the visit,
    y the score from 0 to 1. The data table next to it carries the same figures for screen readers."""
    from homeward.reintegration.picklists import Dimension

    width, height, left, right, top, bottom = 640, 240, 40, 40, 12, 36
    inner_w, inner_h = width - left - right, height - top - bottom
    count = len(responses)

    def x(index: int) -> float:
        return left + (inner_w / 2 if count == 1 else inner_w * index / (count - 1))

    def y(value: Any) -> float:
        return top + inner_h * (1 - float(value))

    from django.utils.translation import gettext as _

    labels: dict[str, str] = {value: str(label) for value, label in Dimension.choices}
    labels["composite"] = _("Composite")
    series = []
    for name, colour in CHART_SERIES:
        points = [
            (x(i), y(getattr(r, name))) for i, r in enumerate(responses) if getattr(r, name) is not None
        ]
        series.append(
            {
                "name": name,
                "label": labels[name],
                "colour": colour,
                "points": " ".join(f"{px:.1f},{py:.1f}" for px, py in points),
                "dots": points,
                "width": 3 if name == "composite" else 2,
            }
        )
    return {
        "responses": responses,
        "series": series,
        "width": width,
        "height": height,
        "grid": [
            {"y": y(v), "label": f"{v:.2f}".rstrip("0").rstrip(".") if v else "0"}
            for v in (0, 0.25, 0.5, 0.75, 1)
        ],
        "ticks": [
            {"x": x(i), "label": r.visit.visited_on, "dropped": r.dropped} for i, r in enumerate(responses)
        ],
        "left": left,
        "right_edge": width - right,
        "bottom": height - bottom,
    }
