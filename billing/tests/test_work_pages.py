"""The invoices panel on project, job, company and person pages (billing/apps.py), and
"Invoice unbilled work" (billing/work_views.py)."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.models import Invoice, InvoicedTime
from billing.tests.factories import TaxCodeFactory
from crm.tests.factories import CompanyFactory, ContactFactory
from projects.models import JobItem, TimeEntry
from projects.tests.factories import JobFactory, ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

LINE = [{"title": "Work", "quantity": 1, "unitprice": 100, "taxcode": "001"}]


@pytest.fixture(autouse=True)
def vat():
    TaxCodeFactory(code="001", rate=D("0.2"))


@pytest.fixture
def acme():
    return CompanyFactory(name="Acme")


@pytest.fixture
def job(acme):
    project = ProjectFactory(title="Website", client_company=acme)
    return JobFactory(project=project, title="Design", added_by=project.added_by)


def add_item(job, title="Concepts", kind="hourly", hours=10, rate=80):
    return JobItem.objects.create(
        job=job, title=title, type=kind, hours=hours, rate=rate, added_by=job.added_by
    )


def log(item, hours="2.5"):
    return TimeEntryFactory(item=item, hours=D(hours))


def invoice_for(client, *, days_ago=0, issue=True, paid=None, credited=None, **fields):
    owner = UserFactory()
    invoice = invoicing.create_invoice(
        items=LINE,
        client=client.code,
        added_by=owner,
        date=timezone.now() - timedelta(days=days_ago),
        terms=30,
        **fields,
    )
    if issue:
        invoice = invoicing.issue_invoice(invoice)
    if paid:
        invoicing.record_payment(invoice=invoice, amount=paid, date="2026-11-01", method="BACS")
    if credited:
        invoicing.create_credit_note(
            invoice=invoice, items=[{**LINE[0], "unitprice": credited}], added_by=owner, ready=True
        )
    return invoice


def panel(html: str) -> str:
    found = re.search(r'<section class="card work-invoices".*?</section>', html, re.S)
    assert found, "no invoices panel"
    return found.group(0)


def rows(html: str) -> list[str]:
    """Each invoice in the panel as its words: name, status, total, date, balance."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<li>(.*?)</li>", panel(html), re.S)
    ]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", panel(html)))


# --- the panel ----------------------------------------------------------------------


def test_a_company_page_shows_its_invoices_what_they_owe_and_its_unbilled_work(
    staff_client, acme, job
):
    draft = invoice_for(acme, issue=False)
    issued = invoice_for(acme, days_ago=1)
    overdue = invoice_for(acme, days_ago=45)
    part = invoice_for(acme, days_ago=2, paid="50")
    paid = invoice_for(acme, days_ago=3, paid="120")
    credited = invoice_for(acme, days_ago=4, credited="100")
    invoice_for(CompanyFactory(), days_ago=1)  # someone else's
    log(add_item(job), "2.5")  # 2.5 h × 80
    add_item(job, "Print run", kind="fixed", hours=2, rate=300)  # 600
    html = staff_client.get(f"/connections/companies/{acme.pk}/").content.decode()

    def day(ago: int) -> str:
        # The page shows the local day: at 23:30 UTC in December, 45 days back was
        # already the next day in London's summer time.
        return timezone.localtime(timezone.now() - timedelta(days=ago)).strftime("%-d %b %Y")

    assert rows(html) == [
        f"Draft #{draft.pk} Draft Total £120.00 {day(0)} Not issued",
        f"Invoice {issued.reference} Issued Total £120.00 {day(1)} Balance £120.00",
        f"Invoice {part.reference} Part-paid Total £120.00 {day(2)} Balance £70.00",
        f"Invoice {paid.reference} Paid Total £120.00 {day(3)} Balance £0.00",
        f"Invoice {credited.reference} Credited Total £120.00 {day(4)} Balance £0.00",
        f"Invoice {overdue.reference} Overdue Total £120.00 {day(45)} Balance £120.00",
    ]
    words = text(html)
    # 120 + 70 + 120 owed; 120 of it overdue.
    assert "Outstanding £310.00 £120.00 overdue" in words
    assert (
        "Unbilled £800.00 2.5 h of time and 1 fixed or external item, before discount and tax"
        in words
    )
    # A client's page shows its work but invoices it from the project's or job's page.
    assert "Invoice unbilled work" not in words


def test_a_person_page_shows_theirs(staff_client):
    person = ContactFactory(fullname="Pat Client", company=None)
    invoice = invoice_for(person, days_ago=1)
    html = staff_client.get(f"/connections/people/{person.pk}/").content.decode()
    assert [row.split(" Issued")[0] for row in rows(html)] == [f"Invoice {invoice.reference}"]
    assert "Nothing: all the work is billed" in text(html)


def test_the_project_and_job_pages_invoice_their_unbilled_work(staff_client, job):
    other = JobFactory(project=job.project, title="Print")
    log(add_item(job), "2")
    log(add_item(other), "1")
    words = text(staff_client.get(f"/projects/{job.project_id}/").content.decode())
    assert "Unbilled £240.00 3 h of time" in words
    assert "No invoices yet." in words
    html = staff_client.get(f"/projects/jobs/{job.pk}/").content.decode()
    assert "Unbilled £160.00 2 h of time" in text(html)
    assert f'action="/invoices/from-job/{job.pk}/"' in panel(html)
    assert "Invoice unbilled work" in text(html)


def test_nothing_unbilled_no_button(staff_client, job):
    html = staff_client.get(f"/projects/{job.project_id}/").content.decode()
    assert "Invoice unbilled work" not in panel(html)
    assert "Nothing: all the work is billed" in text(html)


def test_only_people_with_the_invoices_area_see_it(client, restricted_to, acme, job):
    invoice_for(acme)
    client.force_login(restricted_to("projects", "contacts"))
    for url in (
        f"/projects/{job.project_id}/",
        f"/projects/jobs/{job.pk}/",
        f"/connections/companies/{acme.pk}/",
    ):
        html = client.get(url).content.decode()
        assert "work-invoices" not in html and "Invoice unbilled work" not in html


@pytest.mark.parametrize("count", [1, 30])
def test_the_panel_keeps_its_queries_flat(
    staff_client, acme, job, django_assert_max_num_queries, count
):
    """Four queries for the panel whatever the numbers: the latest invoices with what
    they owe, their count and sums, the unbilled time by item, the unbilled items."""
    for index in range(count):
        invoice_for(acme, days_ago=index, paid="10" if index % 2 else None, for_code=f"J{job.pk}")
        item = add_item(job, f"Item {index}")
        log(item, "1")
        add_item(job, f"Fixed {index}", kind="fixed", hours=1, rate=10)
    invoicing.invoice_work(for_code=f"J{job.pk}", added_by=UserFactory())
    log(item, "1")
    for url, budget in (
        (f"/connections/companies/{acme.pk}/", 20),
        (f"/projects/{job.project_id}/", 18),
        (f"/projects/jobs/{job.pk}/", 16),
    ):
        with django_assert_max_num_queries(budget):
            html = staff_client.get(url).content.decode()
        assert len(rows(html)) == min(count + 1, 10)
        assert "Unbilled £80.00 1 h of time" in text(html)
    if count > 10:
        assert f"The latest 10 of {count + 1} invoices." in text(html)


# --- Invoice unbilled work ------------------------------------------------------------


def test_invoicing_the_project_opens_the_new_draft(staff_client, job):
    entry = log(add_item(job), "2")
    response = staff_client.post(f"/invoices/from-project/{job.project_id}/")
    invoice = Invoice.objects.get()
    # Until invoices have their own pages, a draft opens as its record in the admin.
    assert response.status_code == 302
    assert response["Location"] == reverse("invoices:edit", args=[invoice.pk])
    assert (invoice.project_id, invoice.job_id, invoice.grandtotal) == (
        job.project_id,
        None,
        D("192.00"),
    )
    assert InvoicedTime.objects.get().time_entry == entry
    page = staff_client.get(f"/projects/{job.project_id}/")
    messages = [str(message) for message in page.context["messages"]]
    assert messages == [
        "A draft invoice for Acme was made from the unbilled work of Website: "
        "check it, then issue it."
    ]


def test_invoicing_a_job_with_nothing_to_bill_says_so_on_its_page(staff_client, job):
    response = staff_client.post(f"/invoices/from-job/{job.pk}/", follow=True)
    assert response.redirect_chain == [(f"/projects/jobs/{job.pk}/", 302)]
    assert f"Design (J{job.pk}) has nothing left to bill" in response.content.decode()
    assert not Invoice.objects.exists()


def test_invoicing_needs_the_invoices_area_a_post_and_real_work(
    client, restricted_to, staff_client, job
):
    log(add_item(job), "2")
    client.force_login(restricted_to("projects"))
    assert client.post(f"/invoices/from-project/{job.project_id}/").status_code == 403
    assert staff_client.get(f"/invoices/from-project/{job.project_id}/").status_code == 405
    assert staff_client.post("/invoices/from-job/999999/").status_code == 404
    assert not Invoice.objects.exists()
    assert TimeEntry.objects.filter(invoiced__isnull=True).count() == 1


def test_signing_in_comes_first(client, job):
    response = client.post(f"/invoices/from-project/{job.project_id}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
