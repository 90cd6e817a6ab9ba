"""Homeward's intake XLSForm (Lao first, English second), built from Homeward's own lists and translations.

    .venv/bin/homeward intake-form          # writes homeward/interop/xlsforms/homeward_intake.xlsx

The form asks what a caseworker needs to open a case in the field, offline, in ODK Collect or KoboCollect: the
person's names (Lao script first), sex, date of birth, home province and district (the district list follows
the province), village, phone; where and how they were exploited; the trafficking status; consent; a note. Its
question names are HTCDS fields (and Homeward's ``hw_`` columns), so a submission is read exactly as a row of
an HTCDS spreadsheet. Labels come from Homeward's translation catalogues and place names from its reference
data, so the form speaks as the rest of Homeward does. ``homeward/interop/tests/test_openrosa.py`` checks that
the committed file is what ``build`` makes.

Bump ``VERSION`` whenever the form changes: phones then download the new form, and submissions of the old one
are refused with a clear message.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "xlsforms" / "homeward_intake.xlsx"
FORM_ID = "homeward_intake"
VERSION = "2026113001"
LANGUAGES = (("lo", "Lao (lo)"), ("en", "English (en)"))
DESTINATIONS = ("TH", "MY", "CN", "MM", "KH", "VN", "KR", "JP")


def build() -> bytes:
    """The XLSForm, as bytes (deterministic: the same inputs give the same cells)."""
    import openpyxl
    from django.utils import translation
    from django.utils.translation import gettext as _

    from homeward.cases import picklists as pl
    from homeward.cases.models import TraffickingEvent, VictimContext
    from homeward.people.models import Person

    def labels(text_of) -> list[str]:
        out = []
        for lang, _label in LANGUAGES:
            with translation.override(lang):
                out.append(str(text_of()))
        return out

    def verbose(model, field: str) -> list[str]:
        return labels(lambda: str(model._meta.get_field(field).verbose_name).capitalize())

    survey: list[list[str]] = []
    header = ["type", "name"] + [f"label::{name}" for _c, name in LANGUAGES]
    header += [f"hint::{name}" for _c, name in LANGUAGES] + ["required", "relevant", "choice_filter"]
    header += ["calculation", "appearance"]

    def question(
        kind: str,
        name: str,
        label: list[str],
        *,
        hint: list[str] | None = None,
        required: bool = False,
        relevant: str = "",
        choice_filter: str = "",
        calculation: str = "",
        appearance: str = "",
    ) -> None:
        survey.append(
            [
                kind,
                name,
                *label,
                *(hint or ["", ""]),
                "yes" if required else "",
                relevant,
                choice_filter,
                calculation,
                appearance,
            ]
        )

    question("begin_group", "person", labels(lambda: _("Person")))
    question("text", "hw_FirstNameLao", verbose(Person, "given_name_lo"), required=True)
    question("text", "hw_SecondNameLao", verbose(Person, "family_name_lo"))
    question("text", "prs_FirstName", verbose(Person, "given_name_latin"))
    question("text", "prs_SecondName", verbose(Person, "family_name_latin"))
    question("select_one gender", "prs_Gender", verbose(Person, "gender"), required=True)
    question("date", "prs_Birthdate", verbose(Person, "birth_date"))
    question("select_one province", "prs_MailingState", verbose(Person, "province"))
    question(
        "select_one district",
        "hw_MailingDistrict",
        verbose(Person, "district"),
        relevant="${prs_MailingState} != ''",
        choice_filter="province=${prs_MailingState}",
    )
    question("text", "prs_MailingStreet", verbose(Person, "address_detail"))
    question("text", "prs_MobilePhone", verbose(Person, "phone"), appearance="numbers")
    question("end_group", "person", ["", ""])
    question("begin_group", "exploitation", labels(lambda: _("Exploitation")))
    question(
        "select_one destination", "hte_Country", labels(lambda: _("Country where the person was exploited"))
    )
    question(
        "select_one thai_province",
        "hte_State",
        labels(lambda: _("Province where the person was exploited")),
        relevant="${hte_Country} = 'TH'",
        appearance="minimal",
    )
    question(
        "date", "hte_Date", labels(lambda: _("When the exploitation began")), relevant="${hte_Country} != ''"
    )
    question("calculate", "hte_Type", ["", ""], calculation="if(${hte_Country} != '', 'Exploitation', '')")
    question(
        "select_multiple exploitation", "vic_TypeOfExploitation", verbose(VictimContext, "exploitation_types")
    )
    question("select_multiple control", "vic_MethodsOfControl", verbose(VictimContext, "methods_of_control"))
    question(
        "select_one trafficking_status", "vic_TraffickingStatus", verbose(VictimContext, "trafficking_status")
    )
    question("end_group", "exploitation", ["", ""])
    question(
        "select_one yes_no",
        "con_Consent",
        labels(lambda: _("Does the person agree that their information is recorded to assist them?")),
        required=True,
    )
    question("text", "cco_CaseComment", verbose(TraffickingEvent, "description"), appearance="multiline")

    choices: list[list[str]] = []

    def choice_list(name: str, items: list[tuple[str, list[str]]], extra: list[str] | None = None) -> None:
        for value, texts in items:
            choices.append([name, value, *texts, *(extra or [""])])

    def picklist(name: str, klass) -> None:
        choice_list(name, [(value, labels(lambda v=value: klass(v).label)) for value in klass.values])

    picklist("gender", pl.Gender)
    picklist("exploitation", pl.Exploitation)
    picklist("control", pl.ControlMethod)
    picklist("trafficking_status", pl.TraffickingStatus)
    choice_list("yes_no", [("yes", labels(lambda: _("Agrees"))), ("no", labels(lambda: _("Does not agree")))])
    places = PACKAGE / "places" / "data"
    provinces = list(csv.DictReader((places / "lao_provinces.csv").open(encoding="utf-8")))
    choice_list("province", [(p["code"], [p["name_local"], p["name_en"]]) for p in provinces])
    for district in csv.DictReader((places / "lao_districts.csv").open(encoding="utf-8")):
        choices.append(
            [
                "district",
                district["code"],
                district["name_local"],
                district["name_en"],
                district["parent_code"],
            ]
        )
    thai = list(csv.DictReader((places / "thai_provinces.csv").open(encoding="utf-8")))
    choice_list("thai_province", [(p["code"], [p["name_lo"] or p["name_en"], p["name_en"]]) for p in thai])
    import pycountry

    from homeward.places.services import _country_names

    choice_list(
        "destination",
        [
            (
                code,
                [
                    _country_names(code)["lo"] or pycountry.countries.get(alpha_2=code).name,
                    _country_names(code)["en"],
                ],
            )
            for code in DESTINATIONS
        ],
    )

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(header)
    for row in survey:
        sheet.append(row)
    choice_sheet = book.create_sheet("choices")
    choice_sheet.append(["list_name", "name"] + [f"label::{name}" for _c, name in LANGUAGES] + ["province"])
    for row in choices:
        choice_sheet.append(row)
    settings_sheet = book.create_sheet("settings")
    settings_sheet.append(["form_title", "form_id", "version", "default_language"])
    with translation.override("lo"):
        title = _("Homeward intake")
    settings_sheet.append([title, FORM_ID, VERSION, LANGUAGES[0][1]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cells(data: bytes) -> dict[str, list[tuple]]:
    """Every cell of an XLSForm, sheet by sheet (to compare two builds: the bytes of an .xlsx carry dates)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def write() -> Path:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(build())
    return OUT
