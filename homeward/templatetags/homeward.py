from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    return {"forms_with_errors": [f for f in forms if f is not None and f.is_bound and f.errors]}


@register.filter
def labels(values: list[str], choices: Any) -> str:
    """Labels of picklist values, joined: {{ victim.exploitation_types|labels:'Exploitation' }}."""
    from homeward.cases import picklists

    enum = getattr(picklists, choices)
    mapping = dict(enum.choices)
    return ", ".join(str(mapping.get(v, v)) for v in values or [])


@register.filter
def label_of(value: str, choices: str) -> str:
    from homeward.cases import picklists

    return str(dict(getattr(picklists, choices).choices).get(value, value)) if value else ""
