"""GET reports/invoices, reports/payments and reports/periodicals: the figures of a small
book worked out by hand (billing/tests/report_data.py), month boundaries in the
account's time zone, credit notes, partial payments, every parameter, the 400s, 404s,
permissions, the XML and the query counts."""

from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from billing import reports
from billing.tests.report_checks import refused, report_json, totals
from billing.tests.report_data import epoch, make_book
from conftest import credential_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

YEAR_2014 = {"from": epoch(date(2014, 1, 1)), "to": epoch(date(2014, 5, 31))}


def get(api, path, **params):
    return report_json(api, path, YEAR_2014, **params)


def test_invoices_by_month_in_the_account_time_zone(admin_api, book):
    body = get(admin_api, "invoices")
    # 23:30 UTC on 31 March is April in London (BST); 23:30 UTC on 30 April is May.
    assert totals(body) == {
        "2014-01": 120,
        "2014-02": 240,
        "2014-03": -12,
        "2014-04": 90,
        "2014-05": 12,
    }
    assert body["total"] == 5
    acme = f"C{book.acme.pk}"
    assert body["rows"]["2014-01"]["clients"] == {
        acme: {"type": "C", "id": str(book.acme.pk), "name": "Acme Ltd", "total": 120}
    }
    # The credit note counts in its own month, against its invoice's client.
    assert body["rows"]["2014-03"]["clients"][acme]["total"] == -12
    assert body["rows"]["2014-02"]["clients"] == {
        f"I{book.pat.pk}": {"type": "I", "id": str(book.pat.pk), "name": "Pat Client", "total": 240}
    }


def test_empty_months_are_listed_with_an_empty_list(admin_api, book):
    body = get(admin_api, "invoices", **{"from": epoch(date(2013, 11, 1))})
    assert body["rows"]["2013-11"] == {"total": 0, "clients": []}
    assert body["rows"]["2013-12"] == {"total": 0, "clients": []}
    assert body["total"] == 7


def test_invoices_by_client_and_by_category(admin_api, book):
    by_client = get(admin_api, "invoices", groupby="client")
    assert totals(by_client) == {f"C{book.acme.pk}": 210, f"I{book.pat.pk}": 240}
    by_category = get(admin_api, "invoices", groupby="category")
    assert totals(by_category) == {"-": 240, "FEES": 30, "SALES": 180}
    # Every grouping adds up to the same money, to the cent.
    assert sum(totals(by_client).values()) == sum(totals(by_category).values()) == 450


def test_invoice_filters(admin_api, member, book):
    assert totals(get(admin_api, "invoices", groupby="client", paid="true")) == {
        f"C{book.acme.pk}": 90
    }
    assert totals(get(admin_api, "invoices", groupby="client", paid="false")) == {
        f"C{book.acme.pk}": 120,  # A 120 − its credit 12 + R 12
        f"I{book.pat.pk}": 240,
    }
    assert totals(get(admin_api, "invoices", groupby="client", client=f"I{book.pat.pk}")) == {
        f"I{book.pat.pk}": 240
    }
    assert totals(get(admin_api, "invoices", groupby="client", assigned=member.email)) == {
        f"I{book.pat.pk}": 240
    }
    assert totals(get(admin_api, "invoices", groupby="client", assigned="all")) == {
        f"C{book.acme.pk}": 210,
        f"I{book.pat.pk}": 240,
    }
    assert totals(get(admin_api, "invoices", groupby="client", project=book.project.pk)) == {
        f"I{book.pat.pk}": 240
    }
    assert totals(get(admin_api, "invoices", groupby="client", job=999)) == {}
    march = {"from": epoch(date(2014, 3, 1)), "to": epoch(date(2014, 3, 31))}
    assert totals(get(admin_api, "invoices", **march)) == {"2014-03": -12}


def test_rows_and_start_page_the_groups(admin_api, book):
    body = get(admin_api, "invoices", rows=2, start=1)
    assert list(body["rows"]) == ["2014-02", "2014-03"]
    assert body["total"] == 5


def test_payments_by_month_and_client(admin_api, member, book):
    assert totals(get(admin_api, "payments")) == {
        "2014-01": 0,
        "2014-02": 60,
        "2014-03": 0,
        "2014-04": 90,
        "2014-05": 0,
    }
    assert totals(get(admin_api, "payments", groupby="client")) == {f"C{book.acme.pk}": 150}
    assert totals(get(admin_api, "payments", groupby="client", assigned=member.email)) == {}
    refused(admin_api.get("reports/payments", {"groupby": "category"}), "groupby")


def test_periodicals_report(admin_api, book):
    body = get(admin_api, "periodicals")
    assert body["grouping"] == "month"
    assert totals(body)["2014-05"] == 12
    assert sum(totals(body).values()) == 12
    assert body["stats"] == {"active": 1, "monthly": 12, "invoiced": 12}
    by_client = get(admin_api, "periodicals", groupby="client")
    assert by_client["grouping"] == "client"
    assert totals(by_client) == {f"C{book.acme.pk}": 12}


def test_figures_agree_with_the_documents(admin_api, book):
    """What reports/invoices says was invoiced is the issued grand totals less the
    credit notes, and reports/payments the payments, to the cent."""
    invoiced = sum(totals(get(admin_api, "invoices", groupby="client")).values())
    issued = sum(
        Decimal(str(row["grandtotal"]))
        for row in admin_api.get("invoices", {"rows": 100, "issued": "true"}).json()["rows"]
    )
    credited = sum(
        Decimal(str(row["grandtotal"]))
        for row in admin_api.get("creditnotes", {"rows": 100}).json()["rows"]
    )
    assert Decimal(str(invoiced)) == issued - credited
    received = sum(totals(get(admin_api, "payments", groupby="client")).values())
    paid = sum(
        Decimal(str(row["amount"]))
        for row in admin_api.get("payments", {"rows": 100}).json()["rows"]
    )
    assert Decimal(str(received)) == paid


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"groupby": "week"}, "groupby"),
        ({"from": "yesterday"}, "from"),
        ({"to": "1.5"}, "to"),
        ({"from": "1400000000", "to": "1300000000"}, "from"),
        # A period reaching year 9999 was a 500; a report's days end with 2099.
        ({"from": "0", "to": "253402300799"}, "to"),
        ({"from": "-86400"}, "from"),
        ({"client": "C999999"}, "client"),
        ({"client": "P1"}, "client"),
        ({"assigned": "nobody@studio.test"}, "assigned"),
        ({"paid": "maybe"}, "paid"),
        ({"project": "abc"}, "project"),
        ({"rows": "0"}, "rows"),
        ({"start": "-1"}, "start"),
    ],
)
def test_bad_parameters_are_400s_naming_them(admin_api, params, field):
    sentence = refused(admin_api.get("reports/invoices", params), field)
    assert field in sentence


def test_every_problem_at_once(admin_api):
    response = admin_api.get("reports/invoices", {"groupby": "x", "from": "y"})
    assert set(response.json()["fields"]) == {"groupby", "from"}


def test_unknown_report_is_404(admin_api):
    assert admin_api.get("reports/unknown").status_code == 404


def test_a_restricted_user_who_must_not_see_invoice_figures(restricted_to, bearer_for, book):
    reporter = bearer_for(restricted_to("reports", email="rory@studio.test"))
    for path in ("invoices", "payments", "periodicals"):
        response = reporter.get(f"reports/{path}")
        assert response.status_code == 401
        assert b"120" not in response.content
    both = bearer_for(restricted_to("reports", "invoices", email="ivy@studio.test"))
    assert both.get("reports/invoices").status_code == 200
    invoices_only = bearer_for(restricted_to("invoices", email="ian@studio.test"))
    assert invoices_only.get("reports/invoices").status_code == 401


def test_credential_scopes(book):
    assert credential_client(["reports:read"]).get("reports/invoices").status_code == 401
    reader = credential_client(["reports:read", "invoices:read"])
    assert reader.get("reports/invoices", YEAR_2014).status_code == 200


def test_xml_is_well_formed_with_month_and_number_keys(admin_api, book):
    response = admin_api.get("reports/invoices", YEAR_2014, fmt="xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    months = root.find("rows")
    assert [(m.tag, m.get("key")) for m in months][:2] == [
        ("_2014-01", "2014-01"),
        ("_2014-02", "2014-02"),
    ]
    january = months.find("_2014-01")
    assert january.find("total").text == "120"
    acme = january.find(f"clients/C{book.acme.pk}")
    assert acme.find("name").text == "Acme Ltd" and acme.find("type").text == "C"
    assert root.find("total").text == "5"
    periodicals = ElementTree.fromstring(
        admin_api.get("reports/periodicals", YEAR_2014, fmt="xml").content
    )
    assert periodicals.find("grouping").text == "month"
    assert periodicals.find("stats/monthly").text == "12"


def test_xml_writes_number_keys_validly():
    from config.api.rendering import render_xml

    root = ElementTree.fromstring(render_xml({"rows": {"1": {"total": 5}}}))
    assert root.find("rows/_1").get("key") == "1"


@pytest.mark.parametrize("path", ["invoices", "payments", "periodicals"])
@pytest.mark.parametrize("groupby", ["date", "client"])
def test_query_counts_do_not_grow(
    admin_api, admin_user, member, django_assert_max_num_queries, path, groupby
):
    make_book(admin_user, member)
    with django_assert_max_num_queries(8):
        admin_api.get(f"reports/{path}", {**YEAR_2014, "groupby": groupby})
    for _ in range(3):
        make_book(admin_user, member)
    with django_assert_max_num_queries(8):
        body = admin_api.get(f"reports/{path}", {**YEAR_2014, "groupby": groupby}).json()
    assert body["error"] is False


def test_category_query_count(admin_api, admin_user, member, django_assert_max_num_queries):
    for _ in range(3):
        make_book(admin_user, member)
    with django_assert_max_num_queries(6):
        body = admin_api.get("reports/invoices", {**YEAR_2014, "groupby": "category"}).json()
    assert body["rows"]["SALES"]["total"] == 540


def test_service_month_span_without_a_period(book):
    groups = reports.invoices_report(reports.ReportFilters(), today=date(2014, 6, 15))
    assert [g.key for g in groups] == [
        "2014-01",
        "2014-02",
        "2014-03",
        "2014-04",
        "2014-05",
        "2014-06",
    ]


def test_month_totals_without_clients_are_the_same(book):
    filters = reports.ReportFilters(start=date(2014, 1, 1), end=date(2014, 5, 31))
    for report in (reports.invoices_report, reports.payments_report):
        with_clients = report(filters, "date")
        alone = report(filters, "date", clients=False)
        assert [(g.key, g.total) for g in alone] == [(g.key, g.total) for g in with_clients]
        assert all(g.clients == [] for g in alone)


def test_the_widest_period_a_report_takes_is_its_months_since_1970(admin_api):
    response = admin_api.get("reports/invoices", {"from": "0", "to": "4102358400", "rows": "1000"})
    assert response.status_code == 200
    months = list(response.json()["rows"])
    assert months[0] == "1970-01" and len(months) == 1000
    assert response.json()["total"] == 130 * 12  # 1970-01 to 2099-12
