import pytest
from django.core.management import call_command
from django.db import connection

from homeward import keys
from homeward.cases.selectors import CaseFilters, case_list
from homeward.cases.services import document_read, document_upload
from homeward.lib.crypto import KeyRing
from homeward.people.models import NameKey, Person


@pytest.fixture
def key_file(settings, tmp_path):
    ring = KeyRing.generate()
    path = tmp_path / "keys.json"
    ring.save(path)
    settings.KEY_FILE = str(path)
    keys.reset(ring)
    yield path
    keys.reset(KeyRing.generate())


def _raw_key_ids():
    with connection.cursor() as cursor:
        cursor.execute("SELECT given_name_lo, phone FROM people_person")
        return {KeyRing.key_id_of(v) for row in cursor.fetchall() for v in row if v}


def test_rotation_reencrypts_everything_and_readers_keep_working(key_file, personas, open_case):
    old = KeyRing.from_file(key_file)
    case = open_case(phone="+856 20 5555 0000")
    document = document_upload(actor=personas.alice, case=case, kind="other", title="t", data=b"%PDF-1.4 x")
    assert _raw_key_ids() == {old.encryption.primary}

    call_command("rotate-keys", "--wait", "0")

    new = KeyRing.from_file(key_file)
    assert new.encryption.primary != old.encryption.primary and old.encryption.primary in new.encryption.keys
    assert _raw_key_ids() == {new.encryption.primary}
    assert set(NameKey.objects.values_list("key_id", flat=True)) == {new.index.primary}
    person = Person.objects.get(pk=case.person.pk)
    assert person.given_name_lo == "ພອນສະຫວັນ" and person.phone == "+856 20 5555 0000"
    assert list(case_list(personas.alice, CaseFilters(q="Phonesavan"))) == [case]
    assert document_read(actor=personas.alice, case=case, document=document) == b"%PDF-1.4 x"


def test_a_reader_with_the_old_ring_still_reads_rows_not_yet_rotated_and_search_sees_both(
    key_file, personas, open_case
):
    first = open_case()
    staged = KeyRing.from_file(key_file).with_new_primary()
    keys.reset(staged)  # a process that already promoted; rows of `first` still use the old keys
    second = open_case(given_name_latin="Bounmy", given_name_lo="ບຸນມີ")
    assert Person.objects.get(pk=first.person.pk).given_name_lo == "ພອນສະຫວັນ"
    assert list(case_list(personas.alice, CaseFilters(q="Phonsavanh"))) == [first]
    assert list(case_list(personas.alice, CaseFilters(q="Bounmi"))) == [second]


def test_retiring_old_keys_leaves_only_the_new_ones(key_file, personas, open_case):
    open_case()
    call_command("rotate-keys", "--wait", "0", "--retire-old-keys")
    ring = KeyRing.from_file(key_file)
    assert list(ring.encryption.keys) == [ring.encryption.primary]
    assert Person.objects.get().given_name_lo == "ພອນສະຫວັນ"


def test_a_running_process_picks_up_a_changed_key_file(key_file, settings):
    settings.KEY_RELOAD_SECONDS = 1
    keys.reset(None, pinned=False)
    first = keys.keyring()
    first.with_new_primary().save(key_file)
    import os
    import time

    os.utime(key_file, (time.time() + 5, time.time() + 5))
    keys._checked_at = 0.0
    assert keys.keyring().encryption.primary != first.encryption.primary


def test_rotation_refuses_keys_from_the_environment(key_file, monkeypatch):
    from django.core.management import CommandError

    monkeypatch.setenv("HOMEWARD_KEYS", KeyRing.generate().to_json())
    with pytest.raises(CommandError, match="HOMEWARD_KEYS"):
        call_command("rotate-keys", "--wait", "0")
