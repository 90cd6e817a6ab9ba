"""The HTCDS 2.0 field standard, as Homeward reads spreadsheets in its layout.

The standard itself is the bundled ``data/htcds_field_standards_2.0.csv`` (CC BY 4.0, see ``data/SOURCES.md``):
one row a field with its section, status, core flag, type and picklist value names. This module turns it into a
catalogue of ``Field``, recognises column headers however a tool spelt them, and reads one cell of a column into
a typed value or a ``CellError`` that says what is wrong in the user's language.

Header spellings met in practice, all accepted:

- the standard's names (``prs_FirstName``, ``vic_MethodsOfControl``);
- the toolkit XLSForm's, and so KoboToolbox and ODK exports (``prs_First_Name``, ``vic_Methods_of_Control``):
  after the prefix, case and underscores are ignored;
- group paths of Kobo and ODK exports (``group_victim/vic_TypeOfExploitation``): the last segment counts;
- the toolkit workbook's misspelt ``vic_TraffickinStatusDecisionMakingOrg``.

Cell values follow the standard: picklists by value name (labels are accepted too, and case is ignored),
multi-select picklists separated by ``;``, ``,`` or spaces (Kobo writes ``DebtBondage PhysicalThreats``), ISO
3166-1 alpha-2 country codes, ISO 639-1 language codes, dates as ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (and spreadsheet
date cells; a date of birth may be known to the year or month only). Homeward's own picklist values (``hw_`` names, such as ``hw_ForcedCriminality``) are accepted where
Homeward extends a picklist. Text that a spreadsheet program would run as a formula is refused, unless a leading
apostrophe escapes it (as Homeward's export writes such text); the apostrophe is taken off.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from homeward.cases import picklists as pl
from homeward.lib.dates import PartialDate

DATA = Path(__file__).resolve().parent / "data"
STANDARD_FILE = DATA / "htcds_field_standards_2.0.csv"

# Kinds of value, from the standard's "Field Type" (and what Homeward knows of the field).
TEXT, LONG_TEXT, PICKLIST, MULTI, DATE, NUMBER, GEO, CHECKBOX, COUNTRY, COUNTRIES, LANGUAGE, LOOKUP = (
    "text",
    "long_text",
    "picklist",
    "multi",
    "date",
    "number",
    "geo",
    "checkbox",
    "country",
    "countries",
    "language",
    "lookup",
)
BIRTH_DATE = "prs_Birthdate"  # exact, or known to the month or the year only, as Homeward keeps it
TEXT_MAX = 255
LONG_TEXT_MAX = 10_000

# The picklists Homeward keeps for HTCDS fields: the standard's values and Homeward's namespaced extensions.
PICKLISTS: dict[str, type[models.TextChoices]] = {
    "prs_Gender": pl.Gender,
    "prs_MaritalStatus": pl.MaritalStatus,
    "prs_HighestLevelOfEducation": pl.Education,
    "vic_TraffickingStatus": pl.TraffickingStatus,
    "vic_TraffickingStatusDecisionMakingOrg": pl.DecisionOrg,
    "vic_RelationshipToTrafficker": pl.Relationship,
    "vic_TypeOfExploitation": pl.Exploitation,
    "vic_ForcedLabourIndustry": pl.Industry,
    "vic_TypeOfSexExploitation": pl.SexExploitation,
    "vic_MethodsOfControl": pl.ControlMethod,
    "vic_MethodOfRecruitment": pl.Recruitment,
    "vic_RecruitmentWebsitesAndApps": pl.App,
    "vic_ExploitationWebsitesAndApps": pl.App,
    "vic_Vulnerabilities": pl.Vulnerability,
    "cas_Status": pl.CaseStatus,
    "hte_Type": pl.EventType,
}
COUNTRY_FIELDS = {"prs_MailingCountry", "hte_Country", "org_ShippingCountry"}
LANGUAGE_FIELDS = {"prs_PrimaryLanguage", "prs_SecondaryLanguage"}
# Misspellings found in the toolkit's own files (normalised as in ``_key``).
MISSPELLINGS = {"vic_traffickinstatusdecisionmakingorg": "vic_TraffickingStatusDecisionMakingOrg"}

_KINDS = {
    "Text": TEXT,
    "Long Text": LONG_TEXT,
    "Picklist": PICKLIST,
    "Picklist or Text": TEXT,
    "Multiselect Picklist": MULTI,
    "Date": DATE,
    "Number": NUMBER,
    "Geolocation": GEO,
    "Checkbox": CHECKBOX,
}


@dataclass(frozen=True)
class Field:
    name: str  # with its prefix, as in the standard: prs_FirstName
    section: str
    label: str
    kind: str
    core: bool
    deprecated: bool
    values: tuple[str, ...]  # accepted value names of a picklist (the standard's and Homeward's)
    labels: tuple[str, ...]  # the standard's value labels, where it gives them


class InputError(ValueError):
    """What is wrong with an input, as a stable ``code`` (for tests and reports) and a message said in the user's
    language (``str(error)``)."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class CellError(InputError):
    """What is wrong with one cell."""


def _lines(cell: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in cell.splitlines() if v.strip())


def _kind(name: str, field_type: str) -> str:
    if name in COUNTRY_FIELDS:
        return COUNTRY
    if name == "prs_Citizenship":
        return COUNTRIES
    if name in LANGUAGE_FIELDS:
        return LANGUAGE
    if field_type.startswith("Lookup"):
        return LOOKUP
    return _KINDS.get(field_type, TEXT)


@functools.cache
def standard() -> dict[str, Field]:
    """Every field of the standard by its name, in the standard's order."""
    fields: dict[str, Field] = {}
    section = ""
    with STANDARD_FILE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            name = (row["Field Name including Prefix"] or "").strip()
            if not name:
                section = (row["Section"] or section).strip()
                continue
            kind = _kind(name, (row["Field Type"] or "").strip())
            values: tuple[str, ...] = ()
            labels: tuple[str, ...] = ()
            if kind in (PICKLIST, MULTI):
                values = _lines(row["Value Names (if picklist)"] or "")
                labels = _lines(row["Value Labels (if picklist)"] or "")
                if name in PICKLISTS:
                    extra = [v for v in PICKLISTS[name].values if v not in values]
                    values = values + tuple(extra)
            fields[name] = Field(
                name=name,
                section=section,
                label=(row["Field Label"] or "").strip(),
                kind=kind,
                core=(row["Core"] or "").strip().lower() == "core",
                deprecated=(row["Status"] or "").strip().upper() == "DEPRECATED",
                values=values,
                labels=labels,
            )
    return fields


def _key(header: str) -> str:
    """``prs_First_Name`` and ``prs_FirstName`` alike: the prefix, then the rest without case or underscores."""
    head = header.strip().lstrip("\ufeff").rsplit("/", 1)[-1].strip()
    prefix, _sep, rest = head.partition("_")
    if not rest:
        return head.lower()
    return f"{prefix.lower()}_{rest.replace('_', '').replace(' ', '').lower()}"


# Homeward's own columns, beside the standard's, so that an export carries everything Homeward keeps and an import
# into another Homeward reproduces it: names in Lao and Thai script, the case's dates and reason for closure, and
# the case reference that ties the rows of the Events and Comments sheets to their case.
EXTENSION_SECTION = "Homeward"
EXTENSIONS: tuple[tuple[str, str, str], ...] = (
    ("hw_CaseReference", "Case reference in the system it comes from", TEXT),
    ("hw_FirstNameLao", "First name in Lao script", TEXT),
    ("hw_SecondNameLao", "Second name in Lao script", TEXT),
    ("hw_FirstNameThai", "First name in Thai script", TEXT),
    ("hw_SecondNameThai", "Second name in Thai script", TEXT),
    ("hw_Aliases", "Aliases and nicknames, one per line", LONG_TEXT),
    ("hw_MailingDistrict", "Home district", TEXT),
    ("hw_DecisionMakingOrgName", "Name of the body that decided the trafficking status", TEXT),
    ("hw_OpenedOn", "Date the case was opened", DATE),
    ("hw_ClosedOn", "Date the case was closed", DATE),
    ("hw_ClosureReason", "Reason for closure", PICKLIST),
    ("hw_CommentDate", "Date of the comment", DATE),
)
EXTENSION_PICKLISTS: dict[str, type[models.TextChoices]] = {"hw_ClosureReason": pl.ClosureReason}


@functools.cache
def catalogue() -> dict[str, Field]:
    """The standard's fields and Homeward's extension columns (``hw_``), by name."""
    fields = dict(standard())
    for name, label, kind in EXTENSIONS:
        labels: tuple[str, ...] = ()
        choices = EXTENSION_PICKLISTS.get(name)
        if choices is not None:
            with translation.override(
                "en"
            ):  # labels as the standard gives its own: English, whatever the user's
                labels = tuple(str(choice_label) for choice_label in choices.labels)
        fields[name] = Field(
            name=name,
            section=EXTENSION_SECTION,
            label=label,
            kind=kind,
            core=False,
            deprecated=False,
            values=tuple(choices.values) if choices else (),
            labels=labels,
        )
    return fields


@functools.cache
def _by_key() -> dict[str, str]:
    keys: dict[str, str] = {}
    for name in catalogue():
        key = _key(name)
        if key in keys:  # the standard's own names must stay apart (tests check it)
            raise ValueError(f"HTCDS fields {keys[key]} and {name} cannot be told apart")
        keys[key] = name
    keys.update(MISSPELLINGS)
    return keys


def resolve(header: Any) -> str | None:
    """The standard's name of a column header (or of one of Homeward's ``hw_`` columns), or None when the header
    is neither."""
    if not isinstance(header, str) or not header.strip():
        return None
    return _by_key().get(_key(header))


# ---- cells ---------------------------------------------------------------------------------------------------
_FORMULA = re.compile(r"^[=@\t\r]|^[+-](?![\d\s().+-]*$)")
_YEAR_MONTH = re.compile(r"\d{4}(-\d{1,2})?")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_FIRST = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_NUMBER_LIKE = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_LIST = re.compile(r"\s*[;,]\s*")
_WORDS = re.compile(r"\s+")


def _tokens(text: str) -> list[str]:
    """The values of a multi-select cell: separated by ";" or "," (labels may hold spaces), else by spaces (as
    Kobo and ODK write value names)."""
    parts = _LIST.split(text) if _LIST.search(text) else _WORDS.split(text)
    return [p for p in (part.strip() for part in parts) if p]


def _known(field: Field, token: str) -> bool:
    try:
        _choice(field, token)
    except CellError:
        return False
    return True


def formula_escaped(text: str) -> str:
    """Text as an export writes it: with a leading apostrophe when a spreadsheet program would take it for a
    formula (or when it starts with an apostrophe already), which ``parse`` takes off again."""
    return "'" + text if _FORMULA.match(text) or text.startswith("'") else text


def _unescaped(value: str) -> str:
    rest = value[1:]
    if value.startswith("'") and (_FORMULA.match(rest) or rest.startswith("'")):
        return rest
    return value


def _text(field: Field, raw: Any) -> str:
    value = str(raw).strip()
    if value.startswith("'"):
        return _limited(field, _unescaped(value))
    if _FORMULA.match(value):
        raise CellError(
            "formula", _("This looks like a spreadsheet formula. Type the value itself, without = + - or @.")
        )
    return _limited(field, value)


def _limited(field: Field, value: str) -> str:
    limit = LONG_TEXT_MAX if field.kind == LONG_TEXT else TEXT_MAX
    if len(value) > limit:
        raise CellError("too_long", _("Too long: at most %(limit)s characters.") % {"limit": limit})
    return value


@functools.cache
def _choices(field: Field) -> dict[str, str]:
    """A picklist's values by their name or label, case ignored (names win over labels)."""
    found = {label.casefold(): value for value, label in zip(field.values, field.labels, strict=False)}
    found.update({value.casefold(): value for value in field.values})
    return found


def _choice(field: Field, token: str) -> str:
    value = _choices(field).get(token.strip().casefold())
    if value is not None:
        return value
    raise CellError(
        "picklist",
        _("“%(value)s” is not a value of this list. Use one of: %(values)s.")
        % {"value": token[:60], "values": ", ".join(field.values)},
    )


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    try:
        if _ISO_DAY.fullmatch(text):
            return dt.date.fromisoformat(text)
        if _DAY_FIRST.fullmatch(text):
            return dt.datetime.strptime(text, "%d/%m/%Y").date()
        if _ISO_MOMENT.match(text):  # date and time, as ODK and Kobo write them: the day as written
            return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    raise CellError(
        "date", _("“%(value)s” is not a date. Write it as 2024-03-31 or 31/03/2024.") % {"value": text[:40]}
    )


def _birth(raw: Any) -> PartialDate:
    """A date of birth, exact or known to the month or the year only (``1998``, ``1998-04``)."""
    text = raw.strip() if isinstance(raw, str) else ""
    if _YEAR_MONTH.fullmatch(text):
        year, _sep, month = text.partition("-")
        birth = PartialDate(int(year), int(month) if month else None)
        if birth.month is not None and not 1 <= birth.month <= 12:
            raise CellError(
                "date",
                _("“%(value)s” is not a date. Write it as 2024-03-31 or 31/03/2024.") % {"value": text[:40]},
            )
    else:
        day = _date(raw)
        birth = PartialDate(day.year, day.month, day.day)
    today = dt.date.today()
    if birth.year < today.year - 120 or (birth.year, birth.month or 1, birth.day or 1) > (
        today.year,
        today.month,
        today.day,
    ):
        raise CellError(
            "birth_range", _("A date of birth must lie in the last 120 years, not in the future.")
        )
    return birth


def _country(token: str) -> str:
    code = token.strip().upper()
    if len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None:
        return code
    raise CellError(
        "country",
        _("“%(value)s” is not a country code. Use the two-letter ISO 3166 code, such as LA or TH.")
        % {"value": token[:40]},
    )


def _language(token: str) -> str:
    code = token.strip().lower()
    if code in pl.Language.values:
        return code
    raise CellError(
        "language",
        _("“%(value)s” is not a language of this list. Use one of: %(values)s.")
        % {"value": token[:40], "values": ", ".join(pl.Language.values)},
    )


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise CellError("number", _("“%(value)s” is not a number.") % {"value": raw})
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            raise CellError("number", _("“%(value)s” is not a number.") % {"value": raw})
        return float(raw)
    text = str(raw).strip()
    if not _NUMBER_LIKE.match(text):
        raise CellError("number", _("“%(value)s” is not a number.") % {"value": text[:40]})
    return float(text.replace(",", "."))


_TRUE = {"true", "yes", "1", "y", "x"}
_FALSE = {"false", "no", "0", "n"}


def _checkbox(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("checkbox", _("“%(value)s” is not yes or no.") % {"value": str(raw)[:40]})


def parse(field: Field, raw: Any) -> Any:
    """One cell of ``field``'s column as a value: ``None`` when empty, a string, a list of strings (multi-select
    picklists and citizenship), a date (a ``PartialDate`` for the date of birth), a number or a boolean. Raises
    ``CellError``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = field.kind
    if field.name == BIRTH_DATE:
        return _birth(raw)
    if kind == DATE:
        return _date(raw)
    if kind in (NUMBER, GEO):
        value = _number(raw)
        if field.name.endswith("Latitude") and not -90 <= value <= 90:
            raise CellError("range", _("A latitude lies between -90 and 90."))
        if field.name.endswith("Longitude") and not -180 <= value <= 180:
            raise CellError("range", _("A longitude lies between -180 and 180."))
        if kind == NUMBER and not field.name.endswith(("Latitude", "Longitude")):
            if value < 0 or value != int(value):
                raise CellError("whole_number", _("Write a whole number, 0 or more."))
            return int(value)
        return value
    if kind == CHECKBOX:
        return _checkbox(raw)
    text = _text(field, raw)
    if kind == PICKLIST:
        try:
            return _choice(field, text)
        except CellError:
            tokens = _tokens(text)
            if len(tokens) > 1 and all(_known(field, t) for t in tokens):
                raise CellError("one_value", _("Only one value is allowed here.")) from None
            raise
    if kind == MULTI:
        if _known(field, text):  # one value whose label holds spaces
            return [_choice(field, text)]
        chosen: list[str] = []
        for token in _tokens(text):
            if (choice := _choice(field, token)) not in chosen:
                chosen.append(choice)
        return chosen
    if kind == COUNTRY:
        return _country(text)
    if kind == COUNTRIES:
        codes: list[str] = []
        for token in _tokens(text):
            if (code := _country(token)) not in codes:
                codes.append(code)
        return codes
    if kind == LANGUAGE:
        return _language(text)
    return text
