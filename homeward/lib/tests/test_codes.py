import re

from homeward.lib.codes import normalise_reference, reference


def test_references_are_random_and_unambiguous():
    refs = {reference("HW") for _ in range(500)}
    assert len(refs) == 500
    for ref in refs:
        assert re.fullmatch(r"HW-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", ref)


def test_typed_references_are_normalised():
    assert normalise_reference(" hw-7k3f-9qxd ") == "HW-7K3F-9QXD"
    assert normalise_reference("HW-OOIL-1234") == "HW-0011-1234"
