"""Build training through the real services, for tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from homeward.places.models import Area
from homeward.training import services
from homeward.training.models import Course, Participation, Trainee, TrainingSession


def course(personas: Any, **fields: Any) -> Course:
    data: dict[str, Any] = {
        "title_en": "Psychosocial first aid",
        "title_lo": "ການຊ່ວຍເຫຼືອທາງຈິດໃຈເບື້ອງຕົ້ນ",
        "topics": ["psychosocial"],
        "duration_days": 2,
        "max_score": 20,
    }
    data.update(fields)
    return services.course_save(actor=personas.nora, course=Course(**data))


def session(personas: Any, of: Course, days_ago: int = 10, **fields: Any) -> TrainingSession:
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    data: dict[str, Any] = {
        "course": of,
        "start_on": start,
        "end_on": start + dt.timedelta(days=of.duration_days - 1),
        "province": Area.objects.get(code="LA13"),
        "organiser": personas.org_i,
        "trainers": "Trainer One (synthetic)",
    }
    data.update(fields)
    return services.session_save(actor=personas.nora, session=TrainingSession(**data))


def trainee(personas: Any, org: Any = None, name: str = "Khamla Synthetic", **fields: Any) -> Trainee:
    data: dict[str, Any] = {
        "name": name,
        "sex": "female",
        "organisation": org or personas.org_a,
        "position": "Caseworker",
        "province": Area.objects.get(code="LA13"),
    }
    data.update(fields)
    return services.trainee_save(actor=personas.nora, trainee=Trainee(**data))


def complete(personas: Any, participation: Participation, pre: int = 8, post: int = 16) -> Participation:
    services.record_attendance(
        actor=personas.nora,
        session=participation.session,
        present={participation.id: participation.session.days()},
    )
    return services.record_result(
        actor=personas.nora, participation=participation, pre_score=pre, post_score=post, completed=True
    )
