import json

import pytest

from homeward.lib.crypto import DecryptionError, KeyRing, KeyRingError


@pytest.fixture
def ring():
    return KeyRing.generate()


def test_it_round_trips_text_in_any_script(ring):
    for text in ["Phonsavanh", "ພອນສະຫວັນ ແສງທອງ", "พรสวรรค์", ""]:
        assert ring.decrypt(ring.encrypt(text, "people.given"), "people.given") == text


def test_ciphertext_names_its_key_and_hides_the_text(ring):
    token = ring.encrypt("ພອນສະຫວັນ", "people.given")
    assert token.startswith(f"hw1:{ring.encryption.primary}:")
    assert "ພອນ" not in token
    # a fresh nonce each time: equal names do not give equal ciphertexts
    assert ring.encrypt("ພອນສະຫວັນ", "people.given") != token


def test_it_refuses_a_ciphertext_moved_to_another_column(ring):
    token = ring.encrypt("Phonsavanh", "people_person.given_name_latin")
    with pytest.raises(DecryptionError):
        ring.decrypt(token, "people_person.family_name_latin")


def test_it_refuses_a_tampered_ciphertext(ring):
    token = ring.encrypt("Phonsavanh", "c")
    prefix, key_id, body = token.split(":")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(DecryptionError):
        ring.decrypt(f"{prefix}:{key_id}:{flipped}", "c")


def test_old_ciphertexts_still_read_after_a_new_primary_key(ring):
    old = ring.encrypt("Bounmy", "c")
    rotated = ring.with_new_primary()
    assert rotated.encryption.primary != ring.encryption.primary
    assert rotated.decrypt(old, "c") == "Bounmy"
    assert KeyRing.key_id_of(rotated.encrypt("Bounmy", "c")) == rotated.encryption.primary
    retired = rotated.retire_except_primary()
    with pytest.raises(DecryptionError):
        retired.decrypt(old, "c")


def test_blind_indexes_are_keyed_and_separated_by_kind(ring):
    other = KeyRing.generate()
    assert ring.blind_index("ponsawan", "f") == ring.blind_index("ponsawan", "f")
    assert ring.blind_index("ponsawan", "f") != ring.blind_index("ponsawan", "x")
    assert ring.blind_index("ponsawan", "f") != other.blind_index("ponsawan", "f")
    assert len(ring.blind_index("ponsawan", "f")) == 32


def test_the_key_document_round_trips_and_bad_documents_are_refused(ring, tmp_path):
    path = tmp_path / "keys.json"
    ring.save(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    loaded = KeyRing.from_file(path)
    assert loaded.decrypt(ring.encrypt("x", "c"), "c") == "x"
    data = json.loads(ring.to_json())
    data["encryption"]["primary"] = "missing"
    with pytest.raises(KeyRingError):
        KeyRing.from_json(data)
    data = json.loads(ring.to_json())
    data["index"]["keys"] = {"i1": "c2hvcnQ"}
    data["index"]["primary"] = "i1"
    with pytest.raises(KeyRingError):
        KeyRing.from_json(data)


def test_files_round_trip_and_audit_macs_depend_on_the_key(ring):
    blob = ring.encrypt_bytes(b"%PDF-1.4 data", "document:abc")
    assert ring.decrypt_file_bytes(blob, "document:abc") == b"%PDF-1.4 data"
    with pytest.raises(DecryptionError):
        ring.decrypt_file_bytes(blob, "document:other")
    assert ring.audit_mac("0" * 64, b"x") != KeyRing.generate().audit_mac("0" * 64, b"x")
