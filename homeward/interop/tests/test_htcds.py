"""The HTCDS field standard as Homeward reads it: headers however a tool spelt them, and cells into values or
errors a user can act on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from homeward.interop import htcds
from homeward.interop.htcds import CellError, parse, resolve, standard
from homeward.lib.dates import PartialDate

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def field(name: str) -> htcds.Field:
    return standard()[name]


def test_the_catalogue_holds_the_standard():
    fields = standard()
    assert len(fields) == 83
    assert fields["prs_FirstName"].core and fields["prs_FirstName"].kind == htcds.TEXT
    assert fields["prs_Birthdate"].kind == htcds.DATE
    assert fields["vic_TypeOfExploitation"].kind == htcds.MULTI
    assert fields["prs_Citizenship"].kind == htcds.COUNTRIES
    assert fields["vic_Vulnerabilities"].deprecated
    assert fields["hte_Type"].values == ("Recruitment", "Transit", "Exploitation")
    assert fields["org_Type"].labels[1] == "Law Enforcement"
    assert fields["prs_Gender"].section == "Person"


def test_homeward_extensions_are_values_of_the_lists_it_extends():
    assert "hw_ForcedCriminality" in field("vic_TypeOfExploitation").values
    assert "ForcedLabour" in field("vic_TypeOfExploitation").values
    for name, choices in htcds.PICKLISTS.items():
        assert set(choices.values) <= set(field(name).values), name


def test_no_two_fields_of_the_standard_look_alike_once_case_and_underscores_are_ignored():
    keys = [htcds._key(name) for name in standard()]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("prs_FirstName", "prs_FirstName"),
        ("prs_First_Name", "prs_FirstName"),
        ("prs_Second_Name", "prs_SecondName"),
        ("vic_Methods_of_Control", "vic_MethodsOfControl"),
        ("  PRS_firstname ", "prs_FirstName"),
        ("\ufeffcas_Status", "cas_Status"),
        ("group_victim/vic_TypeOfExploitation", "vic_TypeOfExploitation"),
        ("vic_TraffickinStatusDecisionMakingOrg", "vic_TraffickingStatusDecisionMakingOrg"),
        ("First Name", None),
        ("_uuid", None),
        ("", None),
        (None, None),
        (3, None),
    ],
)
def test_headers_are_recognised_however_a_tool_spelt_them(header, name):
    assert resolve(header) == name


def test_every_column_of_the_toolkit_workbook_is_an_htcds_field():
    sheet = openpyxl.load_workbook(FIXTURES / "htcds_spreadsheet_2.0.xlsx", read_only=True).worksheets[0]
    headers = [h for h in next(sheet.iter_rows(values_only=True)) if h]
    assert len(headers) == 37
    assert [h for h in headers if resolve(h) is None] == []


def test_every_question_of_the_toolkit_xlsform_is_an_htcds_field():
    survey = openpyxl.load_workbook(FIXTURES / "htcds_xlsform.xlsx", read_only=True)["survey"]
    names = [
        row[1]
        for row in survey.iter_rows(min_row=2, values_only=True)
        if row[0] not in (None, "start", "end", "calculate")
    ]
    assert len(names) == 31
    assert [n for n in names if resolve(n) is None] == []
    assert resolve("prs_First_Name") == "prs_FirstName"


def test_picklists_take_value_names_or_labels_in_any_case():
    assert parse(field("vic_TraffickingStatus"), "ActualVictimOfTrafficking") == "ActualVictimOfTrafficking"
    assert parse(field("vic_TraffickingStatus"), " actualvictimoftrafficking ") == "ActualVictimOfTrafficking"
    assert parse(field("org_Type"), "Law Enforcement") == "LawEnforcement"
    assert parse(field("prs_HighestLevelOfEducation"), "hw_NoFormalEducation") == "hw_NoFormalEducation"


def test_a_value_outside_the_list_is_refused_with_the_list():
    with pytest.raises(CellError) as refused:
        parse(field("hte_Type"), "Arrival")
    assert refused.value.code == "picklist"
    assert "Recruitment, Transit, Exploitation" in str(refused.value)


def test_a_single_choice_list_refuses_several_values():
    with pytest.raises(CellError) as refused:
        parse(field("vic_ForcedLabourIndustry"), "C_Manufacturing F_Construction")  # Kobo's select_multiple
    assert refused.value.code == "one_value"


@pytest.mark.parametrize(
    ("raw", "values"),
    [
        ("DebtBondage PhysicalThreats", ["DebtBondage", "PhysicalThreats"]),  # Kobo and ODK
        ("DebtBondage;PhysicalThreats; DebtBondage", ["DebtBondage", "PhysicalThreats"]),
        ("debtbondage, hw_Confinement", ["DebtBondage", "hw_Confinement"]),
    ],
)
def test_multi_select_cells_split_on_spaces_semicolons_or_commas(raw, values):
    assert parse(field("vic_MethodsOfControl"), raw) == values


def test_multi_select_labels_may_hold_spaces():
    exploitation = field("vic_TypeOfExploitation")
    label = exploitation.labels[exploitation.values.index("SexualExploitation")]
    assert " " in label
    assert parse(exploitation, label) == ["SexualExploitation"]
    assert parse(exploitation, f"{label}; ForcedLabour") == ["SexualExploitation", "ForcedLabour"]


def test_one_bad_value_in_a_multi_select_cell_refuses_the_cell():
    with pytest.raises(CellError) as refused:
        parse(field("vic_MethodsOfControl"), "DebtBondage Sorcery")
    assert refused.value.code == "picklist" and "Sorcery" in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("2024-03-31", dt.date(2024, 3, 31)),
        ("31/03/2024", dt.date(2024, 3, 31)),
        ("2024-03-31T10:15:00.000+07:00", dt.date(2024, 3, 31)),
        (dt.datetime(2024, 3, 31, 0, 0), dt.date(2024, 3, 31)),
        (dt.date(2024, 3, 31), dt.date(2024, 3, 31)),
    ],
)
def test_dates_in_the_forms_spreadsheets_and_odk_write(raw, day):
    assert parse(field("cas_IncomingReferralDate"), raw) == day


@pytest.mark.parametrize(
    "raw",
    ["31/02/2024", "2024-13-01", "yesterday", "03/31/2024", 45000, "2024-03-31garbage", "2024-03-31T99:00"],
)
def test_impossible_or_unclear_dates_are_refused(raw):
    with pytest.raises(CellError) as refused:
        parse(field("cas_IncomingReferralDate"), raw)
    assert refused.value.code == "date"


def test_countries_are_iso_codes():
    assert parse(field("prs_MailingCountry"), "la") == "LA"
    assert parse(field("prs_Citizenship"), "LA TH la") == ["LA", "TH"]
    with pytest.raises(CellError) as refused:
        parse(field("prs_MailingCountry"), "Laos")
    assert refused.value.code == "country"
    with pytest.raises(CellError):
        parse(field("prs_Citizenship"), "LA XX")


def test_languages_are_those_homeward_knows():
    assert parse(field("prs_PrimaryLanguage"), "LO") == "lo"
    with pytest.raises(CellError) as refused:
        parse(field("prs_PrimaryLanguage"), "Lao")
    assert refused.value.code == "language"


def test_numbers_checkboxes_and_coordinates():
    assert parse(field("prs_NumberOfChildren"), "2") == 2
    assert parse(field("prs_NumberOfChildren"), 3.0) == 3
    assert parse(field("prs_Deceased"), "FALSE") is False
    assert parse(field("prs_Deceased"), 1) is True
    assert parse(field("hte_Latitude"), "17.97") == pytest.approx(17.97)
    for name, raw, code in [
        ("prs_NumberOfChildren", "-1", "whole_number"),
        ("prs_NumberOfChildren", "1.5", "whole_number"),
        ("prs_NumberOfChildren", "two", "number"),
        ("prs_Deceased", "maybe", "checkbox"),
        ("hte_Latitude", "95", "range"),
        ("hte_Longitude", "-181", "range"),
    ]:
        with pytest.raises(CellError) as refused:
            parse(field(name), raw)
        assert refused.value.code == code, (name, raw)


def test_empty_cells_are_none():
    for name in ("prs_FirstName", "prs_Birthdate", "vic_TypeOfExploitation", "prs_Deceased"):
        assert parse(field(name), None) is None
        assert parse(field(name), "   ") is None


@pytest.mark.parametrize(
    "raw", ['=HYPERLINK("http://x")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3+cmd", "\t=1"]
)
def test_text_a_spreadsheet_would_run_as_a_formula_is_refused(raw):
    with pytest.raises(CellError) as refused:
        parse(field("prs_FirstName"), raw)
    assert refused.value.code == "formula"


def test_phone_numbers_and_negative_numbers_are_not_formulas():
    assert parse(field("prs_MobilePhone"), "+856 20 5555 0101") == "+856 20 5555 0101"
    assert parse(field("prs_MailingPostalCode"), "-") == "-"


def test_text_longer_than_the_field_is_refused():
    assert parse(field("prs_FirstName"), "A" * 255) == "A" * 255
    with pytest.raises(CellError) as refused:
        parse(field("prs_FirstName"), "A" * 256)
    assert refused.value.code == "too_long"
    assert parse(field("cas_IncomingReferralDetails"), "A" * 10_000)


def test_errors_are_said_in_the_users_language():
    with translation.override("lo"):
        with pytest.raises(CellError) as refused:
            parse(field("prs_Birthdate"), "yesterday")
        assert "yesterday" in str(refused.value)
        assert "is not a date" not in str(refused.value)


@given(st.one_of(st.text(max_size=300), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none()))
def test_any_cell_gives_a_value_or_a_cell_error(raw):
    """Whatever a spreadsheet holds, every field either reads it or says why not: never another exception."""
    for f in standard().values():
        try:
            parse(f, raw)
        except CellError as error:
            assert error.code and str(error)


@pytest.mark.parametrize(
    ("raw", "birth"),
    [
        ("1998", PartialDate(1998)),
        ("1998-04", PartialDate(1998, 4)),
        ("1998-04-21", PartialDate(1998, 4, 21)),
        ("21/04/1998", PartialDate(1998, 4, 21)),
        (dt.date(1998, 4, 21), PartialDate(1998, 4, 21)),
    ],
)
def test_a_date_of_birth_may_be_known_to_the_year_or_month_only(raw, birth):
    assert parse(field("prs_Birthdate"), raw) == birth


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1998-13", "date"),
        ("98", "date"),
        ("1850", "birth_range"),
        (str(dt.date.today().year + 1), "birth_range"),
    ],
)
def test_impossible_dates_of_birth_are_refused(raw, code):
    with pytest.raises(CellError) as refused:
        parse(field("prs_Birthdate"), raw)
    assert refused.value.code == code


def test_a_date_of_birth_tomorrow_is_refused():
    with pytest.raises(CellError) as refused:
        parse(field("prs_Birthdate"), dt.date.today() + dt.timedelta(days=1))
    assert refused.value.code == "birth_range"
