"""Reads the raw database, the way a stolen backup would be read, and finds no identifying plaintext."""

import pytest
from django.db import connection

from homeward.cases.services import comment_add

SECRETS = [
    "ພອນສະຫວັນ",
    "ແສງທອງ",
    "Phonsavanh",
    "Saengthong",
    "พรสวรรค์",
    "Noy-Alias",
    "+856 20 5555 1234",
    "LA-ID-99887766",
    "Ban Nongbone 12",
    "private comment text",
]


def _every_text_cell():
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, str | bytes | memoryview):
                        yield bytes(value).decode("utf-8", "replace") if not isinstance(value, str) else value


@pytest.mark.django_db
def test_no_plaintext_name_contact_or_comment_is_in_the_database(personas, open_case):
    case = open_case(
        given_name_th="พรสวรรค์",
        aliases="Noy-Alias",
        phone="+856 20 5555 1234",
        identity_number="LA-ID-99887766",
        address_detail="Ban Nongbone 12",
        birth_date="2004-03-27",
        birth_year=2004,
    )
    comment_add(actor=personas.alice, case=case, body="private comment text")
    cells = list(_every_text_cell())
    assert len(cells) > 100
    for secret in SECRETS:
        assert not any(secret in cell for cell in cells), secret
    # and the exact birth date is not there either (only the year, for statistics)
    assert not any("2004-03-27" in cell for cell in cells)


@pytest.mark.django_db
def test_the_application_reads_it_back(personas, open_case):
    from homeward.people.models import Person

    case = open_case(phone="+856 20 5555 1234")
    person = Person.objects.get(pk=case.person.pk)
    assert person.given_name_lo == "ພອນສະຫວັນ" and person.phone == "+856 20 5555 1234"
