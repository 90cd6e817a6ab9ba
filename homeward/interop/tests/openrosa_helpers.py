"""Instances of Homeward's forms as ODK Collect writes them, and the requests it sends."""

from __future__ import annotations

import base64
from typing import Any

from homeward.interop.demo import instance_xml

ODK_HEADERS = {
    "HTTP_X_OPENROSA_VERSION": "1.0",
    "HTTP_USER_AGENT": "Dalvik/2.1.0 (Linux; U; Android 13) org.odk.collect.android/v2024.3.2",
    "HTTP_ACCEPT_ENCODING": "gzip,deflate",
}


def intake_instance(
    answers: dict[str, str] | None = None, *, instance_id: str | None = None, version: str | None = None
) -> bytes:
    """A filled-in intake form (invented person), with ``answers`` changed."""
    values = {
        "hw_FirstNameLao": "ສົມໃຈ",
        "hw_SecondNameLao": "ຕົວຢ່າງ",
        "prs_FirstName": "Somchai",
        "prs_SecondName": "Example",
        "prs_Gender": "Feminine",
        "prs_Birthdate": "1999-04-12",
        "prs_MailingState": "LA13",
        "prs_MailingStreet": "Ban Synthetic",
        "prs_MobilePhone": "02055550101",
        "hte_Country": "TH",
        "hte_State": "TH-10",
        "hte_Date": "2024-02-01",
        "hte_Type": "Exploitation",
        "vic_TypeOfExploitation": "ForcedLabour hw_ForcedCriminality",
        "vic_MethodsOfControl": "DebtBondage WithholdsDocuments",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "con_Consent": "yes",
        "cco_CaseComment": "Synthetic note from the field",
    }
    values.update(answers or {})
    return instance_xml(values, instance_id=instance_id, version=version)


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def multipart(xml: bytes, boundary: str = "----odkcollect") -> tuple[bytes, str]:
    """A multipart body as ODK Collect sends it: the instance as xml_submission_file, then an attachment."""
    parts = [
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="xml_submission_file"; filename="submission.xml"\r\n'
        + b"Content-Type: text/xml\r\n\r\n"
        + xml
        + b"\r\n",
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="1709262000000.jpg"; filename="1709262000000.jpg"\r\n'
        + b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0synthetic\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_submission(client: Any, xml: bytes, auth: dict[str, str], **extra: Any) -> Any:
    body, content_type = multipart(xml)
    return client.generic(
        "POST", "/openrosa/submission", body, content_type=content_type, **ODK_HEADERS, **auth, **extra
    )
