"""GET reports/timesheets and reports/profitability: the hand-worked studio of
billing/tests/time_fixture.py through the API, every parameter, the 400s, the areas
and scopes, the XML and the query counts."""

from datetime import UTC, date, datetime
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from billing.tests.report_checks import refused, report_json, totals
from billing.tests.report_data import epoch
from conftest import credential_client
from projects.tests.factories import JobItemFactory, ProjectFactory, TimeEntryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

PERIOD = {"from": epoch(date(2014, 2, 1)), "to": epoch(date(2014, 4, 30))}


def get(api, path, **params):
    return report_json(api, path, PERIOD, **params)


# --- timesheets ------------------------------------------------------------------------


def test_timesheets_by_month(admin_api, studio):
    body = get(admin_api, "timesheets")
    assert body["error"] is False
    assert totals(body) == {"2014-02": 2, "2014-03": 7.25, "2014-04": 4}
    assert body["total"] == 3
    p1, p2 = f"P{studio.p1.pk}", f"P{studio.p2.pk}"
    assert body["rows"]["2014-03"]["projects"] == {
        p1: {
            "id": str(studio.p1.pk),
            "name": "Website",
            "type": "P",
            "client": {"type": "C", "id": str(studio.acme.pk), "name": "Acme Ltd"},
            "total": 5,
        },
        p2: {
            "id": str(studio.p2.pk),
            "name": "Logo",
            "type": "P",
            "client": {"type": "I", "id": str(studio.pat.pk), "name": "Pat Potter"},
            "total": 2.25,
        },
    }


def test_an_empty_month_has_an_empty_list(admin_api, studio):
    body = get(admin_api, "timesheets", to=epoch(date(2014, 6, 30)))
    assert body["rows"]["2014-05"] == {"total": 0, "projects": []}
    assert body["total"] == 5


def test_from_and_to_are_days_in_london(admin_api, studio):
    # 23:30 UTC on 31 March 2014 is 00:30 on 1 April in London (BST): March is left out,
    # and the entry of 31 March with it.
    april = int(datetime(2014, 3, 31, 23, 30, tzinfo=UTC).timestamp())
    body = get(admin_api, "timesheets", **{"from": april})
    assert list(body["rows"])[0] == "2014-04"
    assert body["rows"]["2014-04"]["total"] == 4


def test_timesheets_by_client(admin_api, studio):
    body = get(admin_api, "timesheets", groupby="client")
    assert totals(body) == {f"C{studio.acme.pk}": 11, f"I{studio.pat.pk}": 2.25}
    assert list(body["rows"][f"I{studio.pat.pk}"]["projects"]) == [f"P{studio.p2.pk}"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda s: {"client": f"I{s.pat.pk}"}, {"2014-03": 2.25}),
        (lambda s: {"project": s.p1.pk}, {"2014-02": 2, "2014-03": 5, "2014-04": 4}),
        (lambda s: {"job": s.j2.pk}, {"2014-03": 0.5, "2014-04": 4}),
        (lambda s: {"item": s.t1.pk}, {"2014-02": 2, "2014-03": 3}),
        (lambda s: {"action": 999}, {}),
        (lambda s: {"assigned": "BEN@studio.test"}, {"2014-03": 4.25}),
        (lambda s: {"assigned": "all"}, {"2014-02": 2, "2014-03": 7.25, "2014-04": 4}),
    ],
)
def test_timesheets_filters(admin_api, studio, params, expected):
    body = get(admin_api, "timesheets", **params(studio))
    assert {key: total for key, total in totals(body).items() if total} == expected


def test_rows_and_start_page_the_months(admin_api, studio):
    body = get(admin_api, "timesheets", rows=1, start=2)
    assert list(body["rows"]) == ["2014-04"] and body["total"] == 3
    assert get(admin_api, "timesheets", start=10)["rows"] == {}
    default = admin_api.get("reports/timesheets", {"to": epoch(date(2014, 12, 31))}).json()
    assert len(default["rows"]) == 10 and default["total"] == 12  # January to December


def test_timesheets_xml(admin_api, studio):
    response = admin_api.get("reports/timesheets", PERIOD, fmt="xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    march = root.find("rows/_2014-03")
    assert march.get("key") == "2014-03" and march.find("total").text == "7.25"
    project = march.find(f"projects/P{studio.p2.pk}")
    assert project.find("client/name").text == "Pat Potter"
    assert project.find("type").text == "P"
    assert root.find("total").text == "3"
    empty = ElementTree.fromstring(
        admin_api.get("reports/timesheets", {"to": epoch(date(2014, 5, 31))}, fmt="xml").content
    )
    assert empty.find("rows/_2014-05/projects").text is None


# --- profitability ------------------------------------------------------------------------


def test_profitability_worst_first(admin_api, studio):
    body = get(admin_api, "profitability")
    assert body["grouping"] == "project"
    assert body["stats"] == {"projects": 2, "logged": 13.25, "allocated": 19}
    assert body["total"] == 2
    assert [row["id"] for row in body["rows"]] == [str(studio.p2.pk), str(studio.p1.pk)]
    assert body["rows"][1] == {
        "id": str(studio.p1.pk),
        "name": "Website",
        "client": {"type": "C", "id": str(studio.acme.pk), "name": "Acme Ltd"},
        "allocated": 15,
        "logged": 11,
        "jobs": [
            {"id": str(studio.j1.pk), "name": "Design", "allocated": 10, "logged": 6.5},
            {"id": str(studio.j2.pk), "name": "Build", "allocated": 5, "logged": 4.5},
        ],
    }


def test_profitability_filters_and_pages(admin_api, studio):
    assert [
        r["id"] for r in get(admin_api, "profitability", client=f"C{studio.acme.pk}")["rows"]
    ] == [str(studio.p1.pk)]
    job = get(admin_api, "profitability", job=studio.j1.pk)
    assert [(r["logged"], len(r["jobs"])) for r in job["rows"]] == [(6.5, 1)]
    ben = get(admin_api, "profitability", assigned="ben@studio.test")
    assert ben["stats"] == {"projects": 2, "logged": 4.25, "allocated": 19}
    assert get(admin_api, "profitability", project=studio.p3.pk)["rows"] == []
    everything = admin_api.get("reports/profitability", {"rows": 100}).json()
    assert everything["total"] == 3  # no period: the idle project too
    page = get(admin_api, "profitability", rows=1, start=1)
    assert [r["id"] for r in page["rows"]] == [str(studio.p1.pk)]
    assert page["stats"]["projects"] == 2
    past = get(admin_api, "profitability", start=5)
    assert past["rows"] == [] and past["stats"]["logged"] == 13.25


def test_profitability_xml(admin_api, studio):
    root = ElementTree.fromstring(admin_api.get("reports/profitability", PERIOD, fmt="xml").content)
    assert root.find("grouping").text == "project"
    first = root.find("rows/item")
    assert first.find("id").text == str(studio.p2.pk)
    assert first.find("jobs/item/name").text == "Sketches"
    assert root.find("stats/allocated").text == "19"


# --- parameters, permissions, query counts ----------------------------------------------------


@pytest.mark.parametrize("path", ["timesheets", "profitability"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"from": "1400000000", "to": "1300000000"}, "from"),
        ({"client": "C999999"}, "client"),
        ({"assigned": "nobody@studio.test"}, "assigned"),
        ({"project": "abc"}, "project"),
        ({"job": "0"}, "job"),
        ({"rows": "0"}, "rows"),
        ({"start": "-1"}, "start"),
    ],
)
def test_bad_parameters_are_400s_naming_them(admin_api, path, params, field):
    assert field in refused(admin_api.get(f"reports/{path}", params), field)


def test_groupings(admin_api):
    refused(admin_api.get("reports/timesheets", {"groupby": "week"}), "groupby")
    refused(admin_api.get("reports/timesheets", {"item": "x"}), "item")
    refused(admin_api.get("reports/profitability", {"groupby": "date"}), "groupby")


def test_areas(restricted_to, bearer_for, studio):
    reports_only = bearer_for(restricted_to("reports", email="rory@studio.test"))
    timesheets_only = bearer_for(restricted_to("timesheets", email="tim@studio.test"))
    both = bearer_for(restricted_to("reports", "timesheets", email="bo@studio.test"))
    for path in ("timesheets", "profitability"):
        for refused_api in (reports_only, timesheets_only):
            response = refused_api.get(f"reports/{path}", PERIOD)
            assert response.status_code == 401
            assert b"Website" not in response.content
        assert both.get(f"reports/{path}", PERIOD).status_code == 200


def test_collaborators_and_scopes(collaborator_api, studio):
    assert collaborator_api.get("reports/timesheets").status_code == 401
    assert credential_client(["reports:read"]).get("reports/timesheets").status_code == 401
    reader = credential_client(["reports:read", "timesheets:read"])
    assert reader.get("reports/profitability", PERIOD).status_code == 200


def _more_projects(count: int):
    for n in range(count):
        item = JobItemFactory(job__project=ProjectFactory(), hours=5)
        TimeEntryFactory(item=item, date=date(2014, 3, 1 + n % 28), hours=Decimal("1.25"))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("timesheets", {}),
        ("timesheets", {"groupby": "client"}),
        ("profitability", {}),
    ],
)
def test_query_counts_stay_flat(admin_api, django_assert_max_num_queries, path, params):
    _more_projects(1)
    with django_assert_max_num_queries(9):
        one = admin_api.get(f"reports/{path}", {**PERIOD, "rows": 50, **params}).json()
    _more_projects(49)
    with django_assert_max_num_queries(9):
        many = admin_api.get(f"reports/{path}", {**PERIOD, "rows": 50, **params}).json()
    assert one["error"] is False and many["error"] is False
    if path == "profitability":
        assert (one["total"], many["total"], len(many["rows"])) == (1, 50, 50)
