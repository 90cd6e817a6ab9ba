"""The OpenRosa 1.0 protocol as ODK Collect, KoboCollect and Enketo speak it: the forms Homeward serves (XForms
built from XLSForms by pyxform), the form list, and reading a submitted instance safely.

Submissions are XML from phones: they are parsed with defusedxml (no DTD, no entities, so no entity-expansion
bombs), bounded in size, and must name a form Homeward serves, in its current version, with an instance id.
Their leaf elements are read as the columns of a one-row HTCDS sheet, so that a submission is checked and
imported by exactly the code that reads spreadsheets (``rows.check``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext_lazy as _
from pyxform.xls2xform import convert

from homeward.interop import htcds
from homeward.interop.htcds import InputError
from homeward.interop.sheets import Sheet

XLSFORMS = Path(__file__).resolve().parent / "xlsforms"
FORM_FILES = {
    "homeward_intake": XLSFORMS / "homeward_intake.xlsx",
    "htcds_xlsform": XLSFORMS / "htcds_xlsform.xlsx",
}
# The toolkit's XLSForm has no title of its own: the form list gives it this name.
TITLES = {"htcds_xlsform": "HTCDS 2.0 (IOM toolkit)"}
OPENROSA_VERSION = "1.0"
XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
RESPONSE_NS = "http://openrosa.org/http/response"
# Elements of an instance that are the form's machinery, not answers.
SKIPPED = {
    "meta",
    "instanceID",
    "instanceName",
    "deprecatedID",
    "start",
    "end",
    "today",
    "deviceid",
    "__version__",
}


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    version: str
    xml: bytes
    md5: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@functools.cache
def form(form_id: str) -> Form:
    """The XForm of one of Homeward's forms, converted once per process."""
    result = convert(xlsform=str(FORM_FILES[form_id]))
    xml = result.xform.encode("utf-8")
    root = fromstring(xml)
    title = TITLES.get(form_id) or next(
        (el.text or "" for el in root.iter() if _local(el.tag) == "title"), form_id
    )
    instance = next(el for el in root.iter() if _local(el.tag) == "instance")
    data = next(iter(instance))
    return Form(
        id=form_id,
        title=title,
        version=data.get("version", ""),
        xml=xml,
        md5=hashlib.md5(xml, usedforsecurity=False).hexdigest(),
    )


def forms() -> list[Form]:
    return [form(form_id) for form_id in FORM_FILES]


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def form_list(download_url: Any) -> str:
    """The OpenRosa form list; ``download_url(form_id)`` gives each form's absolute address."""
    items = "".join(
        "<xform>"
        f"<formID>{xml_escape(f.id)}</formID>"
        f"<name>{xml_escape(f.title)}</name>"
        f"<version>{xml_escape(f.version)}</version>"
        f"<hash>md5:{f.md5}</hash>"
        f"<downloadUrl>{xml_escape(download_url(f.id))}</downloadUrl>"
        "</xform>"
        for f in forms()
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><xforms xmlns="{XFORMS_LIST_NS}">{items}</xforms>'


def response(message: str, nature: str = "") -> str:
    """An OpenRosa response document: the message ODK Collect shows to the person who sent the form."""
    attribute = f' nature="{xml_escape(nature)}"' if nature else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><OpenRosaResponse xmlns="{RESPONSE_NS}">'
        f"<message{attribute}>{xml_escape(message)}</message></OpenRosaResponse>"
    )


class SubmissionError(InputError):
    """What is wrong with a submitted instance; ``status`` is the HTTP status to answer with."""

    def __init__(self, code: str, message: Any, status: int = 400) -> None:
        super().__init__(code, message)
        self.status = status


@dataclass
class Instance:
    form_id: str
    version: str
    instance_id: str
    answers: dict[str, str]  # leaf element name -> text
    digest: str


_INSTANCE_ID = re.compile(r"^[A-Za-z0-9:_.\-]{1,100}$")


def parse_instance(data: bytes) -> Instance:
    """Read a submitted instance. Raises ``SubmissionError`` for anything Homeward will not take."""
    try:
        data.decode("utf-8")  # ODK, Kobo and Enketo write UTF-8; the instance is kept as text
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError, UnicodeDecodeError):
        raise SubmissionError(
            "xml", _("The submission is not well-formed XML, or declares entities: it was not saved.")
        ) from None
    form_id = root.get("id", "")
    if form_id not in FORM_FILES:
        raise SubmissionError("form", _("This form is not one of Homeward's: it was not saved."), status=404)
    current = form(form_id).version
    version = root.get("version", "")
    if version != current:
        raise SubmissionError(
            "version",
            _(
                "This submission was made with an old version of the form (%(sent)s; the current one is "
                "%(current)s). Download the form again on the phone and fill it in again."
            )
            % {"sent": version or "—", "current": current},
            status=409,
        )
    instance_id = next((el.text or "" for el in root.iter() if _local(el.tag) == "instanceID"), "").strip()
    if not _INSTANCE_ID.match(instance_id):
        raise SubmissionError("instance_id", _("The submission has no instance id (meta/instanceID)."))
    answers: dict[str, str] = {}
    _leaves(root, answers)
    return Instance(
        form_id=form_id,
        version=version,
        instance_id=instance_id,
        answers=answers,
        digest=hashlib.sha256(data).hexdigest(),
    )


def _leaves(element: Element, out: dict[str, str]) -> None:
    for child in element:
        name = _local(child.tag)
        if name in SKIPPED:
            continue
        if len(child):
            _leaves(child, out)  # a group: its questions are answers too
        elif child.text and child.text.strip():
            out[name] = child.text.strip()


def as_sheet(instance: Instance) -> Sheet:
    """The answers of a submission as a one-row HTCDS sheet (answers that are not HTCDS fields are ignored)."""
    columns: list[tuple[int, str, str]] = []
    cells: list[Any] = []
    ignored: list[str] = []
    seen: set[str] = set()
    for name, value in instance.answers.items():
        field = htcds.resolve(name)
        if field is None or field in seen:
            ignored.append(name)
            continue
        seen.add(field)
        columns.append((len(columns), name, field))
        cells.append(value)
    # Questions left unanswered are absent from the instance: the fields every case needs are added empty,
    # so that the check says "give the person's sex" rather than "the file has no such column".
    for field in ("prs_Gender", "prs_FirstName"):
        if field not in seen:
            columns.append((len(columns), field, field))
            cells.append(None)
    sheet = Sheet(columns=columns, ignored=ignored, name=instance.form_id)
    sheet.rows.append((1, cells))
    return sheet
