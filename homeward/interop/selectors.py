"""Reads of imports and exports that depend on who asks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import orgs_with
from homeward.interop.models import ImportJob, Submission


def import_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations where the user may import cases (open cases)."""
    return Organisation.objects.filter(id__in=orgs_with(user, Cap.CASE_CREATE)).order_by("name")


def export_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations whose cases the user may export (see, with identifying data)."""
    return Organisation.objects.filter(id__in=orgs_with(user, Cap.CASE_VIEW)).order_by("name")


def import_jobs(user: Any) -> QuerySet[ImportJob]:
    """Imports of the organisations where the user may import: colleagues can carry on each other's."""
    return ImportJob.objects.filter(organisation_id__in=orgs_with(user, Cap.CASE_CREATE)).select_related(
        "created_by", "organisation"
    )


def get_import_for(user: Any, code: Any) -> ImportJob:
    try:
        return import_jobs(user).get(code=code)
    except (ImportJob.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def intake_queue(user: Any) -> QuerySet[Submission]:
    """Forms sent from phones to the organisations where the user may open cases."""
    return Submission.objects.filter(organisation_id__in=orgs_with(user, Cap.CASE_CREATE)).select_related(
        "submitted_by", "organisation", "case"
    )


def get_submission_for(user: Any, code: Any) -> Submission:
    try:
        return intake_queue(user).get(code=code)
    except (Submission.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
