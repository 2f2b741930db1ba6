"""The reports' benchmark references (billing/benchmark.py): their hand-written GROUP BY
answers the same bytes as the API's reports, and their cases are registered."""

import json

import pytest
from django.test import RequestFactory

from billing import benchmark
from billing.tests.report_data import make_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


@pytest.mark.parametrize(
    ("kind", "groupby"), [("invoices", "date"), ("invoices", "client"), ("payments", "date")]
)
def test_reference_answers_the_same_json(admin_user, member, admin_api, kind, groupby):
    make_book(admin_user, member)
    make_book(admin_user, member)
    year = benchmark.report_year_params(2014)
    params = dict(part.split("=") for part in year.split("&"))
    api = admin_api.get(f"reports/{kind}", {**params, "groupby": groupby, "rows": 1000})
    request = RequestFactory().get("/", {"kind": kind, "groupby": groupby, "year": 2014})
    reference = benchmark.report_reference(request)
    assert api.status_code == 200
    assert json.loads(reference.content) == api.json()
    assert reference.content == api.content
    assert api.json()["total"] == (12 if groupby == "date" else 4)


def test_report_cases_are_registered(admin_user, member):
    from crm.benchmark.load import Target
    from crm.benchmark.registry import CaseContext

    make_book(admin_user, member)
    context = CaseContext(
        bare=Target("bare", "/api/benchmark/bare.json"),
        base={},
        api={},
        page={},
        sign_in=lambda user: {},
    )
    names = [case.what for case in benchmark.cases(context)]
    assert any(name.startswith("reports/invoices.json by month") for name in names)
    assert any(name.startswith("Outstanding by client page") for name in names)
