"""Mark a case's figures stale whenever something they are computed from is saved or deleted."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from homeward.research.facts import mark_stale


def _case(instance: Any, **_kwargs: Any) -> None:
    mark_stale([instance.pk])
    if getattr(instance, "follows_id", None):
        mark_stale([instance.follows_id])  # the earlier case now counts as followed


def _by_case_id(instance: Any, **_kwargs: Any) -> None:
    mark_stale([getattr(instance, "case_id", None)])


def _person(instance: Any, **_kwargs: Any) -> None:
    mark_stale(instance.cases.values_list("id", flat=True)) if instance.pk else None


def _request(instance: Any, **_kwargs: Any) -> None:
    mark_stale(instance.returnees.values_list("case_id", flat=True)) if instance.pk else None


def _handover(instance: Any, **_kwargs: Any) -> None:
    mark_stale([instance.returnee.case_id])


def _survey(instance: Any, **_kwargs: Any) -> None:
    mark_stale([instance.visit.case_id])


def connect() -> None:
    from homeward.cases.models import Case, TraffickingEvent, VictimContext
    from homeward.people.models import Person
    from homeward.referrals.models import Referral
    from homeward.reintegration.models import ReintegrationPlan, SurveyResponse
    from homeward.returns.models import Handover, Returnee, ReturnRequest, Stay

    for signal in (post_save, post_delete):
        signal.connect(_case, sender=Case, dispatch_uid=f"research-case-{signal}")
        signal.connect(_person, sender=Person, dispatch_uid=f"research-person-{signal}")
        signal.connect(_request, sender=ReturnRequest, dispatch_uid=f"research-request-{signal}")
        signal.connect(_handover, sender=Handover, dispatch_uid=f"research-handover-{signal}")
        signal.connect(_survey, sender=SurveyResponse, dispatch_uid=f"research-survey-{signal}")
        for model in (VictimContext, TraffickingEvent, Returnee, Stay, ReintegrationPlan, Referral):
            signal.connect(_by_case_id, sender=model, dispatch_uid=f"research-{model.__name__}-{signal}")
