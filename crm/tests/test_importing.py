import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from accounts.tests.test_worker import database_url_for_subprocess, queue_file  # noqa: F401
from config.tests.test_database_errors import short_lock_wait
from crm import importing, services
from crm.models import Company, Contact, ImportJob

pytestmark = pytest.mark.django_db


def test_cp1252_and_bom_decode():
    assert importing.decode("\ufeffname\nZoë".encode("utf-8")) == "name\nZoë"
    assert importing.decode("name\nZoë".encode("cp1252")) == "name\nZoë"
    with pytest.raises(ValidationError):
        importing.decode(b"\x00\x01binary")


def test_header_synonyms_and_ignored_columns():
    preview = importing.preview_import(
        "people", "Full Name,Phone,Post code,Favourite colour\nAda Lovelace,0123,NW1,blue\n"
    )
    assert preview.columns == ["name", "telephone", "postcode"]
    assert preview.ignored_columns == ["Favourite colour"]
    assert preview.ok and not Contact.objects.exists()


def test_missing_name_column_is_refused():
    with pytest.raises(ValidationError, match="one called “name”"):
        importing.preview_import("people", "email\na@b.test\n")


def test_run_import_is_all_or_nothing():
    with pytest.raises(ValidationError, match="Line 3"):
        importing.run_import(
            "companies", "name,website\nGood Co,https://good.test\n,https://nameless.test\n"
        )
    assert not Company.objects.exists()
    assert importing.run_import("companies", "name,supplier\nGood Co,yes\nOther Co,\n") == 2
    assert list(Company.objects.order_by("name").values_list("name", "is_supplier")) == [
        ("Good Co", True),
        ("Other Co", False),
    ]


def test_a_supplier_column_says_yes_or_no():
    preview = importing.preview_import(
        "companies", "name,supplier\nA Co,Yes\nB Co,no\nC Co,maybe\nD Co,\n"
    )
    assert [row.errors for row in preview.rows] == [
        [],
        [],
        ["supplier must be yes or no, not 'maybe'."],
        [],
    ]


def test_export_reimports_cleanly():
    services.create_contact(
        name="Ada Lovelace",
        email="ada@engine.test",
        companyname="Analytical",
        tags="maths, pioneer",
        city="London",
    )
    text = "".join(importing.export_rows("people", Contact.objects.all()))
    Contact.objects.all().delete()
    assert importing.run_import("people", text) == 1
    ada = Contact.objects.get()
    assert (ada.email, ada.company.name, ada.city) == ("ada@engine.test", "Analytical", "London")
    assert sorted(t.name for t in ada.tags.all()) == ["maths", "pioneer"]
    assert Company.objects.count() == 1


def people_file(count: int, companies: int = 10) -> str:
    lines = ["name,email,telephone,company,position,tags,city,postcode,notes"]
    lines += [
        f"Person {n} Surname,person{n}@example.test,020 7946 {n % 10000:04d},"
        f'Company {n % companies},Engineer,"vip, launch",London,NW1 {n % 9}AA,Met at the fair'
        for n in range(count)
    ]
    return "\n".join(lines) + "\n"


def test_a_preview_checks_every_row_without_writing_or_a_transaction():
    services.create_company(name="Company 1")
    with CaptureQueriesContext(connection) as captured:
        preview = importing.preview_import("people", people_file(2000))
    assert preview.ok and len(preview.rows) == 2000
    assert preview.new_companies == [f"Company {n}" for n in (0, *range(2, 10))]
    # One read for the companies named, and no BEGIN, SAVEPOINT, INSERT, UPDATE or
    # DELETE that would hold SQLite's write lock (or any row lock) during the check.
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 1 and statements[0].startswith("SELECT"), statements
    assert not Contact.objects.exists() and Company.objects.count() == 1


def test_a_cell_over_128_kb_is_refused_naming_its_line_and_column():
    longest = "x" * importing.MAX_CELL_CHARS
    # A cell at the limit is read; what the field itself may hold is the service's rule.
    at_the_limit = importing.preview_import("companies", f"name,notes\nFits Ltd,{longest}\n")
    assert at_the_limit.rows[0].errors == ["notes must be at most 20000 characters."]
    with pytest.raises(ValidationError) as caught:
        importing.preview_import("companies", f"name,Notes\nOk Ltd,short\nBig Ltd,{longest}y\n")
    assert caught.value.messages == [
        "Line 3, column “Notes”: a cell can hold at most 131,072 characters, "
        "and this one has 131,073."
    ]
    with pytest.raises(ValidationError, match="Line 2, column 3: a cell"):
        importing.preview_import("companies", f"name,notes\nBig Ltd,short,{longest}y\n")


def test_rows_are_written_in_batches_each_committed_with_its_progress(monkeypatch):
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    _, _, rows = importing.parse("companies", "name\nA\nB\nC\nD\nE\n")
    seen = []
    importing.write_rows(
        "companies", rows, progress=lambda done: seen.append((done, Company.objects.count()))
    )
    assert seen == [(2, 2), (4, 4), (5, 5)]


def test_a_job_imports_the_file_and_says_what_it_did(
    admin_user, django_capture_on_commit_callbacks
):
    text = "name,company\nAda Lovelace,Analytical\nCharles Babbage,Analytical\nGrace,Navy\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.queue_import("people", text, admin_user)
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.done_rows, job.new_companies) == ("done", 3, 3, 2)
    assert job.csv_text == "" and job.message == "" and job.finished is not None
    # Handed to the worker twice, it still imports once.
    importing.run_import_job(job.pk)
    assert Contact.objects.count() == 3 and Company.objects.count() == 2


def test_a_job_with_a_wrong_row_imports_nothing_and_says_which(
    admin_user, django_capture_on_commit_callbacks
):
    text = "name,email\nAda,ada@engine.test\nBob,not-an-email\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.queue_import("people", text, admin_user)
    job.refresh_from_db()
    assert job.status == "failed" and job.done_rows == 0 and job.csv_text == ""
    assert job.message == (
        "Nothing was imported: Line 3: email not-an-email is not a valid email address."
    )
    assert not Contact.objects.exists()


def test_a_batch_failing_after_the_check_keeps_the_batches_before_it(
    admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    # Something the check could not know: another request took the name meanwhile.
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    create = services.create_company

    def taken_meanwhile(**fields):
        if fields["name"] == "D":
            raise ValidationError({"name": "name D was taken meanwhile."})
        return create(**fields)

    monkeypatch.setattr(services, "create_company", taken_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.queue_import("companies", "name\nA\nB\nC\nD\nE\n", admin_user)
    job.refresh_from_db()
    assert job.status == "failed" and job.done_rows == 2
    assert job.message == (
        "Imported the first 2 companies; then line 5 could not be saved (name D was taken "
        "meanwhile), so nothing from line 4 on was imported. Put that right and import "
        "those lines again."
    )
    assert list(Company.objects.order_by("name").values_list("name", flat=True)) == ["A", "B"]


@pytest.mark.django_db(transaction=True)
def test_other_writers_go_ahead_while_20000_rows_are_previewed(depot, settings, monkeypatch):
    settings.DOCKET_API_RATE_LIMIT = 0
    started, written = threading.Event(), threading.Event()
    write_contact = services._write_contact

    def first_row_waits_for_the_other_writer(*args, **kwargs):
        if not started.is_set():
            started.set()
            written.wait(30)
        return write_contact(*args, **kwargs)

    monkeypatch.setattr(services, "_write_contact", first_row_waits_for_the_other_writer)
    previewed = {}

    def preview():
        try:
            begun = time.monotonic()
            previewed["preview"] = importing.preview_import("people", people_file(20_000))
            previewed["seconds"] = time.monotonic() - begun
        finally:
            connection.close()

    thread = threading.Thread(target=preview)
    thread.start()
    try:
        assert started.wait(60)
        # Were the preview holding the write lock, this would give up after 0.2 s.
        with short_lock_wait():
            response = depot.post("companies", {"name": "Written meanwhile"})
    finally:
        written.set()
        thread.join()
    assert response.status_code == 201, response.content
    assert previewed["preview"].ok and len(previewed["preview"].rows) == 20_000
    assert Company.objects.get().name == "Written meanwhile" and not Contact.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_other_writers_wait_at_most_a_batch_while_a_job_imports(
    depot, admin_user, settings, monkeypatch
):
    settings.DOCKET_API_RATE_LIMIT = 0
    monkeypatch.setattr(importing, "BATCH_SECONDS", 0.3)
    job = ImportJob.objects.create(
        kind="people", csv_text=people_file(300), total_rows=300, created_by=admin_user
    )

    def run_job():
        try:
            importing.run_import_job(job.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=run_job)
    worker.start()
    waits, statuses = [], []
    while worker.is_alive():
        begun = time.monotonic()
        statuses.append(depot.post("companies", {"name": f"Meanwhile {len(statuses)}"}).status_code)
        waits.append(time.monotonic() - begun)
    worker.join()
    job.refresh_from_db()
    assert job.status == "done" and Contact.objects.count() == 300
    assert len(statuses) >= 3 and set(statuses) == {201}
    assert max(waits) < 3, waits


@pytest.mark.django_db(transaction=True)
def test_run_huey_imports_the_file_the_page_queued(queue_file, tmp_path, admin_user):  # noqa: F811
    job = importing.queue_import("people", people_file(40), admin_user)
    assert HUEY.pending_count() == 1
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "HUEY_URL": f"sqlite:///{queue_file}",
        "DOCKET_VAR_DIR": str(tmp_path / "worker-var"),
        "HUEY_WORKERS": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--no-periodic"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if not job.is_running:
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=10)[0].decode(errors="replace")
    assert (job.status, job.done_rows, job.new_companies) == ("done", 40, 10), output
    assert Contact.objects.count() == 40
