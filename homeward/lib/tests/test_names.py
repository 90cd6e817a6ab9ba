from hypothesis import given
from hypothesis import strategies as st

from homeward.lib import names


def keys_of(text: str) -> dict[str, str]:
    return names.token_keys(names.normalise(text))


def test_lao_script_and_latin_spellings_share_a_folded_key():
    groups = [
        ["ພອນສະຫວັນ", "Phonsavanh", "Phonesavan", "Phonsavan", "Phonesavanh"],
        ["ແສງທອງ", "Saengthong", "Sengthong"],
        ["ບຸນມີ", "Bounmy", "Bounmi"],
        ["ສົມພອນ", "Somphone", "Somphon"],
        ["ຄຳຫລ້າ", "ຄຳຫຼ້າ", "Khamla"],
        ["ໄຊສົມບູນ", "Xaisomboun", "Saysomboun"],
        ["ຈັນທະວົງ", "Chanthavong"],
    ]
    for group in groups:
        folds = {keys_of(spelling)["f"] for spelling in group}
        assert len(folds) == 1, (group, folds)


def test_thai_script_of_a_lao_name_meets_the_lao_name():
    lao = "ພອນສະຫວັນ"
    assert keys_of(names.lao_to_thai(lao))["f"] == keys_of(lao)["f"]


def test_normalise_unifies_lao_spelling_forms_and_latin_accents():
    assert names.normalise("ຫລວງ") == names.normalise("ຫຼວງ")
    assert names.normalise("ນໍາ") == names.normalise("ນຳ")
    assert names.normalise("Phôngsali") == "phongsali"
    assert names.normalise("  Phonsavanh   SAENGTHONG ") == "phonsavanh saengthong"


def test_titles_are_not_name_tokens():
    assert names.tokens("ນາງ ພອນສະຫວັນ") == ["ພອນສະຫວັນ"]
    assert names.tokens("Mrs. Phonsavanh") == ["phonsavanh"]


def test_different_names_do_not_collide_at_the_fold_level():
    assert keys_of("Phonsavanh")["f"] != keys_of("Somphone")["f"]
    assert keys_of("Bounmy")["f"] != keys_of("Bounthanh")["f"]


def test_nicknames_from_the_rules_file_are_indexed():
    found = names.name_keys(["Noy"])
    assert ("f", "noi") in found


@given(st.text(max_size=60))
def test_keys_never_fail_and_normalise_is_idempotent(text):
    once = names.normalise(text)
    assert names.normalise(once) == once
    for token_keys in names.query_keys(text):
        assert all(isinstance(v, str) for v in token_keys.values())


def test_a_final_d_or_t_or_th_is_one_sound():
    assert keys_of("Sisavad")["f"] == keys_of("Sisavath")["f"] == keys_of("ສີສະຫວາດ")["f"]
