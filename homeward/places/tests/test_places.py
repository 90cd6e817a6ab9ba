from django.urls import reverse

from homeward.places.models import Area, AreaLevel, Country
from homeward.places.services import areas_search, countries_search, places_load


def test_reference_data_loads_completely_and_idempotently(places):
    assert Area.objects.filter(country__code="LA", level=AreaLevel.PROVINCE).count() == 18
    assert Area.objects.filter(country__code="LA", level=AreaLevel.DISTRICT).count() == 148
    assert Area.objects.filter(country__code="TH", level=AreaLevel.PROVINCE).count() == 77
    assert Country.objects.count() >= 249
    places_load()
    assert Area.objects.count() == 18 + 148 + 77


def test_loading_again_repairs_changed_rows_and_gives_the_same_data(places):
    from homeward.places.models import BorderCheckpoint

    def snapshot():
        return (
            sorted(Area.objects.values_list("code", "parent__code", "name_en", "name_lo", "search_text")),
            sorted(Country.objects.values_list("code", "name_en", "name_lo", "search_text")),
            sorted(
                BorderCheckpoint.objects.values_list("code", "lao_area__code", "other_area__code", "name_en")
            ),
        )

    fresh = snapshot()  # loaded in bulk into the empty test database
    Area.objects.filter(code="LA13").update(name_en="Changed", search_text="")
    Country.objects.filter(code="LA").update(name_lo="")
    places_load()  # the row-by-row path, over existing data
    assert snapshot() == fresh


def test_vientiane_capital_and_vientiane_province_stay_apart(places):
    assert Area.objects.get(code="LA01").iso_code == "LA-VT"
    assert Area.objects.get(code="LA10").iso_code == "LA-VI"


def test_provinces_are_found_under_any_spelling(places):
    for spelling in ["Xaignabouly", "Sainyabuli", "Xayabury", "ໄຊຍະບູລີ"]:
        codes = set(areas_search(spelling).values_list("code", flat=True))
        assert "LA08" in codes, spelling
    for spelling in ["Xaisomboon", "Xaysomboun", "Saysomboun"]:
        assert "LA18" in set(areas_search(spelling).values_list("code", flat=True)), spelling
    assert "LA03" in set(areas_search("ຫລວງນ້ຳທາ").values_list("code", flat=True))
    assert "LA03" in set(areas_search("ຫຼວງນໍ້າທາ").values_list("code", flat=True))
    for spelling in ["ໜອງຄາຍ", "Nong Khai", "หนองคาย", "NKI"]:
        assert "TH-43" in set(areas_search(spelling).values_list("code", flat=True)), spelling
    assert "TH-10" in set(areas_search("กรุงเทพมหานคร").values_list("code", flat=True))


def test_countries_have_local_names_and_are_searchable(places):
    laos = Country.objects.get(code="LA")
    assert laos.name_lo and laos.name_th and laos.name_fr
    assert "LA" in set(countries_search("Laos").values_list("code", flat=True))
    assert "TH" in set(countries_search("ไทย").values_list("code", flat=True))


def test_district_options_follow_the_province(personas, as_user):
    province = Area.objects.get(code="LA13")
    response = as_user(personas.alice).get(reverse("district_options"), {"province": province.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<option") == 1 + province.children.count()
    assert "Kaysone Phomvihane" in body


def test_district_options_need_a_signed_in_user(client, places):
    assert client.get(reverse("district_options"), {"province": 1}).status_code == 302
