"""Checking the rows of an HTCDS spreadsheet against what Homeward keeps, before anything is written.

``check(sheet)`` reads every cell of every row (and of the Events and Comments sheets a Homeward export adds)
into the values of a person, the trafficking context, the case, its trafficking events and comments, and
reports every problem by sheet, row and column in the user's language. Nothing here writes: ``services`` writes
the rows that ``check`` found valid.

Where a value goes:

- names by script: ``prs_FirstName`` (with ``prs_MiddleName``) and ``prs_SecondName`` go to the Lao, Thai or
  Latin name according to the script they are written in; ``hw_FirstNameLao`` and the like name the script;
- ``prs_MailingState`` is a province of ``prs_MailingCountry`` (Laos when the column is absent), by code or by
  name in any language; ``hw_MailingDistrict`` (or ``prs_MailingCity`` when it names a district of that
  province) is the district; the street, and a city that is not a district, are kept as the address;
- ``prs_Citizenship`` keeps the first country (a warning says so when there are more);
- ``prs_MobilePhone`` and ``prs_HomePhone`` are kept together as the phone;
- ``con_Consent`` records consent for assistance, given or refused on the day the case was opened;
- the ``hte_`` columns of a row are one trafficking event of that row's case; ``cco_CaseComment`` one comment.

A name (in any script) and ``prs_Gender`` are required. Fields Homeward does not keep (the organisation's,
salutations, coordinates of a home, referral lookups...) are listed as not kept, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from homeward.cases import picklists as pl
from homeward.cases.models import VictimContext
from homeward.interop import htcds
from homeward.interop.sheets import REFERENCE, Sheet
from homeward.lib import names
from homeward.lib.dates import PartialDate
from homeward.places.models import Area, AreaLevel, Country

# HTCDS field -> (model part, attribute) for the values that go straight across.
DIRECT: dict[str, tuple[str, str]] = {
    "prs_Gender": ("person", "gender"),
    "prs_MaritalStatus": ("person", "marital_status"),
    "prs_NumberOfChildren": ("person", "number_of_children"),
    "prs_PrimaryLanguage": ("person", "primary_language"),
    "prs_SecondaryLanguage": ("person", "secondary_language"),
    "prs_HighestLevelOfEducation": ("person", "education"),
    "prs_IdentityNumber": ("person", "identity_number"),
    "hw_Aliases": ("person", "aliases"),
    "vic_AgreementToManagePersonalData": ("victim", "agreement_to_manage_data"),
    "vic_TraffickingStatus": ("victim", "trafficking_status"),
    "vic_TraffickingStatusDecisionMakingOrg": ("victim", "status_decided_by"),
    "hw_DecisionMakingOrgName": ("victim", "status_decided_by_name"),
    "vic_RelationshipToTrafficker": ("victim", "relationship_to_trafficker"),
    "vic_AgeWhenTrafficked": ("victim", "age_when_trafficked"),
    "vic_TypeOfExploitation": ("victim", "exploitation_types"),
    "vic_ForcedLabourIndustry": ("victim", "forced_labour_industry"),
    "vic_TypeOfSexExploitation": ("victim", "sex_exploitation_types"),
    "vic_MethodsOfControl": ("victim", "methods_of_control"),
    "vic_MethodOfRecruitment": ("victim", "methods_of_recruitment"),
    "vic_RecruitmentWebsitesAndApps": ("victim", "recruitment_apps"),
    "vic_ExploitationWebsitesAndApps": ("victim", "exploitation_apps"),
    "vic_Vulnerabilities": ("victim", "vulnerabilities"),
    "vic_DetailsOfVulnerabilities": ("victim", "vulnerability_details"),
    "cas_Status": ("case", "status"),
    "cas_ReasonForCaseClosure": ("case", "closure_details"),
    "hw_ClosureReason": ("case", "closure_reason"),
    "hw_OpenedOn": ("case", "opened_on"),
    "hw_ClosedOn": ("case", "closed_on"),
}
NAME_COLUMNS = (
    "prs_FirstName",
    "prs_MiddleName",
    "prs_SecondName",
    "hw_FirstNameLao",
    "hw_SecondNameLao",
    "hw_FirstNameThai",
    "hw_SecondNameThai",
)
PLACE_COLUMNS = ("prs_MailingCountry", "prs_MailingState", "prs_MailingCity", "prs_MailingStreet")
OTHER_KEPT = (
    "prs_Birthdate",
    "prs_Citizenship",
    "prs_Email",
    "prs_MobilePhone",
    "prs_HomePhone",
    "hw_MailingDistrict",
    "con_Consent",
    "cco_CaseComment",
    "hw_CommentDate",
    REFERENCE,
)
EVENT_KEPT = ("hte_Type", "hte_Date", "hte_Country", "hte_State", "hte_City", "hte_Description")
KEPT = frozenset((*DIRECT, *NAME_COLUMNS, *PLACE_COLUMNS, *OTHER_KEPT, *EVENT_KEPT))
REQUIRED = ("prs_Gender",)
MAX_CHILDREN = 40
MAX_AGE = 120
# Columns of limited width that a text cell may overflow (picklist values are all shorter).
_MAX_LENGTH = {
    ("victim", "status_decided_by_name"): VictimContext._meta.get_field("status_decided_by_name").max_length
}
# Kinds of cell whose few distinct values repeat down a file: each is read once per file.
_REPEATING = frozenset(
    {htcds.PICKLIST, htcds.MULTI, htcds.COUNTRY, htcds.COUNTRIES, htcds.LANGUAGE, htcds.CHECKBOX}
)
_SCRIPT_SLOT = {"lao": "lo", "thai": "th", "latin": "latin"}
_SCRIPT_OF_COLUMN = {
    "hw_FirstNameLao": ("lao", "given"),
    "hw_SecondNameLao": ("lao", "family"),
    "hw_FirstNameThai": ("thai", "given"),
    "hw_SecondNameThai": ("thai", "family"),
}


@dataclass
class Problem:
    """One thing wrong (or, when ``warning``, worth knowing) in a file, a row or a cell."""

    sheet: str
    row: int  # the row number in the sheet; 0 for the whole file
    column: str  # the header as written; "" for the whole row
    value: str  # the cell as written, shortened
    code: str
    message: str
    warning: bool = False


@dataclass
class Row:
    """The values one row of the main sheet gives a person, the trafficking context, a case, its events and
    comments; with its problems (its own, and those of its events' and comments' rows)."""

    number: int
    reference: str = ""
    person: dict[str, Any] = field(default_factory=dict)
    victim: dict[str, Any] = field(default_factory=dict)
    case: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    consent: bool | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(not p.warning for p in self.problems)

    def name_strings(self) -> list[str]:
        """The person's full names, one per script, for matching against people already recorded."""
        out = []
        for slot in ("lo", "th", "latin"):
            full = " ".join(
                v
                for v in (self.person.get(f"given_name_{slot}"), self.person.get(f"family_name_{slot}"))
                if v
            )
            if full:
                out.append(full)
        return out


@dataclass
class Checked:
    rows: list[Row]
    problems: list[Problem]  # about the whole file
    kept: list[str]  # the file's columns that Homeward keeps (headers as written)
    not_kept: list[str]  # HTCDS columns of the file that Homeward does not keep
    ignored: list[str]  # columns that are not HTCDS fields

    @property
    def valid(self) -> bool:
        return not any(not p.warning for p in self.problems) and all(r.valid for r in self.rows)


# ---- places --------------------------------------------------------------------------------------------------
class Places:
    """Countries and areas by every code and spelling, read once per file."""

    def __init__(self) -> None:
        self.countries = dict(Country.objects.values_list("code", "id"))
        # In the language of the report (the check runs in the uploader's language).
        self.country_names = {
            c.code: c.name for c in Country.objects.only("code", "name_en", "name_lo", "name_th", "name_fr")
        }
        self._found: dict[
            tuple[str | int, str], int | None
        ] = {}  # a file names the same places again and again
        self._provinces: dict[str, dict[str, set[int]]] = {}
        self._districts: dict[int, dict[str, set[int]]] = {}
        for area in Area.objects.select_related("country").only(
            "id", "code", "iso_code", "search_text", "level", "parent_id", "country__code"
        ):
            keys = {k for k in area.search_text.split("|") if k}
            keys |= {names.normalise(area.code), names.normalise(area.iso_code or "")} - {""}
            if area.level == AreaLevel.PROVINCE:
                index = self._provinces.setdefault(area.country.code, {})
            else:
                index = self._districts.setdefault(area.parent_id or 0, {})
            for key in keys:
                index.setdefault(key, set()).add(area.id)

    def has_areas(self, country: str) -> bool:
        return country in self._provinces

    @staticmethod
    def _find(index: dict[str, set[int]], text: str) -> int | None:
        norm = names.normalise(text)
        for key in (norm, names.fold(names.romanise(norm.replace(" ", "")))):
            found = index.get(key)
            if found and len(found) == 1:
                return next(iter(found))
        return None

    def province(self, country: str, text: str) -> int | None:
        key = (country, text)
        if key not in self._found:
            self._found[key] = self._find(self._provinces.get(country, {}), text)
        return self._found[key]

    def district(self, province_id: int, text: str) -> int | None:
        key = (province_id, text)
        if key not in self._found:
            self._found[key] = self._find(self._districts.get(province_id, {}), text)
        return self._found[key]


# ---- one row -------------------------------------------------------------------------------------------------
def _shown(raw: Any) -> str:
    if raw is None:
        return ""
    text = raw.isoformat() if isinstance(raw, dt.date) else str(raw)
    return text if len(text) <= 80 else text[:79] + "…"


class _Reader:
    """Reads the cells of one sheet row, collecting problems into ``problems``."""

    def __init__(
        self, sheet: Sheet, number: int, cells: list[Any], problems: list[Problem], memo: dict | None = None
    ) -> None:
        self.sheet = sheet
        self.memo = memo if memo is not None else {}
        self.number = number
        self.problems = problems
        self.raw: dict[str, Any] = dict(zip(sheet.field_names, cells, strict=True))
        self.header = sheet.headers

    def problem(self, name: str, code: str, message: str, *, warning: bool = False) -> None:
        self.problems.append(
            Problem(
                sheet=self.sheet.name,
                row=self.number,
                column=self.header.get(name, name),
                value=_shown(self.raw.get(name)),
                code=code,
                message=message,
                warning=warning,
            )
        )

    def value(self, name: str) -> Any:
        """The parsed value of a column (None when empty, absent or wrong: a wrong one is reported)."""
        if name not in self.raw:
            return None
        raw = self.raw[name]
        field = htcds.catalogue()[name]
        memo = self.memo if field.kind in _REPEATING and isinstance(raw, str) else None
        if memo is not None and (name, raw) in memo:
            found = memo[(name, raw)]
        else:
            try:
                found = htcds.parse(field, raw)
            except htcds.CellError as error:
                found = error
            if memo is not None:
                memo[(name, raw)] = found
        if isinstance(found, htcds.CellError):
            self.problem(name, found.code, str(found))
            return None
        return list(found) if isinstance(found, list) else found

    def present(self, name: str) -> bool:
        raw = self.raw.get(name)
        return raw is not None and not (isinstance(raw, str) and not raw.strip())


def _names(reader: _Reader, person: dict[str, Any]) -> None:
    first = " ".join(v for v in (reader.value("prs_FirstName"), reader.value("prs_MiddleName")) if v)
    family = reader.value("prs_SecondName") or ""
    for part, text in (("given", first), ("family", family)):
        if text:
            person[f"{part}_name_{_SCRIPT_SLOT[names.script_of(text)]}"] = text
    for column, (script, part) in _SCRIPT_OF_COLUMN.items():
        text = reader.value(column)
        if not text:
            continue
        if names.script_of(text) != script:
            reader.problem(
                column,
                "script",
                _("Write this name in Lao script.")
                if script == "lao"
                else _("Write this name in Thai script."),
            )
            continue
        person[f"{part}_name_{_SCRIPT_SLOT[script]}"] = text
    if not any(
        person.get(f"{part}_name_{slot}") for part in ("given", "family") for slot in _SCRIPT_SLOT.values()
    ):
        reader.problem("prs_FirstName", "missing", _("A person needs a name: give a first or a second name."))


def _place(reader: _Reader, person: dict[str, Any], places: Places) -> None:
    country = reader.value("prs_MailingCountry") or "LA"
    state = reader.value("prs_MailingState")
    city = reader.value("prs_MailingCity") or ""
    district_text = reader.value("hw_MailingDistrict")
    address = [reader.value("prs_MailingStreet") or ""]
    province_id = None
    if state:
        if not places.has_areas(country):
            address.append(state)
        else:
            province_id = places.province(country, state)
            if province_id is None:
                reader.problem(
                    "prs_MailingState",
                    "place",
                    _("“%(value)s” is not a province of %(country)s. Give its code or its name.")
                    % {"value": state[:60], "country": places.country_names.get(country, country)},
                )
    district_id = None
    if district_text:
        if province_id is None:
            if state is None:
                reader.problem(
                    "hw_MailingDistrict",
                    "place",
                    _("Give the province of this district in prs_MailingState."),
                )
        else:
            district_id = places.district(province_id, district_text)
            if district_id is None:
                reader.problem(
                    "hw_MailingDistrict",
                    "place",
                    _("“%(value)s” is not a district of this province. Give its code or its name.")
                    % {"value": district_text[:60]},
                )
    if city:
        found = places.district(province_id, city) if province_id and district_id is None else None
        if found is not None and not district_text:
            district_id = found
        else:
            address.append(city)
    person["province_id"] = province_id
    person["district_id"] = district_id
    person["address_detail"] = ", ".join(a for a in address if a)


def _person(reader: _Reader, places: Places) -> dict[str, Any]:
    person: dict[str, Any] = {}
    _names(reader, person)
    birth = reader.value("prs_Birthdate")
    person["birth"] = birth if isinstance(birth, PartialDate) else None
    citizenship = reader.value("prs_Citizenship") or []
    if citizenship:
        code = citizenship[0]
        if code not in places.countries:
            reader.problem(
                "prs_Citizenship",
                "country",
                _("“%(value)s” is not a country Homeward knows.") % {"value": code},
            )
        person["citizenship_id"] = places.countries.get(code)
        if len(citizenship) > 1:
            reader.problem(
                "prs_Citizenship",
                "one_kept",
                _("Homeward keeps one citizenship: only %(code)s is kept.") % {"code": code},
                warning=True,
            )
    email = reader.value("prs_Email") or ""
    if email:
        try:
            validate_email(email)
        except ValidationError:
            reader.problem(
                "prs_Email", "email", _("“%(value)s” is not an e-mail address.") % {"value": email[:60]}
            )
            email = ""
    person["email"] = email
    phones = [p for p in (reader.value("prs_MobilePhone"), reader.value("prs_HomePhone")) if p]
    person["phone"] = " / ".join(dict.fromkeys(phones))
    _place(reader, person, places)
    return person


def _checks(reader: _Reader, row: Row) -> None:
    """What the values of one row must agree on."""
    if row.person.get("gender") is None and "prs_Gender" in reader.raw and not reader.present("prs_Gender"):
        reader.problem("prs_Gender", "missing", _("Give the person's sex or gender (prs_Gender)."))
    children = row.person.get("number_of_children")
    if children is not None and children > MAX_CHILDREN:
        reader.problem("prs_NumberOfChildren", "range", _("At most %(limit)s.") % {"limit": MAX_CHILDREN})
        row.person["number_of_children"] = None
    age = row.victim.get("age_when_trafficked")
    if age is not None and age > MAX_AGE:
        reader.problem("vic_AgeWhenTrafficked", "range", _("At most %(limit)s.") % {"limit": MAX_AGE})
        row.victim["age_when_trafficked"] = None
    case = row.case
    today = dt.date.today()
    status = case.get("status") or pl.CaseStatus.ACTIVE
    closed = status in (pl.CaseStatus.CLOSED, pl.CaseStatus.CLOSED_REFERRED)
    opened_on = case.get("opened_on")
    if opened_on is not None and opened_on > today:
        reader.problem("hw_OpenedOn", "future", _("This date is in the future."))
    closed_on = case.get("closed_on")
    if not closed:
        for name, attribute in (
            ("hw_ClosedOn", "closed_on"),
            ("hw_ClosureReason", "closure_reason"),
            ("cas_ReasonForCaseClosure", "closure_details"),
        ):
            if case.get(attribute):
                reader.problem(
                    name,
                    "not_closed",
                    _("Only a closed case has this: set cas_Status to Closed, or leave it empty."),
                )
    elif closed_on is not None:
        if closed_on > today:
            reader.problem("hw_ClosedOn", "future", _("This date is in the future."))
        elif opened_on is not None and closed_on < opened_on:
            reader.problem("hw_ClosedOn", "order", _("A case cannot close before it opened."))


def _event(reader: _Reader, places: Places) -> dict[str, Any] | None:
    """The trafficking event of the ``hte_`` cells of a row, or None when they are all empty."""
    if not any(reader.present(name) for name in reader.raw if name.startswith("hte_")):
        return None
    kind = reader.value("hte_Type")
    country = reader.value("hte_Country")
    if kind is None and not reader.present("hte_Type"):
        reader.problem("hte_Type", "missing", _("A trafficking event needs its type (hte_Type)."))
    if country is None and not reader.present("hte_Country"):
        reader.problem("hte_Country", "missing", _("A trafficking event needs its country (hte_Country)."))
    if country is not None and country not in places.countries:
        reader.problem(
            "hte_Country", "country", _("“%(value)s” is not a country Homeward knows.") % {"value": country}
        )
    state = reader.value("hte_State")
    city = reader.value("hte_City") or ""
    area_id = None
    if state and country:
        if places.has_areas(country):
            area_id = places.province(country, state)
            if area_id is None:
                reader.problem(
                    "hte_State",
                    "place",
                    _("“%(value)s” is not a province of %(country)s. Give its code or its name.")
                    % {"value": state[:60], "country": places.country_names.get(country, country)},
                )
        else:
            city = ", ".join(c for c in (city, state) if c)
    event = {
        "type": kind,
        "date": reader.value("hte_Date"),
        "country_id": places.countries.get(country or ""),
        "area_id": area_id,
        "city": city,
        "description": reader.value("hte_Description") or "",
    }
    if event["date"] is not None and event["date"] > dt.date.today():
        reader.problem("hte_Date", "future", _("This date is in the future."))
    return event


def _main_row(sheet: Sheet, number: int, cells: list[Any], places: Places, memo: dict) -> Row:
    row = Row(number=number)
    reader = _Reader(sheet, number, cells, row.problems, memo)
    row.reference = reader.value(REFERENCE) or ""
    row.person = _person(reader, places)
    parts = {"person": row.person, "victim": row.victim, "case": row.case}
    for name, (part, attribute) in DIRECT.items():
        if name in reader.raw:
            value = reader.value(name)
            limit = _MAX_LENGTH.get((part, attribute))
            if isinstance(value, str) and limit is not None and len(value) > limit:
                reader.problem(
                    name, "too_long", _("Too long: at most %(limit)s characters.") % {"limit": limit}
                )
                continue
            if value is not None:
                parts[part][attribute] = value
    _checks(reader, row)
    row.consent = reader.value("con_Consent")
    event = _event(reader, places)
    if event is not None:
        row.events.append(event)
    comment = reader.value("cco_CaseComment")
    if comment:
        row.comments.append({"body": comment, "date": reader.value("hw_CommentDate")})
    return row


def _attach(
    sheet: Sheet | None, rows_by_reference: dict[str, Row], places: Places, kind: str
) -> list[Problem]:
    """Read an Events or Comments sheet into the rows its references name; problems of unknown references."""
    stray: list[Problem] = []
    if sheet is None:
        return stray
    for number, cells in sheet.rows:
        problems: list[Problem] = []
        reader = _Reader(sheet, number, cells, problems)
        reference = reader.value(REFERENCE) or ""
        owner = rows_by_reference.get(reference)
        if owner is None:
            reader.problem(
                REFERENCE,
                "reference",
                _("No row of the main sheet has this case reference.")
                if reference
                else _("Give the case reference (hw_CaseReference) this row belongs to."),
            )
            stray.extend(problems)
            continue
        if kind == "events":
            event = _event(reader, places)
            if event is not None:
                owner.events.append(event)
        else:
            comment = reader.value("cco_CaseComment")
            if comment:
                owner.comments.append({"body": comment, "date": reader.value("hw_CommentDate")})
        owner.problems.extend(problems)
    return stray


def check(sheet: Sheet, places: Places | None = None, progress: Any = None) -> Checked:
    """Every row of ``sheet`` (and of its Events and Comments sheets) read and checked; nothing is written.

    ``progress(done, total)`` is called every thousand rows when given."""
    places = places or Places()
    problems: list[Problem] = []
    present = {name for _i, _h, name in sheet.columns}
    for name in REQUIRED:
        if name not in present:
            problems.append(
                Problem(
                    sheet=sheet.name,
                    row=0,
                    column=name,
                    value="",
                    code="missing_column",
                    message=_("The file has no %(column)s column, which every row needs.") % {"column": name},
                )
            )
    if not present & {"prs_FirstName", "prs_SecondName", *_SCRIPT_OF_COLUMN}:
        problems.append(
            Problem(
                sheet=sheet.name,
                row=0,
                column="prs_FirstName",
                value="",
                code="missing_column",
                message=_("The file has no name column (prs_FirstName or prs_SecondName)."),
            )
        )
    rows: list[Row] = []
    memo: dict = {}
    by_reference: dict[str, Row] = {}
    total = len(sheet.rows)
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        row = _main_row(sheet, number, cells, places, memo)
        if row.reference:
            if row.reference in by_reference:
                row.problems.append(
                    Problem(
                        sheet=sheet.name,
                        row=number,
                        column=REFERENCE,
                        value=row.reference,
                        code="duplicate_reference",
                        message=_("Row %(row)s has the same case reference.")
                        % {"row": by_reference[row.reference].number},
                    )
                )
            else:
                by_reference[row.reference] = row
        rows.append(row)
        if progress is not None and done % 1000 == 0:
            progress(done, total)
    problems += _attach(sheet.events, by_reference, places, "events")
    problems += _attach(sheet.comments, by_reference, places, "comments")
    columns = [*sheet.columns]
    for extra in (sheet.events, sheet.comments):
        if extra is not None:
            columns += extra.columns
    kept = list(dict.fromkeys(header for _i, header, name in columns if name in KEPT))
    not_kept = list(dict.fromkeys(header for _i, header, name in columns if name not in KEPT))
    ignored = list(
        dict.fromkeys([*sheet.ignored, *(x for s in (sheet.events, sheet.comments) if s for x in s.ignored)])
    )
    return Checked(rows=rows, problems=problems, kept=kept, not_kept=not_kept, ignored=ignored)


def _encode(value: Any) -> Any:
    if isinstance(value, PartialDate):
        return {"partial": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    raise TypeError(type(value))


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "partial" in obj:
        return PartialDate.parse_iso(obj["partial"])
    if len(obj) == 1 and "date" in obj:
        return dt.date.fromisoformat(obj["date"])
    return obj


def rows_to_json(rows: Iterable[Row]) -> str:
    """Checked rows as JSON (kept, encrypted, between the check and the import: the import does not read the
    file again)."""
    return json.dumps(
        [[r.number, r.reference, r.person, r.victim, r.case, r.events, r.comments, r.consent] for r in rows],
        default=_encode,
        ensure_ascii=False,
    )


def rows_from_json(text: str) -> list[Row]:
    return [
        Row(
            number=number,
            reference=reference,
            person=person,
            victim=victim,
            case=case,
            events=events,
            comments=comments,
            consent=consent,
        )
        for number, reference, person, victim, case, events, comments, consent in json.loads(
            text, object_hook=_decode
        )
    ]
