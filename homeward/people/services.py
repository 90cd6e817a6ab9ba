"""Writes to people, and the blind-index keys that make their encrypted names searchable."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from homeward.keys import keyring
from homeward.lib import names
from homeward.people.models import NAME_FIELDS, NameKey, Person


def person_name_strings(person: Person) -> list[str]:
    values = [getattr(person, f) for f in NAME_FIELDS if f != "aliases"]
    values += [line for line in person.aliases.splitlines() if line.strip()]
    return [v for v in values if v]


def person_reindex(*, person: Person) -> int:
    """Replace the blind-index keys of one person under the primary index key. Returns the key count."""
    ring = keyring()
    key_id = ring.index.primary
    rows = {
        ring.blind_index(value, level, key_id): level
        for level, value in names.name_keys(person_name_strings(person))
    }
    NameKey.objects.filter(person=person).delete()
    NameKey.objects.bulk_create(
        [NameKey(person=person, digest=digest, level=level, key_id=key_id) for digest, level in rows.items()]
    )
    return len(rows)


@transaction.atomic
def person_save(*, person: Person, changed: set[str] | None = None) -> Person:
    """Save a person built or changed by a form, keeping the name index in step."""
    person.full_clean()
    person.save()
    if changed is None or changed & set(NAME_FIELDS):
        person_reindex(person=person)
    return person


def apply_birth(person: Person, birth: Any) -> None:
    if birth is None:
        person.birth_date, person.birth_year, person.birth_date_is_exact = "", None, False
    else:
        person.birth_date, person.birth_year, person.birth_date_is_exact = (
            birth.isoformat(),
            birth.year,
            birth.is_exact,
        )
