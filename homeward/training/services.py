"""Every write of capacity building: keyword-only, atomic, validated, audited. National coordinators run the
training (`training.manage`); an organisation's admin registers the organisation's own staff
(`training.register`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.services import PermissionDenied404
from homeward.lib.codes import reference
from homeward.training.models import Attendance, Course, Participation, Trainee, TrainingSession


def may_manage(actor: Any) -> bool:
    return can(actor, Cap.TRAINING_MANAGE)


def may_register(actor: Any, organisation_id: int) -> bool:
    return may_manage(actor) or can(actor, Cap.TRAINING_REGISTER, organisation_id)


def _manage(actor: Any) -> None:
    if not may_manage(actor):
        raise PermissionDenied404


def _audit(
    actor: Any,
    action: str,
    object_type: str,
    codes: Iterable[Any],
    fields: Iterable[str] = (),
    organisation_id: int | None = None,
    ip: str | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_codes=list(codes),
        fields=list(fields),
        organisation_id=organisation_id,
        ip=ip,
    )


@transaction.atomic
def course_save(*, actor: Any, course: Course, ip: str | None = None) -> Course:
    _manage(actor)
    if not course.topics:
        raise ValidationError({"topics": _("Choose at least one topic.")})
    creating = course.pk is None
    if creating:
        course.created_by = actor
    course.full_clean()
    course.save()
    _audit(actor, Action.CREATE if creating else Action.UPDATE, "course", [course.code], ip=ip)
    return course


@transaction.atomic
def session_save(*, actor: Any, session: TrainingSession, ip: str | None = None) -> TrainingSession:
    _manage(actor)
    errors: dict[str, list[str]] = {}
    if session.end_on and session.start_on and session.end_on < session.start_on:
        errors.setdefault("end_on", []).append(_("The last day cannot be before the first."))
    if session.start_on and session.end_on and (session.end_on - session.start_on).days > 60:
        errors.setdefault("end_on", []).append(_("A session lasts at most 60 days."))
    if session.district_id and session.district and session.district.parent_id != session.province_id:
        errors.setdefault("district", []).append(_("That district is not in the province you chose."))
    if (session.budget is None) != (not session.currency):
        errors.setdefault("budget", []).append(_("Give both the budget and its currency, or neither."))
    if errors:
        raise ValidationError(errors)
    creating = session.pk is None
    if not creating:
        stored = TrainingSession.objects.get(pk=session.pk)
        outside = Attendance.objects.filter(participation__session=session).exclude(
            day__range=(session.start_on, session.end_on)
        )
        if (stored.start_on, stored.end_on) != (session.start_on, session.end_on) and outside.filter(
            present=True
        ).exists():
            raise ValidationError(
                {"start_on": _("Attendance is recorded on days outside the new dates: correct it first.")}
            )
        outside.delete()
    else:
        session.created_by = actor
    session.full_clean()
    session.save()
    _audit(
        actor,
        Action.CREATE if creating else Action.UPDATE,
        "training_session",
        [session.code],
        organisation_id=session.organiser_id,
        ip=ip,
    )
    return session


@transaction.atomic
def trainee_save(*, actor: Any, trainee: Trainee, ip: str | None = None) -> Trainee:
    if not may_register(actor, trainee.organisation_id):
        raise PermissionDenied404
    if trainee.pk is not None:
        stored_org = Trainee.objects.filter(pk=trainee.pk).values_list("organisation_id", flat=True).first()
        if stored_org is not None and not may_register(actor, stored_org):
            raise PermissionDenied404
    trainee.name = " ".join(trainee.name.split())
    creating = trainee.pk is None
    trainee.full_clean()
    trainee.save()
    _audit(
        actor,
        Action.CREATE if creating else Action.UPDATE,
        "trainee",
        [trainee.code],
        ["name", "sex", "position", "province"],
        trainee.organisation_id,
        ip,
    )
    return trainee


@transaction.atomic
def register(
    *, actor: Any, session: TrainingSession, trainee: Trainee, ip: str | None = None
) -> Participation:
    """Put someone on a session's list. An admin may register only the organisation's own staff."""
    if not may_register(actor, trainee.organisation_id):
        raise PermissionDenied404
    if Participation.objects.filter(session=session, trainee=trainee).exists():
        raise ValidationError(_("%(name)s is already registered for this session.") % {"name": trainee.name})
    try:
        with transaction.atomic():
            participation = Participation.objects.create(
                session=session, trainee=trainee, registered_by=actor
            )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s is already registered for this session.") % {"name": trainee.name}
        ) from None
    _audit(
        actor,
        Action.CREATE,
        "participation",
        [participation.code, session.code, trainee.code],
        organisation_id=trainee.organisation_id,
        ip=ip,
    )
    return participation


@transaction.atomic
def unregister(*, actor: Any, participation: Participation, ip: str | None = None) -> None:
    """Take someone off the list, while nothing has been recorded for them."""
    if not may_register(actor, participation.trainee.organisation_id):
        raise PermissionDenied404
    if (
        participation.attendance.filter(present=True).exists()
        or participation.pre_score is not None
        or participation.post_score is not None
        or participation.completed
    ):
        raise ValidationError(_("Attendance or scores are recorded for this person: they stay on the list."))
    codes = [participation.code, participation.session.code, participation.trainee.code]
    org_id = participation.trainee.organisation_id
    participation.delete()
    _audit(actor, Action.DELETE, "participation", codes, organisation_id=org_id, ip=ip)


@transaction.atomic
def record_attendance(
    *, actor: Any, session: TrainingSession, present: Mapping[int, Iterable[dt.date]], ip: str | None = None
) -> int:
    """Record who was there on each day: ``present`` maps participation ids to the days they attended (every
    participant of the session is set, absent on the days not listed). Returns the number of rows written."""
    _manage(actor)
    days = set(session.days())
    if session.start_on > timezone.localdate():
        raise ValidationError(_("The session has not started yet."))
    participations = {p.id: p for p in session.participations.all()}
    unknown = set(present) - set(participations)
    if unknown:
        raise ValidationError(_("Someone in the list is not registered for this session."))
    written = 0
    for pid, participation in participations.items():
        attended = set(present.get(pid, ()))
        if attended - days:
            raise ValidationError(_("Attendance can be recorded only on the days of the session."))
        for day in sorted(days):
            if day > timezone.localdate():
                continue
            Attendance.objects.update_or_create(
                participation=participation, day=day, defaults={"present": day in attended}
            )
            written += 1
    _audit(actor, Action.UPDATE, "training_session", [session.code], ["attendance"], session.organiser_id, ip)
    return written


def _new_certificate() -> str:
    for _attempt in range(20):
        code = reference("TC")
        if not Participation.objects.filter(certificate=code).exists():
            return code
    raise RuntimeError("could not find a free certificate code")  # pragma: no cover - 32^8 codes


@transaction.atomic
def record_result(
    *,
    actor: Any,
    participation: Participation,
    pre_score: int | None,
    post_score: int | None,
    completed: bool,
    ip: str | None = None,
) -> Participation:
    """Scores out of the course's highest score, and completion, which needs every day attended and (when the
    course has a test) both scores; completion issues the certificate, un-completing withdraws it."""
    _manage(actor)
    locked = (
        Participation.objects.select_for_update()
        .select_related("session__course", "trainee")
        .get(pk=participation.pk)
    )
    course = locked.session.course
    for name, value in (("pre_score", pre_score), ("post_score", post_score)):
        if value is not None and not 0 <= value <= course.max_score:
            raise ValidationError({name: _("A score is between 0 and %(max)s.") % {"max": course.max_score}})
    if completed:
        days = set(locked.session.days())
        attended = set(locked.attendance.filter(present=True).values_list("day", flat=True))
        if days - attended:
            raise ValidationError(
                _("%(name)s did not attend every day: record the attendance first.")
                % {"name": locked.trainee.name}
            )
        if course.has_test and (pre_score is None or post_score is None):
            raise ValidationError(_("Give both test scores before marking the course completed."))
    locked.pre_score, locked.post_score, locked.completed = pre_score, post_score, completed
    if completed and not locked.certificate:
        locked.certificate = _new_certificate()
        locked.certified_on = locked.session.end_on
    elif not completed:
        locked.certificate, locked.certified_on = None, None
    locked.save()
    _audit(
        actor,
        Action.UPDATE,
        "participation",
        [locked.code],
        ["scores", "completed", "certificate"],
        locked.trainee.organisation_id,
        ip,
    )
    return locked
