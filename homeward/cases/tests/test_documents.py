import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from homeward.cases.models import Document
from homeward.cases.services import _document_path

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40


def upload(client, case, name, data, content_type="application/pdf", kind="passport", title="Passport copy"):
    return client.post(
        reverse("cases:document_upload", kwargs={"code": case.code}),
        {"kind": kind, "title": title, "file": SimpleUploadedFile(name, data, content_type=content_type)},
    )


def test_a_pdf_is_stored_encrypted_and_downloaded_as_an_attachment(personas, as_user, open_case):
    case = open_case()
    client = as_user(personas.alice)
    assert upload(client, case, "passport.pdf", PDF).status_code == 302
    document = Document.objects.get()
    stored = _document_path(document.storage_name).read_bytes()
    assert PDF not in stored and b"%PDF" not in stored
    assert "passport" not in document.storage_name
    response = client.get(
        reverse("cases:document_download", kwargs={"code": case.code, "document_code": document.code})
    )
    assert response.content == PDF
    assert response["Content-Disposition"] == f'attachment; filename="document-{document.code}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_the_type_comes_from_the_content_not_the_name(personas, as_user, open_case):
    case = open_case()
    client = as_user(personas.alice)
    assert upload(client, case, "photo.pdf", PNG, content_type="application/pdf").status_code == 302
    assert Document.objects.get().content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "must be a PDF"),
        ("evil.pdf", b"MZ\x90\x00" + b"\x00" * 100, "must be a PDF"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_wrong_files_are_refused_and_nothing_is_stored(
    personas, as_user, open_case, settings, name, data, message
):
    case = open_case()
    response = upload(as_user(personas.alice), case, name, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert Document.objects.count() == 0
    root = settings.DOCUMENT_ROOT
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_oversized_files_are_refused(personas, as_user, open_case, settings):
    settings.MAX_UPLOAD_BYTES = 2048
    case = open_case()
    response = upload(as_user(personas.alice), case, "big.pdf", PDF + b"0" * 4096)
    assert "larger than" in response.content.decode()
    assert Document.objects.count() == 0


def test_another_organisation_cannot_download(personas, as_user, open_case):
    case = open_case()
    upload(as_user(personas.alice), case, "p.pdf", PDF)
    document = Document.objects.get()
    url = reverse("cases:document_download", kwargs={"code": case.code, "document_code": document.code})
    assert as_user(personas.bob).get(url).status_code == 404
    assert as_user(personas.petra).get(url).status_code == 404
    assert io.BytesIO(as_user(personas.dora).get(url).content).read() == PDF
