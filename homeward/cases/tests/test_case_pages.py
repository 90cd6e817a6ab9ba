from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from homeward.audit.models import AuditEvent
from homeward.cases.models import TraffickingEvent
from homeward.cases.services import comment_add, event_save
from homeward.places.models import Country


def test_the_case_page_shows_the_journey_in_order_and_audits_the_view(personas, as_user, open_case):
    case = open_case()
    event_save(
        actor=personas.alice,
        case=case,
        event=TraffickingEvent(type="Recruitment", date="2024-02-01", country=Country.objects.get(code="LA")),
    )
    event_save(
        actor=personas.alice,
        case=case,
        event=TraffickingEvent(
            type="Exploitation", date="2024-03-01", country=Country.objects.get(code="TH")
        ),
    )
    comment_add(actor=personas.alice, case=case, body="Family tracing requested")
    before = AuditEvent.objects.filter(action="view").count()
    body = as_user(personas.alice).get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
    assert "ພອນສະຫວັນ" in body and case.reference in body
    assert body.index("Recruitment") < body.index("Exploitation") < body.index("Family tracing requested")
    assert AuditEvent.objects.filter(action="view").count() == before + 1
    view = AuditEvent.objects.filter(action="view").latest("seq")
    assert str(case.code) in view.object_codes and "given_name_lo" in view.fields


def test_a_comment_added_with_htmx_returns_only_the_new_item_and_a_fresh_form(personas, as_user, open_case):
    case = open_case()
    response = as_user(personas.alice).post(
        reverse("cases:comment_add", kwargs={"code": case.code}),
        {"body": "Called the family"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Called the family" in body and 'hx-swap-oob="beforeend:#timeline"' in body
    assert "<html" not in body
    assert case.comments.get().body == "Called the family"


def test_an_empty_comment_is_refused(personas, as_user, open_case):
    case = open_case()
    client = as_user(personas.alice)
    response = client.post(reverse("cases:comment_add", kwargs={"code": case.code}), {"body": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = client.post(
        reverse("cases:comment_add", kwargs={"code": case.code}),
        {"body": "<img src=x onerror=1>"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422 and "HTML or script" in response.content.decode()
    assert case.comments.count() == 0


def test_user_text_is_escaped_on_every_page(personas, as_user, open_case):
    from homeward.people.models import Person

    case = open_case()
    # Data that reached the database some other way (an import, an old version) is still escaped.
    Person.objects.filter(pk=case.person.pk).update(given_name_latin="<b>bold</b>")
    body = as_user(personas.alice).get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
    assert "<b>bold</b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body


def test_the_list_filters_by_status_province_exploitation_and_mine(personas, as_user, open_case):
    from homeward.cases.services import case_victim_update
    from homeward.places.models import Area

    a = open_case()
    b = open_case(given_name_latin="Bounmy", gender="Masculine", province=Area.objects.get(code="LA13"))
    c = open_case(actor=personas.sam, given_name_latin="Somphone")
    b.victim.exploitation_types = ["hw_ForcedCriminality"]
    case_victim_update(actor=personas.alice, case=b, victim=b.victim, changed={"exploitation_types"})
    client = as_user(personas.alice)

    def codes(**params):
        body = client.get(reverse("cases:list"), params).content.decode()
        return {case for case in (a, b, c) if str(case.code) in body}

    assert codes() == {a, b, c}
    assert codes(province="LA13") == {b}
    assert codes(exploitation="hw_ForcedCriminality") == {b}
    assert codes(gender="Masculine") == {b}
    assert codes(mine="on") == {a, b}
    assert codes(status="Closed") == set()


def test_the_list_returns_the_results_partial_to_htmx(personas, as_user, open_case):
    open_case()
    body = (
        as_user(personas.alice)
        .get(reverse("cases:list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
        .content.decode()
    )
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body


def test_the_list_uses_a_constant_number_of_queries(personas, as_user, open_case):
    client = as_user(personas.alice)
    counts = []
    for batch in (3, 12):
        for _ in range(batch):
            open_case()
        client.get(reverse("cases:list"))  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("cases:list")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_the_search_uses_a_constant_number_of_queries(personas, as_user, open_case):
    counts = []
    client = as_user(personas.alice)
    for _ in range(2):
        for _ in range(5):
            open_case()
        url = client.post(reverse("cases:list"), {"q": "Phonsavanh"})["Location"]
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_the_home_page_shows_my_open_cases(personas, as_user, open_case):
    case = open_case()
    body = as_user(personas.alice).get(reverse("home")).content.decode()
    assert case.reference in body and "ພອນສະຫວັນ" in body


def test_researchers_see_national_counts_with_small_cells_hidden(personas, as_user, open_case):
    for _ in range(6):
        open_case()
    open_case(actor=personas.bob, org=personas.org_b)
    body = as_user(personas.rita).get(reverse("home")).content.decode()
    assert "National figures" in body
    assert ">7<" in body  # seven active cases across organisations
    assert "fewer than 5" not in body and ">0<" in body  # follow-up and closed are 0: a zero hides no one
    from homeward.cases.models import Case

    Case.objects.filter(id=Case.objects.order_by("id").first().id).update(status="FollowUp")
    body = as_user(personas.rita).get(reverse("home")).content.decode()
    assert "fewer than 5" in body and ">6<" in body  # one in follow-up: hidden
    assert "ພອນສະຫວັນ" not in body and "Phonsavanh" not in body
