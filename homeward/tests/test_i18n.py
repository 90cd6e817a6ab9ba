"""The interface in English, Lao, Thai and French; Lao added properly to a Django that ships without it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGS = ["lo", "th", "fr"]


def _entries(po_text: str):
    for block in po_text.split("\n\n")[1:]:
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        yield block


@pytest.mark.parametrize("lang", LANGS)
def test_every_catalogue_entry_is_translated_and_none_is_fuzzy(lang):
    text = (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    untranslated = [
        b
        for b in _entries(text)
        if re.search(r'msgstr(\[\d\])? ""\s*$', b) and not re.search(r'msgstr(\[\d\])? ""\n"', b)
    ]
    fuzzy = [b for b in _entries(text) if "#, fuzzy" in b]
    assert untranslated == [], untranslated[:3]
    assert fuzzy == [], fuzzy[:3]
    assert "NEEDS REVIEW BY A NATIVE SPEAKER" in text


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogues_are_up_to_date(lang):
    po = LOCALE / lang / "LC_MESSAGES" / "django.po"
    mo = LOCALE / lang / "LC_MESSAGES" / "django.mo"
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, "run `make messages`"


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang):
    text = (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    for block in _entries(text):
        msgid = "".join(re.findall(r'^msgid "(.*)"$|^"(.*)"$', block.split("msgstr")[0], re.M)[0])
        ids = set(re.findall(r"%\(\w+\)[sd]", block.split("msgstr")[0]))
        strs = set(re.findall(r"%\(\w+\)[sd]", block.split("msgstr", 1)[1]))
        assert ids == strs or (not ids and not strs), (lang, msgid, ids, strs)


def test_lao_is_a_known_language_with_its_own_formats():
    info = translation.get_language_info("lo")
    assert info["name_local"] == "ລາວ" and info["bidi"] is False
    with translation.override("lo"):
        assert formats.get_format("SHORT_DATE_FORMAT") == "d/m/Y"
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d/%m/%Y"


@pytest.mark.parametrize(("lang", "expected_not"), [("lo", "Sign in"), ("th", "Sign in"), ("fr", "Sign in")])
def test_the_sign_in_page_speaks_each_language(client, db, lang, expected_not):
    client.post(reverse("set_language"), {"language": lang, "next": "/"})
    body = client.get(reverse("accounts:login")).content.decode()
    assert f'<html lang="{lang}">' in body
    assert f">{expected_not}</h1>" not in body
    with translation.override(lang):
        assert translation.gettext("Sign in") in body


@pytest.mark.parametrize("lang", ["lo", "th"])
def test_lao_and_thai_pages_load_the_bundled_fonts(client, db, lang):
    css = (Path(settings.BASE_DIR) / "static" / "homeward" / "css" / "homeward.css").read_text()
    font = {"lo": "noto-sans-lao-lao-400-normal.woff2", "th": "noto-sans-thai-thai-400-normal.woff2"}[lang]
    assert font in css
    assert (Path(settings.BASE_DIR) / "static" / "homeward" / "fonts" / font).stat().st_size > 5_000


def test_picklist_labels_and_django_messages_are_translated_into_lao():
    with translation.override("lo"):
        from homeward.cases.picklists import Exploitation

        assert str(Exploitation.FORCED_LABOUR.label) != "Forced labour"
        assert translation.gettext("This field is required.") != "This field is required."
        assert translation.gettext("March") != "March"
