"""Demo data for offline capture: a few invented forms waiting in the intake queue, as phones would send them."""

from __future__ import annotations

import uuid
from typing import Any

from homeward.interop import openrosa

# The intake form's questions, by group, in the form's order.
PERSON = [
    "hw_FirstNameLao",
    "hw_SecondNameLao",
    "prs_FirstName",
    "prs_SecondName",
    "prs_Gender",
    "prs_Birthdate",
    "prs_MailingState",
    "hw_MailingDistrict",
    "prs_MailingStreet",
    "prs_MobilePhone",
]
EXPLOITATION = [
    "hte_Country",
    "hte_State",
    "hte_Date",
    "hte_Type",
    "vic_TypeOfExploitation",
    "vic_MethodsOfControl",
    "vic_TraffickingStatus",
]
INVENTED = [
    {
        "hw_FirstNameLao": "ນາງ ແກ້ວຕາ",
        "hw_SecondNameLao": "ທົດລອງ",
        "prs_FirstName": "Keota",
        "prs_SecondName": "Thodlong",
        "prs_Gender": "Feminine",
        "prs_Birthdate": "2004-09-15",
        "prs_MailingState": "LA13",
        "hw_MailingDistrict": "LA1301",
        "prs_MailingStreet": "Ban Invented",
        "hte_Country": "TH",
        "hte_State": "TH-10",
        "hte_Date": "2025-11-02",
        "hte_Type": "Exploitation",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_MethodsOfControl": "DebtBondage WithholdsDocuments",
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "con_Consent": "yes",
        "cco_CaseComment": "Invented: met at the border checkpoint, asks for help to go home.",
    },
    {
        "hw_FirstNameLao": "ທ້າວ ບຸນມີ",
        "hw_SecondNameLao": "ຕົວຢ່າງ",
        "prs_Gender": "Masculine",
        "prs_Birthdate": "1999-01-20",
        "prs_MailingState": "LA16",
        "hte_Country": "MM",
        "hte_Date": "2025-06-01",
        "hte_Type": "Exploitation",
        "vic_TypeOfExploitation": "hw_ForcedCriminality",
        "vic_MethodsOfControl": "hw_Confinement PhysicalAbuse",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "con_Consent": "yes",
    },
]


def instance_xml(
    values: dict[str, str], *, instance_id: str | None = None, version: str | None = None
) -> bytes:
    """A filled-in intake form as ODK Collect writes it (questions in their groups, the metadata last)."""

    def elements(names: list[str]) -> str:
        return "".join(f"<{n}>{openrosa.xml_escape(values.get(n, ''))}</{n}>" for n in names)

    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    version = openrosa.form("homeward_intake").version if version is None else version
    return (
        '<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" '
        f'xmlns:orx="http://openrosa.org/xforms" id="homeward_intake" version="{version}">'
        "<start>2025-11-02T10:00:00.000+07:00</start><end>2025-11-02T10:20:00.000+07:00</end>"
        f"<person>{elements(PERSON)}</person><exploitation>{elements(EXPLOITATION)}</exploitation>"
        f"{elements(['con_Consent', 'cco_CaseComment'])}"
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def generate_intake(*, user: Any) -> int:
    """Invented forms from ``user``'s phone, waiting in their organisation's intake queue."""
    from homeward.interop.intake import submission_receive

    for number, values in enumerate(INVENTED):
        submission_receive(
            user=user, data=instance_xml(values, instance_id=f"uuid:00000000-demo-0000-0000-{number:012d}")
        )
    return len(INVENTED)
