"""Writes to people, and the blind-index keys that make their encrypted names searchable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from homeward.keys import keyring
from homeward.lib import names
from homeward.people.models import NAME_FIELDS, NameKey, Person


def person_name_strings(person: Person) -> list[str]:
    return name_strings({f: getattr(person, f) for f in NAME_FIELDS})


def name_strings(values: Mapping[str, Any]) -> list[str]:
    """Every name of a person given as field values (a person not yet saved, as an import builds it): the names
    in each script, then each alias."""
    out = [values.get(f) or "" for f in NAME_FIELDS if f != "aliases"]
    out += [line for line in (values.get("aliases") or "").splitlines() if line.strip()]
    return [v for v in out if v]


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


def birth_fields(birth: Any) -> dict[str, Any]:
    """The person's fields that hold a (possibly partial) date of birth: exact text encrypted, year in clear."""
    if birth is None:
        return {"birth_date": "", "birth_year": None, "birth_date_is_exact": False}
    return {"birth_date": birth.isoformat(), "birth_year": birth.year, "birth_date_is_exact": birth.is_exact}


def apply_birth(person: Person, birth: Any) -> None:
    for name, value in birth_fields(birth).items():
        setattr(person, name, value)
