"""HTCDS export: the cases a user may see, in the standard's layout, as a password-protected workbook.

The workbook has three sheets: **Cases** (one row a case: the person, the trafficking context, the case), **Events**
(one row a trafficking event) and **Comments** (one row a case comment), the last two tied to their case by
``hw_CaseReference``. Columns are the standard's names; what Homeward keeps beyond the standard (names in Lao and
Thai script, aliases, the district, the case's dates and reason for closure) is in ``hw_`` columns that Homeward's
import reads back, so that exporting and importing into an empty instance reproduces every field.

Text that a spreadsheet program would run as a formula (``=``, ``+``, ``-``, ``@`` at the start) is written with
a leading apostrophe, which the import takes off again. The workbook is encrypted with the password the user
gives (ECMA-376 agile encryption: AES-256, SHA-512, 100,000 rounds), which Excel and LibreOffice ask for.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

import openpyxl
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from homeward.cases.models import Case, CaseComment, Consent, TraffickingEvent
from homeward.cases.picklists import ConsentPurpose
from homeward.interop.htcds import formula_escaped
from homeward.interop.sheets import REFERENCE
from homeward.people.models import Person

CASE_COLUMNS = (
    REFERENCE,
    "prs_FirstName",
    "prs_SecondName",
    "hw_FirstNameLao",
    "hw_SecondNameLao",
    "hw_FirstNameThai",
    "hw_SecondNameThai",
    "hw_Aliases",
    "prs_Birthdate",
    "prs_Gender",
    "prs_MaritalStatus",
    "prs_NumberOfChildren",
    "prs_PrimaryLanguage",
    "prs_SecondaryLanguage",
    "prs_HighestLevelOfEducation",
    "prs_Citizenship",
    "prs_IdentityNumber",
    "prs_Email",
    "prs_MobilePhone",
    "prs_MailingStreet",
    "prs_MailingCountry",
    "prs_MailingState",
    "hw_MailingDistrict",
    "vic_AgreementToManagePersonalData",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "hw_DecisionMakingOrgName",
    "vic_RelationshipToTrafficker",
    "vic_AgeWhenTrafficked",
    "vic_MethodOfRecruitment",
    "vic_RecruitmentWebsitesAndApps",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
    "vic_ExploitationWebsitesAndApps",
    "vic_Vulnerabilities",
    "vic_DetailsOfVulnerabilities",
    "cas_Status",
    "hw_OpenedOn",
    "hw_ClosedOn",
    "hw_ClosureReason",
    "cas_ReasonForCaseClosure",
    "con_Consent",
)
EVENT_COLUMNS = (REFERENCE, "hte_Type", "hte_Date", "hte_Country", "hte_State", "hte_City", "hte_Description")
COMMENT_COLUMNS = (REFERENCE, "hw_CommentDate", "cco_CaseComment")
SHEETS = ("Cases", "Events", "Comments")
_MULTI = {
    "vic_MethodOfRecruitment": "methods_of_recruitment",
    "vic_RecruitmentWebsitesAndApps": "recruitment_apps",
    "vic_MethodsOfControl": "methods_of_control",
    "vic_TypeOfExploitation": "exploitation_types",
    "vic_TypeOfSexExploitation": "sex_exploitation_types",
    "vic_ExploitationWebsitesAndApps": "exploitation_apps",
    "vic_Vulnerabilities": "vulnerabilities",
}
_VICTIM = {
    "vic_AgreementToManagePersonalData": "agreement_to_manage_data",
    "vic_TraffickingStatus": "trafficking_status",
    "vic_TraffickingStatusDecisionMakingOrg": "status_decided_by",
    "hw_DecisionMakingOrgName": "status_decided_by_name",
    "vic_RelationshipToTrafficker": "relationship_to_trafficker",
    "vic_AgeWhenTrafficked": "age_when_trafficked",
    "vic_ForcedLabourIndustry": "forced_labour_industry",
    "vic_DetailsOfVulnerabilities": "vulnerability_details",
}
_PERSON = {
    "hw_FirstNameLao": "given_name_lo",
    "hw_SecondNameLao": "family_name_lo",
    "hw_FirstNameThai": "given_name_th",
    "hw_SecondNameThai": "family_name_th",
    "hw_Aliases": "aliases",
    "prs_Gender": "gender",
    "prs_MaritalStatus": "marital_status",
    "prs_NumberOfChildren": "number_of_children",
    "prs_PrimaryLanguage": "primary_language",
    "prs_SecondaryLanguage": "secondary_language",
    "prs_HighestLevelOfEducation": "education",
    "prs_IdentityNumber": "identity_number",
    "prs_Email": "email",
    "prs_MobilePhone": "phone",
    "prs_MailingStreet": "address_detail",
}


def htcds_names(person: Person) -> tuple[str, str]:
    """prs_FirstName and prs_SecondName: the Latin-script name when there is one, else the Lao, else the Thai."""
    for slot in ("latin", "lo", "th"):
        given, family = getattr(person, f"given_name_{slot}"), getattr(person, f"family_name_{slot}")
        if given or family:
            return given, family
    return "", ""


def _consent_cell(consents: list[Consent]) -> bool | None:
    assistance = [c for c in consents if c.purpose == ConsentPurpose.ASSISTANCE]
    if not assistance:
        return None
    latest = max(assistance, key=lambda c: (c.given_on, c.id))
    return latest.state() == "active"


def case_row(case: Case) -> dict[str, Any]:
    """The Cases sheet's cells of one case, by column."""
    person = case.person
    victim = case.victim
    first, second = htcds_names(person)
    row: dict[str, Any] = {REFERENCE: case.reference, "prs_FirstName": first, "prs_SecondName": second}
    for column, attribute in _PERSON.items():
        row[column] = getattr(person, attribute)
    row["prs_Birthdate"] = person.birth_date
    row["prs_Citizenship"] = person.citizenship.code if person.citizenship_id else ""
    row["prs_MailingCountry"] = person.province.country.code if person.province_id else ""
    row["prs_MailingState"] = person.province.code if person.province_id else ""
    row["hw_MailingDistrict"] = person.district.code if person.district_id else ""
    for column, attribute in _VICTIM.items():
        row[column] = getattr(victim, attribute)
    for column, attribute in _MULTI.items():
        row[column] = ";".join(getattr(victim, attribute))
    row["cas_Status"] = case.status
    row["hw_OpenedOn"] = case.opened_on.isoformat()
    row["hw_ClosedOn"] = case.closed_on.isoformat() if case.closed_on else ""
    row["hw_ClosureReason"] = case.closure_reason
    row["cas_ReasonForCaseClosure"] = case.closure_details
    row["con_Consent"] = _consent_cell(list(case.consents.all()))
    return row


def event_row(case: Case, event: TraffickingEvent) -> dict[str, Any]:
    return {
        REFERENCE: case.reference,
        "hte_Type": event.type,
        "hte_Date": event.date.isoformat() if event.date else "",
        "hte_Country": event.country.code,
        "hte_State": event.area.code if event.area_id else "",
        "hte_City": event.city,
        "hte_Description": event.description,
    }


def comment_row(case: Case, comment: CaseComment) -> dict[str, Any]:
    return {
        REFERENCE: case.reference,
        "hw_CommentDate": timezone.localtime(comment.created_at).date().isoformat(),
        "cco_CaseComment": comment.body,
    }


def export_queryset(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related(
        "person",
        "person__citizenship",
        "person__province__country",
        "person__district",
        "victim",
    ).prefetch_related(
        Prefetch("events", queryset=TraffickingEvent.objects.select_related("country", "area")),
        "comments",
        "consents",
    )


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=formula_escaped(value))
        cell.data_type = "s"  # never a formula, whatever the text
        return cell
    return value


def _append(sheet: WriteOnlyWorksheet, columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> None:
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_cell(sheet, row.get(column)) for column in columns])


def _rows(
    cases: Iterable[Case],
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    for case in cases:
        yield (
            case_row(case),
            [event_row(case, e) for e in case.events.all()],
            [comment_row(case, c) for c in case.comments.all()],
        )


def workbook(cases: QuerySet[Case]) -> tuple[bytes, int]:
    """The (unencrypted) workbook of these cases, and how many cases it holds."""
    book = openpyxl.Workbook(write_only=True)
    main, events_sheet, comments_sheet = (book.create_sheet(title) for title in SHEETS)
    events: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    count = 0
    main.append(list(CASE_COLUMNS))
    for row, case_events, case_comments in _rows(export_queryset(cases).iterator(chunk_size=500)):
        main.append([_cell(main, row.get(column)) for column in CASE_COLUMNS])
        events += case_events
        comments += case_comments
        count += 1
    _append(events_sheet, EVENT_COLUMNS, events)
    _append(comments_sheet, COMMENT_COLUMNS, comments)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count


def encrypt(data: bytes, password: str) -> bytes:
    """The workbook encrypted with a password, as Excel does it (opens in Excel and LibreOffice)."""
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def decrypt(data: bytes, password: str) -> bytes:
    """The plain workbook of an encrypted one (for tests and for reading an export back)."""
    office = OOXMLFile(io.BytesIO(data))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()
