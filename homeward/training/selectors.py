"""Reads of capacity building that depend on who asks: the catalogue and sessions (every member), participant
lists (national coordinators: everyone; an organisation's admin: their own staff), coverage figures, the
training behind the directory's providers, and the public certificate check."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, Max, QuerySet
from django.http import Http404
from django.utils import timezone

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can, orgs_with
from homeward.lib.codes import normalise_reference
from homeward.places.models import Area
from homeward.training.models import Course, Participation, Trainee, TrainingSession
from homeward.training.picklists import Topic

RECENT = dt.timedelta(days=730)  # "in the last two years"


def _get(qs: QuerySet, code: Any) -> Any:
    try:
        return qs.get(code=code)
    except (qs.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def get_course(code: Any) -> Course:
    return _get(Course.objects.all(), code)


def get_session(code: Any) -> TrainingSession:
    return _get(TrainingSession.objects.select_related("course", "province", "district", "organiser"), code)


def participants_visible(user: Any, session: TrainingSession) -> QuerySet[Participation]:
    """The people on a session's list the user may see: all of them for those who run training, the
    organisation's own staff for its admin, nobody else."""
    qs = session.participations.select_related("trainee", "trainee__organisation", "trainee__province")
    if can(user, Cap.TRAINING_MANAGE):
        return qs
    return qs.filter(trainee__organisation_id__in=orgs_with(user, Cap.TRAINING_REGISTER))


def get_participation(user: Any, code: Any) -> Participation:
    participation = _get(
        Participation.objects.select_related("session__course", "trainee__organisation", "session__province"),
        code,
    )
    if can(user, Cap.TRAINING_MANAGE) or can(
        user, Cap.TRAINING_REGISTER, participation.trainee.organisation_id
    ):
        return participation
    raise Http404


def staff_of(user: Any) -> QuerySet[Trainee]:
    if can(user, Cap.TRAINING_MANAGE):
        return Trainee.objects.select_related("organisation")
    return Trainee.objects.filter(organisation_id__in=orgs_with(user, Cap.TRAINING_REGISTER)).select_related(
        "organisation"
    )


def verify(code: str) -> Participation | None:
    """The certificate with this code, for the public check (name, course and date only are shown)."""
    normalised = normalise_reference(code)
    if not normalised.startswith("TC-"):
        normalised = f"TC-{normalised}"
    return (
        Participation.objects.filter(certificate=normalised, completed=True)
        .select_related("trainee", "session__course")
        .first()
    )


# ---- coverage ---------------------------------------------------------------------------------------------
@dataclass
class Coverage:
    years: list[int]
    by_province: list[dict[str, Any]]
    by_organisation: list[dict[str, Any]]
    by_sex: list[dict[str, Any]]
    by_topic: list[dict[str, Any]]
    gains: list[dict[str, Any]]
    gaps: dict[str, list[Area]] = field(default_factory=dict)  # topic -> provinces without anyone trained
    total: int = 0


def coverage(today: dt.date | None = None, among: QuerySet[Participation] | None = None) -> Coverage:
    """People who completed training, counted once per breakdown and year of the session's end; knowledge gain
    per course; and, per topic, the Lao provinces where no one has completed it in the last two years.
    ``among`` narrows the participations counted (the research dashboard's filters)."""
    today = today or timezone.localdate()
    done = (among if among is not None else Participation.objects.all()).filter(completed=True)
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in done.values(
            "trainee_id",
            "trainee__sex",
            "trainee__province__code",
            "trainee__organisation__name",
            "session__end_on",
            "session__course__topics",
        )
    ]
    years = sorted({r["session__end_on"].year for r in rows})

    def table(key: str) -> list[dict[str, Any]]:
        people: dict[Any, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        for r in rows:
            people[r[key]][r["session__end_on"].year].add(r["trainee_id"])
        return [
            {"key": k, "years": [len(v.get(y, ())) for y in years], "total": len(set().union(*v.values()))}
            for k, v in sorted(people.items(), key=lambda kv: str(kv[0]))
        ]

    topic_people: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    recent: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        for topic in r["session__course__topics"] or []:
            topic_people[topic][r["session__end_on"].year].add(r["trainee_id"])
            if r["session__end_on"] >= today - RECENT:
                recent[topic].add(r["trainee__province__code"])
    provinces = list(Area.objects.filter(level=1, country__code="LA").order_by("code"))
    by_province = table("trainee__province__code")
    names = {a.code: a for a in provinces}
    for row in by_province:
        row["area"] = names.get(row["key"])
    gains = list(
        (among if among is not None else Participation.objects.all())
        .filter(pre_score__isnull=False, post_score__isnull=False)
        .values(
            "session__course__code",
            "session__course__title_en",
            "session__course__title_lo",
            "session__course__max_score",
        )
        .annotate(
            people=Count("id"),
            pre=Avg("pre_score"),
            post=Avg("post_score"),
            mean_gain=Avg(F("post_score") - F("pre_score")),
        )
        .order_by("session__course__title_en")
    )
    return Coverage(
        years=years,
        by_province=by_province,
        by_organisation=table("trainee__organisation__name"),
        by_sex=table("trainee__sex"),
        by_topic=[
            {
                "key": t,
                "years": [len(topic_people[t].get(y, ())) for y in years],
                "total": len(set().union(*topic_people[t].values())) if topic_people[t] else 0,
            }
            for t in Topic.values
        ],
        gains=gains,
        gaps={t: [a for a in provinces if a.code not in recent[t]] for t in Topic.values},
        total=len({r["trainee_id"] for r in rows}),
    )


def trained_topics(
    organisation_ids: list[int], today: dt.date | None = None
) -> dict[int, dict[str, dict[str, Any]]]:
    """{organisation id: {topic: {"people": n, "last": date}}}: staff who completed a topic in the last two
    years, for the directory."""
    today = today or timezone.localdate()
    out: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    rows = (
        Participation.objects.filter(
            completed=True,
            trainee__organisation_id__in=organisation_ids,
            session__end_on__gte=today - RECENT,
        )
        .values("trainee__organisation_id", "session__course__topics")
        .annotate(people=Count("trainee", distinct=True), last=Max("session__end_on"))
    )
    for r in rows:
        for topic in r["session__course__topics"] or []:
            current = out[r["trainee__organisation_id"]].get(topic)
            if current is None:
                out[r["trainee__organisation_id"]][topic] = {"people": r["people"], "last": r["last"]}
            else:
                current["people"] += r["people"]
                current["last"] = max(current["last"], r["last"])
    return out


def organisations_trained_in(topic: str, today: dt.date | None = None) -> list[int]:
    """Organisations with staff who completed a course on this topic in the last two years."""
    from homeward.fields import PicklistMultiField

    today = today or timezone.localdate()
    return list(
        Participation.objects.filter(
            completed=True,
            session__end_on__gte=today - RECENT,
            session__course__topics__contains=PicklistMultiField.needle(topic),
        )
        .values_list("trainee__organisation_id", flat=True)
        .distinct()
    )
