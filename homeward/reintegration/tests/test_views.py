"""The pages after return: refusals explained in the user's language, the chart, the queue and the menu."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from homeward.cases.models import Case
from homeward.reintegration.models import FollowUpVisit, ReintegrationPlan, ServiceDelivered, SurveyResponse
from homeward.reintegration.tests import helpers as h

TODAY = timezone.localdate


def _old_case(open_case, days=400):
    case = open_case()
    Case.objects.filter(pk=case.pk).update(opened_on=TODAY() - dt.timedelta(days=days))
    case.refresh_from_db()
    return case


def test_a_cost_in_an_unknown_currency_is_refused_in_lao(personas, as_user, open_case):
    case = _old_case(open_case)
    client = as_user(personas.alice)
    client.cookies["django_language"] = "lo"
    response = client.post(
        reverse("reintegration:service_add", args=[case.code]),
        {
            "type": "Health",
            "provider_name": "Clinic",
            "delivered_on": TODAY().strftime("%d/%m/%Y"),
            "cost": "10",
            "currency": "EUR",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "error-summary" in page and 'lang="lo"' in page
    assert "Select a valid choice" not in page  # the message is in Lao
    assert not ServiceDelivered.objects.exists()


def test_a_plan_without_objectives_is_refused_on_the_page(personas, as_user, open_case):
    case = _old_case(open_case)
    response = as_user(personas.alice).post(
        reverse("reintegration:plan_edit", args=[case.code]), {"types": ["Health"]}
    )
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not ReintegrationPlan.objects.exists()


def test_a_visit_before_the_return_is_refused_on_the_page(personas, as_user, open_case, score_config):
    case = _old_case(open_case)
    h.approved_plan(personas, case)
    visit = FollowUpVisit.objects.filter(case=case).first()
    response = as_user(personas.alice).post(
        reverse("reintegration:visit", args=[visit.code]),
        {"visited_on": (case.opened_on - dt.timedelta(days=3)).strftime("%d/%m/%Y"), "mode": "home"},
    )
    assert response.status_code == 200 and "cannot be before the return" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_case_page_shows_the_scores_as_a_chart_and_a_table(personas, as_user, open_case, score_config):
    case = _old_case(open_case)
    h.approved_plan(personas, case)
    first, second, *_rest = FollowUpVisit.objects.filter(case=case).order_by("due_on")
    h.record(personas, first, h.answers(score_config, "best"), on=first.due_on)
    h.record(personas, second, h.answers(score_config, "worst"), on=second.due_on)
    page = as_user(personas.alice).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert page.count("<polyline") == 4 and "▼" in page  # four series, and the drop is flagged
    assert '<td class="num"><strong>1.00</strong></td>' in page and "0.00" in page


def test_the_menu_counts_the_work_waiting(personas, as_user, open_case):
    case = _old_case(open_case, days=60)
    page = as_user(personas.alice).get(reverse("home")).content.decode()
    assert '<span class="nav-count">1</span>' in page  # the plan is overdue
    h.approved_plan(personas, case)
    page = as_user(personas.alice).get(reverse("queue")).content.decode()
    assert "nav-count" in page  # the first visit (a month after return) is now overdue
    assert "overdue since" in page


def test_the_case_page_costs_the_same_queries_however_long_the_follow_up(
    personas, as_user, open_case, score_config
):
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from homeward.reintegration import services

    def followed(visits: int, services_count: int):
        case = _old_case(open_case)
        h.approved_plan(personas, case)
        for visit in list(FollowUpVisit.objects.filter(case=case).order_by("due_on"))[:visits]:
            h.record(personas, visit, h.answers(score_config), on=visit.due_on)
        for n in range(services_count):
            services.service_record(
                actor=personas.alice,
                case=case,
                service=ServiceDelivered(
                    type="Health",
                    provider_name="Clinic",
                    delivered_on=TODAY(),
                    cost=Decimal(n + 1),
                    currency="THB",
                    grant_purpose="business" if n == 0 else "",
                ),
                instalments=[services.Instalment(TODAY(), Decimal(1))] if n == 0 else [],
            )
        return case

    small, big = followed(1, 1), followed(4, 6)
    client = as_user(personas.alice)
    client.get(reverse("home"))  # the session's first request records the session
    counts = []
    for case in (small, big):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cases:detail", args=[case.code])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
