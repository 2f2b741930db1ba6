"""Billed work stays as it was billed: a billed time entry keeps its hours and its
target and can't be deleted (projects.timesheet asks billing through
projects.hooks.billed_time), and a project, job or item that an invoice holds can't be
deleted. Through the services, the weekly grid and the API."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.tests.factories import TaxCodeFactory
from config.errors import render
from conftest import without_field_detail
from projects import services, timesheet
from projects.models import Job, JobItem, Project, TimeEntry
from projects.tests.factories import JobFactory, ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

DAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def vat():
    TaxCodeFactory(code="001", rate=D("0.2"))


@pytest.fixture
def person():
    return UserFactory()


@pytest.fixture
def job():
    project = ProjectFactory(title="Website")
    return JobFactory(project=project, title="Design", added_by=project.added_by)


@pytest.fixture
def hourly(job):
    return JobItem.objects.create(job=job, title="Concepts", rate=100, added_by=job.added_by)


def log(person, item, hours="2"):
    return timesheet.log_time(user=person, date=DAY, hours=hours, target=f"T{item.pk}")


def bill(work):
    return invoicing.invoice_work(for_code=f"{work.CODE}{work.pk}", added_by=UserFactory())


def sentences(exc: ValidationError) -> list[str]:
    return [render(error, field) for field, errors in exc.error_dict.items() for error in errors]


# --- time entries -----------------------------------------------------------------


def test_a_billed_entry_keeps_its_hours_and_target_but_not_its_notes(person, job, hourly):
    entry = log(person, hourly)
    invoice = bill(job)
    with pytest.raises(ValidationError) as refused:
        timesheet.update_time_entry(entry, hours="3")
    assert sentences(refused.value) == [
        f"hours can't be changed: this time is billed on draft invoice #{invoice.pk}."
    ]
    other = JobItem.objects.create(job=job, title="Build", added_by=job.added_by)
    with pytest.raises(ValidationError) as refused:
        timesheet.update_time_entry(entry, target=f"T{other.pk}")
    assert list(refused.value.error_dict) == ["job"]
    # Sent back as it is, or with new notes: nothing billed changes.
    timesheet.update_time_entry(entry, hours="2", target=f"T{hourly.pk}", notes="Sketches")
    entry.refresh_from_db()
    assert (entry.hours, entry.notes) == (D("2.00"), "Sketches")


def test_a_billed_entry_cant_be_deleted_until_its_draft_is(person, job, hourly):
    entry = log(person, hourly)
    invoice = invoicing.issue_invoice(bill(job))
    with pytest.raises(ValidationError) as refused:
        timesheet.delete_time_entry(entry)
    assert sentences(refused.value) == [
        f"This time entry is billed on invoice {invoice.reference}, so it can't be deleted."
    ]
    other = log(person, hourly, "1")
    draft = bill(job)
    invoicing.delete_invoice(draft)
    timesheet.delete_time_entry(other)
    assert list(TimeEntry.objects.values_list("pk", flat=True)) == [entry.pk]


def test_a_grid_cell_is_made_up_around_its_billed_time(person, job, hourly):
    log(person, hourly, "2")
    invoice = bill(job)
    code = f"T{hourly.pk}"
    for typed in ("1", "", "0"):
        with pytest.raises(ValidationError) as refused:
            timesheet.set_day_total(actor=person, user=person, target=code, day=DAY, hours=typed)
        assert sentences(refused.value) == [
            f"hours can't be less than the 2.00 hours already billed on "
            f"draft invoice #{invoice.pk}."
        ]
    total = timesheet.set_day_total(actor=person, user=person, target=code, day=DAY, hours="3.5")
    assert total == D("3.50")
    assert sorted(TimeEntry.objects.values_list("hours", flat=True)) == [D("1.50"), D("2.00")]
    # The unbilled rest changes and goes as the cell does; the billed 2 hours stay.
    timesheet.set_day_total(actor=person, user=person, target=code, day=DAY, hours="4")
    timesheet.set_day_total(actor=person, user=person, target=code, day=DAY, hours="2")
    assert list(TimeEntry.objects.values_list("hours", flat=True)) == [D("2.00")]


def test_the_grid_page_says_why_a_billed_cell_cant_go_down(person, job, hourly, client):
    log(person, hourly, "2")
    invoice = bill(job)
    client.force_login(person)
    response = client.post(
        "/timesheet/cell/",
        {"target": f"T{hourly.pk}", "day": DAY.isoformat(), "hours": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert (
        f"Hours can&#x27;t be less than the 2.00 hours already billed on draft invoice "
        f"#{invoice.pk}." in response.content.decode()
    )


def test_the_api_refuses_to_change_or_delete_billed_time(admin_api, person, job, hourly):
    entry = log(person, hourly)
    invoice = invoicing.issue_invoice(bill(job))
    response = admin_api.patch(f"timesheet/{entry.pk}", {"hours": "5"})
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": [f"hours can't be changed: this time is billed on invoice {invoice.reference}."],
    }
    response = admin_api.delete(f"timesheet/{entry.pk}")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        f"This time entry is billed on invoice {invoice.reference}, so it can't be deleted."
    ]
    # The row as read, sent back: accepted.
    row = admin_api.get(f"timesheet/{entry.pk}").json()["rows"][0]
    assert admin_api.patch(f"timesheet/{entry.pk}", {"hours": row["hours"]}).status_code == 200
    assert TimeEntry.objects.get().hours == D("2.00")


# --- projects, jobs and items -----------------------------------------------------


def test_a_project_with_an_invoice_cant_be_deleted(admin_api):
    project = ProjectFactory(title="Retainer")
    invoicing.create_invoice(for_code=f"P{project.pk}", added_by=UserFactory())
    response = admin_api.delete(f"projects/{project.pk}")
    assert response.status_code == 400
    assert response.json()["errors"] == ["Retainer can't be deleted while it has 1 invoice."]
    with pytest.raises(ValidationError):
        services.delete_project(project)
    assert Project.objects.filter(pk=project.pk).exists()


def test_a_job_with_invoices_cant_be_deleted(admin_api, job):
    for _ in range(2):
        invoicing.create_invoice(for_code=f"J{job.pk}", added_by=UserFactory())
    response = admin_api.delete(f"jobs/{job.pk}")
    assert response.status_code == 400
    assert response.json()["errors"] == ["Design can't be deleted while it has 2 invoices."]
    assert Job.objects.filter(pk=job.pk).exists()


def test_a_billed_fixed_item_cant_be_deleted_until_its_draft_is(admin_api, job):
    run = JobItem.objects.create(
        job=job, title="Print run", type="fixed", hours=1, rate=900, added_by=job.added_by
    )
    draft = bill(job)
    response = admin_api.delete(f"jobitems/{run.pk}")
    assert response.status_code == 400
    assert response.json()["errors"] == ["Print run can't be deleted while it has 1 invoice line."]
    invoicing.delete_invoice(draft)
    assert admin_api.delete(f"jobitems/{run.pk}").status_code == 200
