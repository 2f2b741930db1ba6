"""Invoicing a project's or a job's unbilled work (billing.invoicing.invoice_work):
what goes on the draft, what is marked billed, and that nothing is billed twice."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.models import Invoice, InvoicedItem, InvoicedTime, TaxCode
from billing.tests.factories import LedgerCategoryFactory, TaxCodeFactory
from billing.totals import public_sections
from projects import timesheet
from projects.models import JobAction, JobItem, TimeEntry
from projects.tests.factories import JobFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def taxes():
    TaxCodeFactory(code="001", rate=D("0.2"), position=1)
    TaxCodeFactory(code="002", rate=D("0.05"), position=2)
    LedgerCategoryFactory(code="4010", name="Design")


@pytest.fixture
def owner():
    return UserFactory()


def item(job, title, kind="hourly", hours=10, rate=50, **fields):
    return JobItem.objects.create(
        job=job, title=title, type=kind, hours=hours, rate=rate, added_by=job.added_by, **fields
    )


def log(target, hours, day=date(2026, 11, 2), **fields):
    code = f"{target.CODE}{target.pk}"
    return timesheet.log_time(user=UserFactory(), date=day, hours=hours, target=code, **fields)


@pytest.fixture
def work(owner):
    """A project of two jobs: design (two hourly items, one with an action, and a
    stock-image cost) and print (a fixed-price print run)."""
    project = ProjectFactory(title="Website", added_by=owner)
    design = JobFactory(project=project, title="Design", added_by=owner)
    printing = JobFactory(project=project, title="Print", added_by=owner)
    concepts = item(design, "Concepts", hours=12, rate=110, taxcode="002", ledger="4010")
    build = item(design, "Build", hours=30, rate=85)
    images = item(design, "Stock imagery", kind="external", hours=240, rate=15, taxcode="001")
    run = item(printing, "Print run", kind="fixed", hours=2, rate=1200, taxcode="001")
    sketch = JobAction.objects.create(item=concepts, title="Sketch", added_by=owner)
    log(concepts, "2", day=date(2026, 11, 2))
    log(sketch, "1.5", day=date(2026, 11, 4))
    log(build, "3.25")
    return {
        "project": project,
        "design": design,
        "printing": printing,
        "concepts": concepts,
        "build": build,
        "images": images,
        "run": run,
    }


def lines(invoice):
    return [
        (section["title"], line["type"], line["title"], line["quantity"], line["unitprice"])
        for section in invoice.items
        for line in section["items"]
    ]


def test_a_project_is_billed_job_by_job_and_item_by_item(work, owner):
    invoice = invoicing.invoice_work(for_code=f"P{work['project'].pk}", added_by=owner)
    assert lines(invoice) == [
        # The concepts' own hours and their action's: 2 + 1.5.
        ("Design", "hourly", "Concepts", "3.5", "110"),
        ("Design", "hourly", "Build", "3.25", "85"),
        ("Design", "external", "Stock imagery", "1", "240"),
        ("Print", "fixed", "Print run", "2", "1200"),
    ]
    concepts, build, images, run = (line for s in invoice.items for line in s["items"])
    assert concepts["description"] == "3.5 hours logged, 2 Nov 2026 to 4 Nov 2026"
    assert (concepts["taxcode"], concepts["category"]) == ("002", "4010")
    # No tax code on the item: the account's first. No ledger: none.
    assert (build["taxcode"], build["category"]) == ("001", "-")
    assert (images["markup"], images["taxcode"]) == ("15", "001")
    # 385 + 276.25 + 276 + 2400 = 3337.25; tax 385 × 5 % + 2952.25 × 20 % = 19.25 + 590.45
    assert (invoice.total, invoice.tax, invoice.grandtotal) == (
        D("3337.25"),
        D("609.70"),
        D("3946.95"),
    )
    assert not invoice.issued
    assert (invoice.project, invoice.job, invoice.client_company) == (
        work["project"],
        None,
        work["project"].client_company,
    )
    assert invoice.added_by == owner
    assert InvoicedTime.objects.filter(invoice=invoice).count() == 3
    assert set(InvoicedItem.objects.values_list("item", flat=True)) == {
        work["images"].pk,
        work["run"].pk,
    }


def test_the_same_work_is_not_billed_twice(work, owner):
    code = f"P{work['project'].pk}"
    invoicing.invoice_work(for_code=code, added_by=owner)
    with pytest.raises(ValidationError) as refused:
        invoicing.invoice_work(for_code=code, added_by=owner)
    error = refused.value.error_dict["for"][0]
    assert error.code == "nothing_to_bill"
    assert (error.message % error.params).startswith(f"Website ({code}) has nothing left to bill")
    # Time logged since is billed next, and only that.
    log(work["build"], "1")
    later = invoicing.invoice_work(for_code=code, added_by=owner)
    assert lines(later) == [("Design", "hourly", "Build", "1", "85")]
    assert Invoice.objects.count() == 2


def test_deleting_the_draft_frees_its_time_and_items(work, owner):
    code = f"P{work['project'].pk}"
    first = invoicing.invoice_work(for_code=code, added_by=owner)
    invoicing.delete_invoice(first)
    assert not InvoicedTime.objects.exists() and not InvoicedItem.objects.exists()
    again = invoicing.invoice_work(for_code=code, added_by=owner)
    assert lines(again) == lines(first)


def test_a_fixed_item_stays_billed_whatever_is_done_to_the_drafts_lines(work, owner):
    """Billed once: the draft's record of the item (InvoicedItem), not its lines, says
    so. The stored lines carry no private key, so Depot's shape of them has nothing to
    leave out, and an edit sending them back as read frees nothing."""
    code = f"P{work['project'].pk}"
    invoice = invoicing.invoice_work(for_code=code, added_by=owner)
    public = public_sections(invoice.items)
    public_keys = set(public[0]["items"][0])
    # What a stored line keeps beyond Depot's shape is its frozen tax rate alone.
    assert all(set(line) == public_keys | {"taxrate"} for s in invoice.items for line in s["items"])
    invoicing.update_invoice(invoice, items=[{"title": "Work", "items": public[0]["items"][:1]}])
    assert InvoicedItem.objects.filter(invoice=invoice).count() == 2
    with pytest.raises(ValidationError):
        invoicing.invoice_work(for_code=code, added_by=owner)


def test_a_job_bills_its_own_work_and_the_project_the_rest(work, owner):
    job = invoicing.invoice_work(for_code=f"J{work['printing'].pk}", added_by=owner)
    assert lines(job) == [("Print", "fixed", "Print run", "2", "1200")]
    assert (job.project, job.job) == (work["project"], work["printing"])
    rest = invoicing.invoice_work(for_code=f"p{work['project'].pk}", added_by=owner)
    assert [line[2] for line in lines(rest)] == ["Concepts", "Build", "Stock imagery"]


def test_internal_time_time_without_an_item_and_cancelled_items_are_not_billed(owner):
    job = JobFactory(title="Support", added_by=owner)
    hourly = item(job, "Fixes")
    item(job, "Cancelled print", kind="fixed", hours=1, rate=500, status="C")
    item(job, "Nothing to bill", kind="fixed", hours=0, rate=500)
    log(hourly, "2", is_internal=True)
    log(job, "4")
    with pytest.raises(ValidationError) as refused:
        invoicing.invoice_work(for_code=f"J{job.pk}", added_by=owner)
    assert refused.value.error_dict["for"][0].code == "nothing_to_bill"
    log(hourly, "1")
    invoice = invoicing.invoice_work(for_code=f"J{job.pk}", added_by=owner)
    assert lines(invoice) == [("Support", "hourly", "Fixes", "1", "50")]
    assert TimeEntry.objects.filter(invoiced__isnull=True).count() == 2


def test_the_project_discount_or_the_jobs_own_goes_on_the_invoice(owner):
    project = ProjectFactory(discount=10, added_by=owner)
    plain = JobFactory(project=project, added_by=owner)
    special = JobFactory(project=project, discount=25, added_by=owner)
    log(item(plain, "A"), "1")
    log(item(special, "B"), "1")
    assert invoicing.invoice_work(for_code=f"J{special.pk}", added_by=owner).discount == 25
    assert invoicing.invoice_work(for_code=f"P{project.pk}", added_by=owner).discount == 10


def test_without_any_tax_code_the_work_cant_be_billed(work, owner):
    TaxCode.objects.all().delete()
    with pytest.raises(ValidationError) as refused:
        invoicing.invoice_work(for_code=f"P{work['project'].pk}", added_by=owner)
    assert refused.value.error_dict["for"][0].code == "no_tax_code"
    assert not Invoice.objects.exists() and not InvoicedTime.objects.exists()


@pytest.mark.parametrize(
    ("code", "problem"), [("C1", "not_work"), ("P999999", "not_found"), ("", "invalid")]
)
def test_only_existing_work_is_billed(owner, code, problem):
    with pytest.raises(ValidationError) as refused:
        invoicing.invoice_work(for_code=code, added_by=owner)
    assert refused.value.error_dict["for"][0].code == problem


def test_an_author_is_required(work):
    with pytest.raises(ValidationError) as refused:
        invoicing.invoice_work(for_code=f"P{work['project'].pk}", added_by=None)
    assert "addedby" in refused.value.error_dict
