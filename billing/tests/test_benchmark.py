"""Billing's part of `manage.py benchmark`: the hand-written SQL answers
invoices.json's bytes (drafts, issued, part-paid, paid, credited, for work and for
none), it is routed only in the benchmark's URLconf, and its cases measure the API
and the invoices list with its Overdue tab."""

import json
import os
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.test_worker import database_url_for_subprocess
from billing import benchmark
from billing.models import TaxCode
from billing.queries import invoices_overdue_on
from billing.tests.documents import (
    SPEC_ITEMS,
    credit_note,
    draft_invoice,
    issued_invoice,
    lines,
    payment,
    standard_vat,
)
from config.tests.test_deploy import _record_collected_static_files
from crm.benchmark.load import Target
from crm.benchmark.registry import CaseContext, benchmark_groups, reference_urlpatterns
from crm.tests.factories import CompanyFactory, ContactFactory
from projects.tests.factories import JobFactory, ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

# A day long past: every issued invoice dated then is overdue unless settled.
LONG_AGO = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


def zero_rated() -> TaxCode:
    return TaxCode.objects.get_or_create(code="000", defaults={"name": "Zero", "rate": 0})[0]


@pytest.fixture
def invoices():
    """One of each kind a list holds, with ties on a date, text beyond ASCII and
    amounts in cents; newest first, as the list reads them."""
    standard_vat()
    zero_rated()
    ada = UserFactory(name="Ada Lovelace", email="ada@docket.test")
    zed = UserFactory(name="Zed Ångström", email="zed@docket.test")
    harbour = CompanyFactory(name="Harbour Labs", accountsdata={"xero": "A1", "sage": "H-7"})
    zoe = ContactFactory(fullname="Zoë Ng", accountsdata={"quickbooks": "Q9"})
    project = ProjectFactory(title="Brand — Café", client_company=harbour)
    job = JobFactory(project=ProjectFactory(client_company=None, client_contact=zoe), title="Site")
    day = LONG_AGO
    made = {
        # A draft for a project, its client the project's; a discount in cents.
        "draft": draft_invoice(
            added_by=ada,
            for_code=f"P{project.pk}",
            date=day,
            discount="12.5",
            total="218.75",
            purchaseorder="PO-7",
        ),
        # Issued for a person's job, to be sent with a message.
        "issued": issued_invoice(
            added_by=zed,
            client=zoe,
            for_code=f"J{job.pk}",
            date=day,
            terms=14,
            sendemail=True,
            emailto=[zoe.pk],
            emailbcc=["ada@docket.test"],
            emailmessage="Bonjour — voici la facture.",
        ),
        "part_paid": issued_invoice(added_by=ada, client=harbour, date=day - timedelta(days=1)),
        # Paid in two amounts SQLite sums as floats (100.05 + 200.05 = 300.09999…).
        "paid": issued_invoice(
            added_by=ada,
            client=harbour,
            items=lines("300.10", taxcode="000"),
            date=day - timedelta(days=2),
        ),
        "credited": issued_invoice(added_by=ada, date=day - timedelta(days=3)),
        # Credited in part by an issued note; a draft note alongside counts for nothing.
        "credited_in_part": issued_invoice(
            added_by=ada, client=zoe, items=SPEC_ITEMS, date=day - timedelta(days=4)
        ),
    }
    payment(made["part_paid"], "100.01")
    payment(made["paid"], "100.05")
    payment(made["paid"], "200.05")
    credit_note(made["credited"], 250)
    credit_note(made["credited_in_part"], "33.33")
    credit_note(made["credited_in_part"], 10, issue=False)
    payment(made["credited_in_part"], "0.01")
    return made


def both(depot, query: dict):
    ours = depot.get("invoices", query)
    reference = Client().get(benchmark.INVOICE_ROWS_PATH, query)
    assert ours.status_code == reference.status_code == 200
    return ours, reference


@pytest.mark.urls("crm.benchmark.urls")
def test_the_sql_reference_answers_every_kind_of_invoice_as_invoices_json(depot, invoices):
    ours, reference = both(depot, {"rows": 1000})
    body = reference.json()
    assert body["total"] == 6
    rows = {row["id"]: row for row in body["rows"]}
    assert [row["id"] for row in body["rows"]] == [
        invoices[name].pk
        for name in ("issued", "draft", "part_paid", "paid", "credited", "credited_in_part")
    ]
    draft = rows[invoices["draft"].pk]
    assert (draft["issued"], draft["reference"], draft["discount"]) == (False, None, 12.5)
    assert draft["for"]["type"] == "P" and draft["client"]["accountsdata"] == {
        "xero": "A1",
        "sage": "H-7",
    }
    issued = rows[invoices["issued"].pk]
    assert issued["for"] == {"type": "J", "id": str(invoices["issued"].job_id), "name": "Site"}
    assert issued["email"]["message"] == "Bonjour — voici la facture."
    assert issued["addedby"] == {"email": "zed@docket.test", "name": "Zed Ångström"}
    owed = {
        name: (rows[invoices[name].pk]["amountpaid"], rows[invoices[name].pk]["balance"])
        for name in ("part_paid", "paid", "credited", "credited_in_part")
    }
    assert owed == {
        "part_paid": (100.01, 199.99),
        "paid": (300.1, 0),
        "credited": (0, 0),
        "credited_in_part": (0.01, 259.99),
    }
    assert [rows[invoices[name].pk]["paid"] for name in ("part_paid", "paid", "credited")] == [
        False,
        True,
        True,
    ]
    assert reference.content == ours.content


@pytest.mark.urls("crm.benchmark.urls")
@pytest.mark.parametrize("rows", [1, 2, 10])
def test_a_full_page_of_the_reference_counts_every_invoice_as_the_api_does(depot, invoices, rows):
    ours, reference = both(depot, {"rows": rows})
    assert len(reference.json()["rows"]) == min(rows, 6)
    assert reference.json()["total"] == 6
    assert reference.content == ours.content


@pytest.mark.urls("crm.benchmark.urls")
def test_the_reference_with_no_invoices_answers_an_empty_list(depot):
    ours, reference = both(depot, {"rows": 1000})
    assert reference.json() == {"error": False, "rows": [], "total": 0}
    assert reference.content == ours.content


def test_the_site_does_not_route_the_reference(staff_client):
    with pytest.raises(Resolver404):
        resolve(benchmark.INVOICE_ROWS_PATH)
    assert staff_client.get(benchmark.INVOICE_ROWS_PATH).status_code == 404


def test_billing_registers_its_group_and_reference():
    assert "billing" in [group.name for group in benchmark_groups()]
    assert benchmark.urlpatterns[0] in reference_urlpatterns()


def test_the_group_says_what_it_measures_on_or_nothing_without_invoices(invoices):
    assert benchmark.rows() == "6 invoices, 4 payments, 3 credit notes"
    for invoice in invoices.values():
        invoice.payments.all().delete()
        invoice.credit_notes.all().delete()
        invoice.delete()
    assert benchmark.rows() is None


def test_the_cases_measure_the_api_against_its_sql_and_the_list_with_its_overdue_tab(invoices):
    context = CaseContext(
        bare=Target("bare", "/bare"),
        base={"X-Forwarded-Proto": "https"},
        api={"X-DEPOT-TOKEN": "t"},
        page={"Cookie": "s"},
        sign_in=lambda user: {"Cookie": user.email},
    )
    cases = benchmark.cases(context)
    reports = cases[4:]
    assert [case.what.split(",")[0] for case in reports][:3] == [
        "reports/invoices.json by month",
        "reports/invoices.json by client",
        "reports/payments.json by month",
    ]
    assert [case.same_json for case in reports[:3]] == [True, True, True]
    cases = cases[:4]
    assert [(case.route.path, case.reference.path) for case in cases] == [
        ("/api/v1/invoices.json?rows=1000", f"{benchmark.INVOICE_ROWS_PATH}?rows=1000"),
        ("/api/v1/invoices.json", "/bare"),
        ("/invoices/", "/bare"),
        ("/invoices/?tab=overdue", "/bare"),
    ]
    # The API's rows and the reference's must be the same JSON to compare them.
    assert [case.same_json for case in cases] == [True, False, False, False]
    assert cases[0].route.headers == {"X-DEPOT-TOKEN": "t"}
    assert cases[0].reference.headers == {"X-Forwarded-Proto": "https"}
    assert [case.route.headers for case in cases[2:]] == [{"Cookie": "s"}] * 2
    assert [case.goal.max_median_ms for case in cases[2:]] == [50, 50]
    # Issued long ago and owing: the issued one and the two partly settled.
    assert "Overdue tab (3 invoices)" in cases[3].what
    assert "of 6" in cases[0].what


@pytest.mark.django_db(transaction=True)
def test_a_tiny_run_of_the_billing_cases_through_gunicorn(tmp_path, monkeypatch):
    # seed_scale's invoices, inserted in bulk: the run itself refuses a reference
    # whose JSON differs from the API's.
    call_command(
        "seed_scale",
        "--companies=3",
        "--contacts=10",
        "--activities=0",
        "--projects=2",
        "--jobs=2",
        "--items=2",
        "--time-entries=0",
        "--invoices=60",
        stdout=StringIO(),
    )
    overdue = invoices_overdue_on(timezone.now()).count()
    _record_collected_static_files(tmp_path / "static")
    monkeypatch.setitem(os.environ, "DATABASE_URL", database_url_for_subprocess())
    out = StringIO()
    call_command(
        "benchmark",
        "--group=billing",
        "--workers=1",
        "--concurrency=1",
        "--seconds=0.02",
        "--rounds=1",
        f"--static-root={tmp_path / 'static'}",
        stdout=out,
        stderr=StringIO(),
    )
    report = out.getvalue()
    rows = [line for line in report.splitlines() if line.startswith("| ") and "`" in line]
    # Only billing's four: the reference answered the API's JSON, and the pages
    # answered 200 to the session (a sign-in page would have stopped it).
    # The invoices' four, the dashboard, the reports' seven (no time entries: no time
    # reports).
    assert len(rows) == 4 + 1 + 7
    assert "failed requests" not in report
    assert f"* Rows (billing): {benchmark.rows()}" in report
    assert "* Rows (billing): 60 invoices, " in report
    assert f"Overdue tab ({overdue:,} invoices)" in report


def test_asking_for_the_billing_cases_without_invoices_says_to_seed_first():
    with pytest.raises(CommandError, match="billing: run `python manage.py seed_scale`"):
        call_command("benchmark", "--group=billing", stdout=StringIO(), stderr=StringIO())


# --- the time reports -------------------------------------------------------------------


def test_time_report_references_answer_the_api_bytes(depot):
    """reports/timesheets and reports/profitability for the studio's year against the
    hand-written SQL: the same JSON."""
    from django.test import RequestFactory

    from billing.tests.report_data import epoch
    from billing.tests.time_fixture import make_studio

    make_studio()
    period = {"from": epoch(date(2014, 2, 1)), "to": epoch(date(2014, 4, 30))}
    for path, reference, rows in (
        ("reports/timesheets", benchmark.timesheets_reference, 12),
        ("reports/profitability", benchmark.profitability_reference, 100),
    ):
        api = depot.get(path, {**period, "rows": rows})
        assert api.status_code == 200, api.content
        answer = reference(RequestFactory().get("/", {**period, "rows": rows}))
        assert json.loads(answer.content) == api.json()
        assert answer.content == api.content


def test_time_report_cases_measure_a_year():
    from billing.tests.time_fixture import make_studio

    make_studio()
    # The newest entry is of 1 April 2014: the twelve months before April.
    assert benchmark.report_year() == (date(2013, 4, 1), date(2014, 3, 31))
    context = CaseContext(
        bare=Target("bare", "/bare"), base={}, api={"X": "1"}, page={}, sign_in=lambda user: {}
    )
    cases = benchmark.time_report_cases(context)
    assert [case.same_json for case in cases] == [True, True]
    assert cases[0].route.path.startswith("/api/v1/reports/timesheets.json?from=")
