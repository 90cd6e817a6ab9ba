"""Research releases through the real services: what a released file holds, the independent check, the
differential-privacy budget, and every refusal (audited, nothing written)."""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd
import pytest
from django.core.exceptions import ValidationError

from homeward.audit.models import Action, AuditEvent
from homeward.cases.models import Case
from homeward.cases.services import PermissionDenied404
from homeward.people.models import IDENTIFYING_FIELDS, Person
from homeward.research import fields as F
from homeward.research import services
from homeward.research.models import BudgetSpend, Dataset, Layout, Release, ReleaseStatus
from homeward.research.tests.helpers import population

pytestmark = pytest.mark.django_db


def _allow_k(k: int) -> None:
    from homeward.accounts.models import Organisation

    Organisation.objects.update(release_min_k=k)


def _kanon(personas, **overrides):
    params = {
        "actor": personas.rita,
        "title": "Exploitation by age and home area (synthetic)",
        "purpose": "Testing",
        "qis": ["age", "sex", "origin", "year"],
        "sensitive": ["exploitation"],
        "k": 5,
        "l_div": 2,
        "max_suppressed": 0.1,
        "opened_from": None,
        "opened_to": None,
        "organisation_ids": None,
    }
    params.update(overrides)
    return services.release_kanon(**params)


def _read(personas, release, layout):
    data = services.release_file(actor=personas.rita, release=release, layout=layout)
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False), data


def test_a_released_file_passes_an_independent_k_anonymity_and_l_diversity_check(personas):
    population(personas)
    release = _kanon(personas)
    assert release.status == ReleaseStatus.READY
    htcds, htcds_raw = _read(personas, release, Layout.HTCDS)
    ctdc, ctdc_raw = _read(personas, release, Layout.CTDC)
    # The downloaded files, checked again by pycanon in its own process.
    qi_columns = [F.BY_KEY[q].htcds for q in ["age", "sex", "origin", "year"]]
    ctdc_qis = [c for q in ["age", "sex", "origin", "year"] for c in F.CTDC_QI_COLUMNS[q]]
    answer = services.pycanon_check(
        {"htcds": htcds_raw, "ctdc": ctdc_raw},
        qi={"htcds": qi_columns, "ctdc": ctdc_qis},
        sensitive={"htcds": ["vic_TypeOfExploitation"]},
    )
    assert answer["htcds"]["k"] >= 5 and answer["htcds"]["l"] >= 2
    assert answer["ctdc"]["k"] >= 5
    assert answer["pycanon"].startswith("1.")
    assert len(htcds) == len(ctdc) == release.records
    assert {"isForcedLabour", "typeOfExploitConcatenated", "gender", "ageBroad"} <= set(ctdc.columns)
    assert release.guarantee["k"] >= 5 and release.guarantee["l"] >= 2
    assert release.utility["records_suppressed"] <= 0.1 * release.utility["records_in_scope"]
    assert set(release.utility["marginal_distance"]) == {"age", "sex", "origin", "year", "exploitation"}


def test_a_release_never_holds_names_contacts_birth_dates_free_text_or_case_codes(personas):
    population(personas, count=200)
    _allow_k(2)
    release = _kanon(
        personas, qis=list(F.QI_FIELDS), sensitive=["exploitation", "control", "industry"], k=2, l_div=1
    )
    htcds, raw = _read(personas, release, Layout.HTCDS)
    allowed = {f.htcds for f in F.FIELDS}
    assert set(htcds.columns) <= allowed
    text = raw.decode()
    for case in Case.objects.all()[:200]:
        assert case.reference not in text and str(case.code) not in text
    for person in Person.objects.all()[:50]:
        for name in IDENTIFYING_FIELDS:
            value = getattr(person, name)
            if value and len(str(value)) > 3:
                assert str(value) not in text, name


def test_only_people_with_research_consent_in_force_are_released(personas):
    population(personas, count=120, consent_share=0.5)
    _allow_k(2)
    in_scope = F.person_records(
        F.scope(opened_from=None, opened_to=None, organisation_ids=None, research_consent=True)
    )
    everyone = F.person_records(
        F.scope(opened_from=None, opened_to=None, organisation_ids=None, research_consent=False)
    )
    assert 0 < len(in_scope) < len(everyone)
    release = _kanon(personas, k=2, l_div=1, qis=["sex"], sensitive=[])
    assert release.utility["records_in_scope"] == len(in_scope)


def test_k_below_the_organisations_minimum_is_refused_and_audited(personas):
    population(personas, count=60)
    _allow_k(2)
    personas.org_b.release_min_k = 10
    personas.org_b.save()
    with pytest.raises(ValidationError) as refused:
        _kanon(personas, k=5)
    assert "10" in refused.value.messages[0] and "Provincial Office B" in refused.value.messages[0]
    assert not Release.objects.exists()
    assert AuditEvent.objects.filter(
        action=Action.DENIED, object_type="release", actor=personas.rita
    ).exists()
    # The minimum of the organisations chosen is what counts.
    release = _kanon(personas, k=5, organisation_ids=[personas.org_a.id], qis=["sex"], sensitive=[], l_div=1)
    assert release.status == ReleaseStatus.READY


def test_a_quasi_identifier_without_a_hierarchy_is_refused(personas):
    population(personas, count=40)
    with pytest.raises(ValidationError) as refused:
        _kanon(personas, qis=["age", "industry"], sensitive=[])
    assert "Industry of forced labour" in refused.value.messages[0]
    assert not Release.objects.exists()


def test_demands_no_generalisation_can_meet_are_refused_clearly(personas):
    population(personas, count=30)
    with pytest.raises(ValidationError) as refused:
        _kanon(personas, k=50, l_div=2, max_suppressed=0.0)
    assert "suppression" in refused.value.messages[0]
    assert not Release.objects.exists()


def test_a_release_that_fails_the_independent_check_cannot_be_downloaded(personas, monkeypatch):
    population(personas, count=80)
    _allow_k(2)
    monkeypatch.setattr(
        services, "verify_kanon", lambda files, qis, sensitive: {"htcds": {"k": 1, "l": 1}, "ctdc": {"k": 1}}
    )
    release = _kanon(personas, k=2, l_div=1, qis=["sex"], sensitive=[])
    assert release.status == ReleaseStatus.FAILED
    with pytest.raises(ValidationError):
        services.release_file(actor=personas.rita, release=release, layout=Layout.HTCDS)


def test_a_withdrawn_release_cannot_be_downloaded(personas):
    population(personas, count=80)
    _allow_k(2)
    release = _kanon(personas, k=2, l_div=1, qis=["sex"], sensitive=[])
    with pytest.raises(PermissionDenied404):
        services.release_withdraw(actor=personas.rita, release=release, reason="Wrong period")
    services.release_withdraw(actor=personas.dora, release=release, reason="Wrong period")
    with pytest.raises(ValidationError):
        services.release_file(actor=personas.rita, release=release, layout=Layout.CTDC)


def test_without_the_independent_checker_no_release_is_made(personas, settings):
    population(personas, count=40)
    _allow_k(2)
    settings.PYCANON_PYTHON = "/nonexistent/python"
    with pytest.raises(ValidationError) as refused:
        _kanon(personas, k=2, l_div=1, qis=["sex"], sensitive=[])
    assert "pycanon" in refused.value.messages[0]
    assert not Release.objects.exists()


def test_a_caseworker_cannot_make_a_release(personas):
    with pytest.raises(PermissionDenied404):
        _kanon(personas, actor=personas.alice)


def test_each_download_is_audited(personas):
    population(personas, count=80)
    _allow_k(2)
    release = _kanon(personas, k=2, l_div=1, qis=["sex"], sensitive=[])
    _read(personas, release, Layout.CTDC)
    event = AuditEvent.objects.get(action=Action.DOWNLOAD, object_type="release")
    assert event.actor == personas.rita and event.fields == ["ctdc"]


# ---- differential privacy ---------------------------------------------------------------------------------
def _dataset(personas, budget="1.0"):
    return services.dataset_save(
        actor=personas.dora,
        name="All cases (synthetic)",
        description="",
        opened_from=Case.objects.order_by("opened_on").first().opened_on,
        opened_to=Case.objects.order_by("-opened_on").first().opened_on,
        epsilon_budget=Decimal(budget),
    )


def _dp(personas, dataset, epsilon="0.4", dimensions=("sex", "age")):
    return services.release_dp(
        actor=personas.rita,
        title="People by sex and age (synthetic)",
        purpose="Testing",
        dataset=dataset,
        dimensions=list(dimensions),
        epsilon=Decimal(epsilon),
    )


def _counts(personas, release):
    data = services.release_file(actor=personas.rita, release=release, layout=Layout.HTCDS)
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def test_dp_counts_carry_noise_and_spend_the_budget(personas):
    population(personas, count=250)
    dataset = _dataset(personas)
    first = _dp(personas, dataset)
    assert dataset.spent == Decimal("0.4") and dataset.remaining == Decimal("0.6")
    assert BudgetSpend.objects.get(release=first).epsilon == Decimal("0.4")
    second = _dp(personas, dataset)
    dataset.refresh_from_db()
    assert dataset.remaining == Decimal("0.2")
    # The true counts, the way the release counts them (each person once).
    records = F.person_records(
        F.scope(
            opened_from=dataset.opened_from,
            opened_to=dataset.opened_to,
            organisation_ids=None,
            research_consent=False,
        )
    )
    truth = (
        records.assign(band=[F.age_band(int(a)) if a.isdigit() else "Unknown" for a in records["age"]])
        .groupby(["sex", "band"])
        .size()
    )
    a, b = _counts(personas, first), _counts(personas, second)
    assert list(a.columns) == ["prs_Gender", "hw_AgeAtRegistration", "count"]
    noisy_a = {(r.prs_Gender, r.hw_AgeAtRegistration): int(r.count) for r in a.itertuples()}
    noisy_b = {(r.prs_Gender, r.hw_AgeAtRegistration): int(r.count) for r in b.itertuples()}
    differences = [noisy_a[key] != truth.get(key, 0) for key in noisy_a]
    assert sum(differences) > len(differences) / 3, "most counts must carry noise"
    assert noisy_a != noisy_b, "two draws differ"
    # The total stays close: noise of scale 2.5 on 70 cells.
    assert abs(sum(noisy_a.values()) - len(records)) < 200
    assert first.guarantee["epsilon"] == pytest.approx(0.4) and first.guarantee["unit"] == "person"


def test_epsilon_over_the_remaining_budget_is_refused_and_nothing_is_spent(personas):
    population(personas, count=60)
    dataset = _dataset(personas, budget="0.5")
    _dp(personas, dataset, epsilon="0.4")
    with pytest.raises(ValidationError) as refused:
        _dp(personas, dataset, epsilon="0.2")
    assert "0.200" in refused.value.messages[0] and "0.100 left" in refused.value.messages[0]
    dataset.refresh_from_db()
    assert dataset.spent == Decimal("0.4")
    assert Release.objects.count() == 1
    assert AuditEvent.objects.filter(action=Action.DENIED, object_type="release").count() == 1


def test_a_multi_valued_dimension_is_calibrated_to_how_many_values_a_person_may_have(personas):
    population(personas, count=60)
    dataset = _dataset(personas)
    release = _dp(personas, dataset, epsilon="0.5", dimensions=["exploitation"])
    assert release.guarantee["sensitivity"] == len(services.dp_domain("exploitation", dataset))
    assert release.guarantee["epsilon"] == pytest.approx(0.5)


def test_the_budget_cannot_fall_below_what_is_spent(personas):
    population(personas, count=40)
    dataset = _dataset(personas)
    _dp(personas, dataset, epsilon="0.4")
    with pytest.raises(ValidationError):
        services.dataset_save(
            actor=personas.dora,
            dataset=dataset,
            name=dataset.name,
            description="",
            opened_from=dataset.opened_from,
            opened_to=dataset.opened_to,
            epsilon_budget=Decimal("0.3"),
        )
    with pytest.raises(PermissionDenied404):
        services.dataset_save(
            actor=personas.rita,
            name="x",
            description="",
            opened_from=dataset.opened_from,
            opened_to=dataset.opened_to,
            epsilon_budget=Decimal("1"),
        )
    assert Dataset.objects.count() == 1
