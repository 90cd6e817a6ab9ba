"""The import and export pages as a caseworker uses them."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from homeward.audit.models import AuditEvent
from homeward.cases.models import Case
from homeward.interop import export
from homeward.interop.models import ImportJob, ImportStatus
from homeward.interop.tests.helpers import csv_bytes

GOOD = csv_bytes(
    ["prs_FirstName", "prs_SecondName", "prs_Gender", "prs_Birthdate"],
    ["Synthetic", "Alpha", "Feminine", "1990"],
    ["Synthetic", "Beta", "Masculine", "1991-05"],
)
MIXED = csv_bytes(
    ["prs_FirstName", "prs_Gender", "vic_TypeOfExploitation"],
    ["Synthetic Good", "Feminine", "ForcedLabour"],
    ["Synthetic Bad", "Feminine", "Slavery"],
)


def post_file(client, data: bytes, name: str = "cases.csv", **extra):
    return client.post(
        reverse("interop:import_list"), {"file": SimpleUploadedFile(name, data, "text/csv")}, **extra
    )


def test_upload_check_preview_and_import(as_user, personas):
    client = as_user(personas.alice)
    response = post_file(client, GOOD)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "interop:import_detail", args=[job.code]
    )
    page = client.get(response["Location"]).content.decode()
    assert "Synthetic Alpha" in page and "Import 2 cases" in page
    assert 'value="all"' in page  # every row is valid: the whole file can go in
    response = client.post(reverse("interop:import_confirm", args=[job.code]), {"mode": "all"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Case.objects.count() == 2
    page = client.get(reverse("interop:import_detail", args=[job.code])).content.decode()
    assert "2 cases created" in page
    listing = client.get(reverse("interop:import_list")).content.decode()
    assert "cases.csv" in listing


def test_the_preview_lists_problems_and_offers_only_the_valid_rows(as_user, personas):
    client = as_user(personas.alice)
    job_url = post_file(client, MIXED)["Location"]
    page = client.get(job_url).content.decode()
    assert "Slavery" in page and "vic_TypeOfExploitation" in page
    assert 'value="valid"' in page and 'value="all"' not in page
    job = ImportJob.objects.get()
    # Asking for every row anyway changes nothing.
    client.post(reverse("interop:import_confirm", args=[job.code]), {"mode": "all"})
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and not Case.objects.exists()
    client.post(reverse("interop:import_confirm", args=[job.code]), {"mode": "valid"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Case.objects.count() == 1


def test_the_preview_is_in_lao(as_user, personas):
    client = as_user(personas.alice)
    client.cookies["django_language"] = "lo"
    with translation.override("lo"):
        job_url = post_file(client, MIXED)["Location"]
    page = client.get(job_url, HTTP_ACCEPT_LANGUAGE="lo").content.decode()
    assert "ນຳເຂົ້າ" in page  # "import"


def test_a_bad_file_is_refused_with_its_reason(as_user, personas):
    client = as_user(personas.alice)
    job_url = post_file(client, b"name,age\nA,3\n")["Location"]
    page = client.get(job_url).content.decode()
    assert "The file was refused" in page and "No column of this file is an HTCDS field" in page
    response = post_file(client, b"prs_FirstName\n", name="cases.txt")
    assert (
        response.status_code == 200
        and "Upload an Excel workbook (.xlsx) or a CSV file (.csv)." in response.content.decode()
    )
    assert ImportJob.objects.count() == 1  # the .txt file was not kept


def test_a_file_over_the_limit_is_refused_before_it_is_read(as_user, personas, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    client = as_user(personas.alice)
    big = b"prs_FirstName,prs_Gender\n" + b"Synthetic,Feminine\n" * 150_000
    response = post_file(client, big)
    assert response.status_code == 200
    assert "larger than 1 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_progress_is_polled_while_a_job_runs(as_user, personas):
    client = as_user(personas.alice)
    job = ImportJob.objects.create(
        organisation=personas.org_a,
        created_by=personas.alice,
        filename="big.xlsx",
        status=ImportStatus.CHECKING,
        rows_total=50_000,
        rows_done=12_500,
    )
    url = reverse("interop:import_detail", args=[job.code])
    partial = client.get(url, {"poll": 1}, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in partial and 'value="25"' in partial and "<html" not in partial
    job.status = ImportStatus.CHECKED
    job.save()
    done = client.get(url, {"poll": 1}, HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_discarding_deletes_the_file(as_user, personas, settings):
    from pathlib import Path

    client = as_user(personas.alice)
    post_file(client, MIXED)
    job = ImportJob.objects.get()
    stored = next(Path(settings.IMPORT_ROOT).rglob(job.storage_name))
    response = client.post(reverse("interop:import_discard", args=[job.code]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DISCARDED and not job.report and not stored.exists()


def test_export_asks_for_a_reason_and_a_strong_password(as_user, personas, open_case):
    open_case()
    client = as_user(personas.alice)
    url = reverse("interop:export")
    response = client.post(url, {"reason": "", "password": "short", "password_again": "short"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give the reason for this export." in page and "at least 12 characters" in page
    response = client.post(
        url,
        {
            "reason": "Synthetic monthly return",
            "password": "synthetic pass 1",
            "password_again": "synthetic pass 2",
        },
    )
    assert "The two passwords are not the same." in response.content.decode()
    assert not AuditEvent.objects.filter(object_type="htcds_export").exists()
    response = client.post(
        url,
        {
            "reason": "Synthetic monthly return",
            "password": "synthetic pass phrase",
            "password_again": "synthetic pass phrase",
        },
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="htcds-export-')
    assert "no-store" in response["Cache-Control"]
    plain = export.decrypt(response.content, "synthetic pass phrase")
    assert plain.startswith(b"PK")
    assert AuditEvent.objects.get(object_type="htcds_export").reason == "Synthetic monthly return"


def test_the_case_list_offers_import_and_export_to_those_who_may(as_user, personas):
    page = as_user(personas.alice).get(reverse("cases:list")).content.decode()
    assert reverse("interop:import_list") in page and reverse("interop:export") in page
    page = as_user(personas.dora).get(reverse("cases:list")).content.decode()
    assert reverse("interop:import_list") not in page and reverse("interop:export") in page
