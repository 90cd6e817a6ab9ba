"""The research pages as each persona sees them: who sees exact counts, who sees them suppressed, who may make
releases, and that a researcher never reaches a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from homeward.cases.models import Case
from homeward.research import dashboards, facts
from homeward.research.models import Release
from homeward.research.tests.helpers import population
from homeward.returns.tests.journey import build as build_journey

pytestmark = pytest.mark.django_db


def _scope(user):
    from homeward.research.facts import bring_up_to_date

    bring_up_to_date()  # as the views do before drawing
    scope = dashboards.scope_for(user, dashboards.Filters())
    assert scope is not None
    return scope


TOPICS = [key for key, _label in dashboards.TOPICS]


def _few_cases(open_case, personas, n=3):
    return [open_case() for _ in range(n)]


def test_a_researcher_sees_small_counts_suppressed_and_a_supervisor_sees_them_exactly(
    personas, open_case, as_user
):
    _few_cases(open_case, personas, 3)
    researcher = as_user(personas.rita).get(reverse("research:dashboard") + "?csv=origin").content.decode()
    assert "<5" in researcher and ",3\n" not in researcher
    supervisor = as_user(personas.sam).get(reverse("research:dashboard") + "?csv=origin").content.decode()
    assert "Total,3" in supervisor and "<5" not in supervisor


def test_a_national_viewer_filtering_on_an_organisation_of_theirs_is_still_suppressed_unless_they_see_its_cases(
    personas, open_case, as_user
):
    _few_cases(open_case, personas, 2)
    url = reverse("research:dashboard") + f"?organisation={personas.org_a.code}&csv=origin"
    assert "<5" in as_user(personas.nora).get(url).content.decode()


@pytest.mark.parametrize("topic", TOPICS)
def test_every_dashboard_renders_for_a_researcher_and_a_caseworker(personas, open_case, as_user, topic):
    build_journey(personas)
    population(personas, count=40)
    url = reverse("research:dashboard") if topic == "caseload" else reverse("research:topic", args=[topic])
    for user in (personas.rita, personas.alice):
        response = as_user(user).get(url)
        assert response.status_code == 200
        assert b"Download this table (CSV)" in response.content
    for table in dashboards.BUILDERS[topic](_scope(personas.rita), dashboards.Filters()).tables:
        csv = as_user(personas.rita).get(url + f"?csv={table.key}")
        assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
        assert csv.content.decode().splitlines()[0].startswith(str(table.row_header))


def test_a_researcher_never_reaches_a_case(personas, open_case, as_user):
    case = open_case()
    client = as_user(personas.rita)
    assert client.get(reverse("cases:detail", args=[case.code])).status_code == 404
    assert client.get(reverse("cases:list")).status_code == 404
    for topic in TOPICS:
        page = client.get(reverse("research:topic", args=[topic])).content.decode()
        assert case.reference not in page and str(case.code) not in page


def test_a_caseworker_cannot_make_a_release(personas, as_user):
    client = as_user(personas.alice)
    assert client.get(reverse("research:release_kanon")).status_code == 404
    response = client.post(
        reverse("research:release_kanon"),
        {
            "title": "x",
            "purpose": "x",
            "quasi_identifiers": ["sex"],
            "k": "5",
            "l_div": "1",
            "max_suppressed": "5",
        },
    )
    assert response.status_code == 404
    assert not Release.objects.exists()


def test_a_researcher_makes_a_release_through_the_form(personas, as_user):
    population(personas, count=150)
    response = as_user(personas.rita).post(
        reverse("research:release_kanon"),
        {
            "title": "By sex and region (synthetic)",
            "purpose": "Testing the form",
            "quasi_identifiers": ["sex", "origin"],
            "sensitive": ["exploitation"],
            "k": "5",
            "l_div": "2",
            "max_suppressed": "10",
        },
    )
    release = Release.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "research:release", args=[release.code]
    )
    page = as_user(personas.rita).get(response["Location"]).content.decode()
    assert "pycanon" in page and release.reference in page
    download = as_user(personas.rita).get(reverse("research:release_download", args=[release.code, "ctdc"]))
    assert download.status_code == 200 and download.content.startswith(b"Datasource,gender")


def test_a_refused_release_shows_the_reason_on_the_form(personas, as_user):
    population(personas, count=30)
    response = as_user(personas.rita).post(
        reverse("research:release_kanon"),
        {
            "title": "Too small a k",
            "purpose": "x",
            "quasi_identifiers": ["sex"],
            "k": "3",
            "l_div": "1",
            "max_suppressed": "5",
        },
    )
    assert response.status_code == 200
    assert "k must be at least 5" in response.content.decode()
    assert not Release.objects.exists()


def test_a_bad_filter_is_explained_and_nothing_is_filtered(personas, open_case, as_user):
    _few_cases(open_case, personas, 6)
    response = as_user(personas.sam).get(reverse("research:dashboard") + "?date_from=31/02/2024&province=XX")
    assert response.status_code == 200
    text = response.content.decode()
    assert "error-summary" in text
    csv = as_user(personas.sam).get(reverse("research:dashboard") + "?date_from=31/02/2024&csv=origin")
    assert "Total,6" in csv.content.decode()


def test_filters_narrow_the_figures(personas, open_case, as_user):
    _few_cases(open_case, personas, 6)
    Case.objects.filter(id__in=Case.objects.order_by("id").values("id")[:2]).update(
        opened_on=dt.date(2020, 5, 1)
    )
    csv = as_user(personas.sam).get(
        reverse("research:dashboard") + "?date_from=01/01/2020&date_to=31/12/2020&csv=origin"
    )
    assert "Total,2" in csv.content.decode()


def test_the_research_extract_is_reproducible(personas, open_case, as_user):
    population(personas, count=60)
    first = as_user(personas.rita).get(reverse("research:report")).content.decode()
    second = as_user(personas.rita).get(reverse("research:report")).content.decode()
    digest = first.split('class="digest">')[1].split("<")[0]
    assert len(digest) == 64 and digest in second
    open_case()
    third = as_user(personas.rita).get(reverse("research:report")).content.decode()
    assert digest not in third


def test_network_figures_are_suppressed_for_national_viewers(personas, open_case, as_user):
    from homeward.referrals.tests.helpers import consent_to_share, refer, service

    case = open_case()
    entry = service(personas)
    consent_to_share(personas, case, personas.org_p)
    refer(personas, case, entry)
    national = as_user(personas.nora).get(reverse("referrals:figures")).content.decode()
    assert "&lt;5" in national
    own = as_user(personas.sam).get(reverse("referrals:figures")).content.decode()
    assert "&lt;5" not in own and '<span class="stat-value">1</span>' in own


def test_the_training_dashboard_follows_the_filters_that_apply_to_staff(personas, as_user):
    from homeward.training import services as training
    from homeward.training.tests.helpers import complete, course, session, trainee

    held = session(personas, course(personas))
    for org, name, sex in (
        (personas.org_a, "Khamla Synthetic", "female"),
        (personas.org_b, "Bounmy Synthetic", "male"),
    ):
        complete(
            personas,
            training.register(
                actor=personas.nora, session=held, trainee=trainee(personas, org=org, name=name, sex=sex)
            ),
        )
    url = reverse("research:topic", args=["training"])
    everyone = as_user(personas.rita).get(url + "?csv=topics").content.decode()
    assert "\nPsychosocial first aid,2\n" in everyone
    one_org = (
        as_user(personas.rita).get(url + f"?organisation={personas.org_b.code}&csv=topics").content.decode()
    )
    women = as_user(personas.rita).get(url + "?sex=F&csv=topics").content.decode()
    for narrowed in (one_org, women):
        assert "\nPsychosocial first aid,1\n" in narrowed
    page = as_user(personas.rita).get(url + "?age_group=18-24").content.decode()
    assert "Age groups do not apply to training" in page


def test_the_age_group_filter_uses_the_age_when_the_case_opened(personas, open_case, as_user):
    young = open_case(birth_date="2004", birth_year=2004)
    older = open_case(birth_date="1980", birth_year=1980)
    Case.objects.filter(pk__in=[young.pk, older.pk]).update(opened_on=dt.date(2024, 6, 1))
    facts.rebuild()
    csv = (
        as_user(personas.sam)
        .get(reverse("research:dashboard") + "?age_group=18-24&csv=origin")
        .content.decode()
    )
    assert "Total,1" in csv
    csv = (
        as_user(personas.sam)
        .get(reverse("research:dashboard") + "?age_group=35-49&csv=origin")
        .content.decode()
    )
    assert "Total,1" in csv
    csv = (
        as_user(personas.sam)
        .get(reverse("research:dashboard") + "?age_group=0-17&csv=origin")
        .content.decode()
    )
    assert "Total,0" in csv
