"""Capacity building through the services and pages: who may do what, attendance and results, certificates and
their public check, coverage, and training shown in the referral directory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from homeward.cases.services import PermissionDenied404
from homeward.places.models import Area
from homeward.training import selectors, services
from homeward.training.models import Course, Participation, Trainee
from homeward.training.tests.helpers import complete, course, session, trainee

pytestmark = pytest.mark.django_db


@pytest.fixture
def pfa(personas):
    return course(personas)


@pytest.fixture
def held(personas, pfa):
    return session(personas, pfa)


def test_only_national_coordinators_run_training(personas, pfa, held):
    for outsider in (
        personas.alice,
        personas.sam,
        personas.olga,
        personas.petra,
        personas.rita,
        personas.dora,
    ):
        with pytest.raises(PermissionDenied404):
            services.course_save(
                actor=outsider, course=Course(title_en="x", title_lo="x", topics=["referral"])
            )
        with pytest.raises(PermissionDenied404):
            services.record_attendance(actor=outsider, session=held, present={})
    assert Course.objects.count() == 1


def test_a_course_needs_a_topic_and_a_session_valid_dates(personas, pfa):
    with pytest.raises(ValidationError):
        services.course_save(actor=personas.nora, course=Course(title_en="x", title_lo="x", topics=[]))
    with pytest.raises(ValidationError) as exc:
        session(
            personas,
            pfa,
            end_on=timezone.localdate() - dt.timedelta(days=30),
            district=Area.objects.get(code="LA0101"),
        )
    assert {"end_on", "district"} <= set(exc.value.error_dict)


def test_an_admin_registers_only_the_organisations_own_staff(personas, held):
    own = services.trainee_save(
        actor=personas.olga,
        trainee=Trainee(
            name="Own staff", sex="male", organisation=personas.org_a, province=Area.objects.get(code="LA01")
        ),
    )
    services.register(actor=personas.olga, session=held, trainee=own)
    other = trainee(personas, org=personas.org_b, name="Other staff")
    with pytest.raises(PermissionDenied404):
        services.register(actor=personas.olga, session=held, trainee=other)
    with pytest.raises(PermissionDenied404):
        services.trainee_save(
            actor=personas.olga,
            trainee=Trainee(
                name="x", sex="male", organisation=personas.org_b, province=Area.objects.get(code="LA01")
            ),
        )
    with pytest.raises(ValidationError):
        services.register(actor=personas.olga, session=held, trainee=own)  # twice
    assert held.participations.count() == 1
    for outsider in (personas.alice, personas.petra, personas.rita):
        with pytest.raises(PermissionDenied404):
            services.register(actor=outsider, session=held, trainee=own)


def test_completion_needs_every_day_and_both_scores_and_issues_a_certificate(personas, held):
    p = services.register(actor=personas.nora, session=held, trainee=trainee(personas))
    with pytest.raises(ValidationError, match="every day"):
        services.record_result(
            actor=personas.nora, participation=p, pre_score=5, post_score=15, completed=True
        )
    services.record_attendance(actor=personas.nora, session=held, present={p.id: held.days()[:1]})
    with pytest.raises(ValidationError, match="every day"):
        services.record_result(
            actor=personas.nora, participation=p, pre_score=5, post_score=15, completed=True
        )
    services.record_attendance(actor=personas.nora, session=held, present={p.id: held.days()})
    with pytest.raises(ValidationError, match="both test scores"):
        services.record_result(
            actor=personas.nora, participation=p, pre_score=None, post_score=15, completed=True
        )
    with pytest.raises(ValidationError):
        services.record_result(
            actor=personas.nora, participation=p, pre_score=5, post_score=21, completed=True
        )
    done = services.record_result(
        actor=personas.nora, participation=p, pre_score=5, post_score=15, completed=True
    )
    assert done.certificate and done.certificate.startswith("TC-") and done.certified_on == held.end_on
    assert done.gain == 10
    undone = services.record_result(
        actor=personas.nora, participation=p, pre_score=5, post_score=15, completed=False
    )
    assert undone.certificate is None


def test_attendance_only_on_session_days_and_not_in_the_future(personas, pfa, held):
    p = services.register(actor=personas.nora, session=held, trainee=trainee(personas))
    with pytest.raises(ValidationError):
        services.record_attendance(
            actor=personas.nora, session=held, present={p.id: [held.start_on - dt.timedelta(days=1)]}
        )
    future = session(personas, pfa, days_ago=-5)
    with pytest.raises(ValidationError):
        services.record_attendance(actor=personas.nora, session=future, present={})


def test_someone_with_results_stays_on_the_list(personas, held):
    p = services.register(actor=personas.nora, session=held, trainee=trainee(personas))
    complete(personas, p)
    with pytest.raises(ValidationError):
        services.unregister(actor=personas.nora, participation=p)
    q = services.register(actor=personas.olga, session=held, trainee=trainee(personas, name="Second"))
    services.unregister(actor=personas.olga, participation=q)
    assert held.participations.count() == 1


# ---- certificates and their public check -----------------------------------------------------------------
def test_anyone_can_verify_a_certificate_and_sees_only_name_course_and_date(client, personas, held):
    p = complete(
        personas,
        services.register(
            actor=personas.nora, session=held, trainee=trainee(personas, position="Secret position")
        ),
    )
    page = client.get(reverse("verify_code", args=[p.certificate]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Khamla Synthetic" in text and "Psychosocial first aid" in text
    assert "Secret position" not in text and str(personas.org_a) not in text and "Savannakhet" not in text
    # Typed loosely (lower case, O for 0) it is still found; the form redirects to the code's page.
    loose = p.certificate.lower()
    assert client.get(reverse("verify_code", args=[loose])).status_code == 200
    response = client.get(reverse("verify"), {"code": p.certificate})
    assert response.status_code == 302
    # Anything typed is reduced to letters, digits and dashes; nothing is left: a clear message, no error.
    assert client.get(reverse("verify"), {"code": " tc/7k3f "}).status_code == 302
    page = client.get(reverse("verify"), {"code": "///"})
    assert page.status_code == 200 and "as it is printed" in page.content.decode()


def test_an_unknown_or_withdrawn_certificate_is_not_genuine(client, personas, held):
    p = complete(personas, services.register(actor=personas.nora, session=held, trainee=trainee(personas)))
    code = p.certificate
    services.record_result(actor=personas.nora, participation=p, pre_score=8, post_score=16, completed=False)
    assert client.get(reverse("verify_code", args=[code])).status_code == 404
    assert client.get(reverse("verify_code", args=["TC-0000-0000"])).status_code == 404


def test_the_certificate_page_is_bilingual_and_only_for_those_allowed(as_user, personas, held):
    p = complete(personas, services.register(actor=personas.nora, session=held, trainee=trainee(personas)))
    page = as_user(personas.olga).get(reverse("training:certificate", args=[p.code])).content.decode()
    assert "ໃບຢັ້ງຢືນ" in page and "Certificate of completion" in page and p.certificate in page
    assert "ການຊ່ວຍເຫຼືອທາງຈິດໃຈເບື້ອງຕົ້ນ" in page and "Psychosocial first aid" in page
    for outsider in (personas.bob, personas.alice, personas.petra):
        assert as_user(outsider).get(reverse("training:certificate", args=[p.code])).status_code == 404


# ---- pages -------------------------------------------------------------------------------------------------
def test_participant_names_only_to_those_allowed(as_user, personas, held):
    services.register(actor=personas.nora, session=held, trainee=trainee(personas, name="Staff of A"))
    services.register(
        actor=personas.nora, session=held, trainee=trainee(personas, org=personas.org_b, name="Staff of B")
    )
    url = reverse("training:session", args=[held.code])
    nora = as_user(personas.nora).get(url).content.decode()
    assert "Staff of A" in nora and "Staff of B" in nora
    olga = as_user(personas.olga).get(url).content.decode()
    assert "Staff of A" in olga and "Staff of B" not in olga
    alice = as_user(personas.alice).get(url).content.decode()
    assert "Staff of A" not in alice and "Staff of B" not in alice and "2 participants" in alice


def test_recording_attendance_and_results_through_the_page(as_user, personas, held):
    p = services.register(actor=personas.nora, session=held, trainee=trainee(personas))
    client = as_user(personas.nora)
    client.post(
        reverse("training:attendance", args=[held.code]),
        {f"present-{p.id}": [d.isoformat() for d in held.days()]},
    )
    assert p.attendance.filter(present=True).count() == 2
    client.post(
        reverse("training:result", args=[p.code]), {"pre_score": 4, "post_score": 17, "completed": "on"}
    )
    p.refresh_from_db()
    assert p.completed and p.certificate


def test_coverage_counts_people_topics_and_provinces_without_training(as_user, personas, pfa, held):
    complete(personas, services.register(actor=personas.nora, session=held, trainee=trainee(personas)))
    complete(
        personas,
        services.register(actor=personas.nora, session=held, trainee=trainee(personas, name="B", sex="male")),
        10,
        12,
    )
    data = selectors.coverage()
    assert data.total == 2
    assert {r["key"]: r["total"] for r in data.by_sex} == {"female": 1, "male": 1}
    assert next(r for r in data.by_topic if r["key"] == "psychosocial")["total"] == 2
    assert data.gains[0]["mean_gain"] == 5  # (8 + 2) / 2
    gap_codes = {a.code for a in data.gaps["psychosocial"]}
    assert "LA13" not in gap_codes and "LA01" in gap_codes and len(data.gaps["referral"]) == 18
    page = as_user(personas.rita).get(reverse("training:coverage")).content.decode()
    assert "Psychosocial first aid" in page
    assert as_user(personas.olga).get(reverse("training:coverage")).status_code == 404


def test_the_directory_shows_trained_providers_and_can_put_them_first(as_user, personas, held):
    from homeward.referrals.selectors import DirectoryFilters, directory_search
    from homeward.referrals.tests.helpers import service

    untrained = service(personas, org=personas.org_b, name="Counselling B", category="psychosocial")
    trained = service(personas, org=personas.org_p, name="Counselling P", category="psychosocial")
    complete(
        personas,
        services.register(actor=personas.nora, session=held, trainee=trainee(personas, org=personas.org_p)),
    )
    order = [s.name for s in directory_search(DirectoryFilters(category="psychosocial", trained_first=True))]
    assert order == [trained.name, untrained.name]
    page = as_user(personas.alice).get(reverse("referrals:service", args=[trained.code])).content.decode()
    assert "Psychosocial first aid" in page and "1 person trained" in page
    page = as_user(personas.alice).get(reverse("referrals:service", args=[untrained.code])).content.decode()
    assert "No training recorded" in page


def test_training_older_than_two_years_no_longer_counts(personas, pfa):
    old = session(personas, pfa, days_ago=800)
    complete(
        personas,
        services.register(actor=personas.nora, session=old, trainee=trainee(personas, org=personas.org_p)),
    )
    assert selectors.trained_topics([personas.org_p.id]) == {}
    assert "LA13" in {a.code for a in selectors.coverage().gaps["psychosocial"]}
    assert Participation.objects.get().completed
