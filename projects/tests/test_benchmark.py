"""Projects' part of `manage.py benchmark`: the hand-written SQL answers
timesheet.json's bytes, it is routed only in the benchmark's URLconf, and the cases
pick the data they measure (the busiest project, last full month, a full week)."""

import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.test_worker import database_url_for_subprocess
from config.tests.test_deploy import _record_collected_static_files
from crm.benchmark.load import Target
from crm.benchmark.registry import CaseContext, benchmark_groups, reference_urlpatterns
from crm.tests.factories import CompanyFactory, ContactFactory
from projects import benchmark
from projects.models import TimeEntry
from projects.tests.factories import (
    ActivityTypeFactory,
    JobFactory,
    JobItemFactory,
    ProjectFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def log(user, *, project, job=None, item=None, day, hours="1.5", **fields) -> TimeEntry:
    return TimeEntry.objects.create(
        user=user,
        project=project,
        job=job,
        item=item,
        date=day,
        hours=Decimal(hours),
        hours_entered=Decimal(hours),
        **fields,
    )


@pytest.fixture
def entries():
    """Time on a company's project (on an item, a job and the project itself) and on
    a person's, over two months, with ties on a day and text beyond ASCII."""
    company_project = ProjectFactory(
        title="Brand — Café", client_company=CompanyFactory(name="Harbour Labs")
    )
    person_project = ProjectFactory(
        title="Website", client_company=None, client_contact=ContactFactory(fullname="Zoë Ng")
    )
    job = JobFactory(project=company_project, title="Design")
    item = JobItemFactory(job=job, title="Wireframes")
    design = ActivityTypeFactory(name="Design work")
    ada = UserFactory(name="Ada Lovelace", email="ada@docket.test")
    zed = UserFactory(name="Zed Ångström", email="zed@docket.test")
    return {
        "company_project": company_project,
        "person_project": person_project,
        "rows": [
            log(
                ada,
                project=company_project,
                job=job,
                item=item,
                day=date(2026, 10, 5),
                hours="1.25",
                activity_type=design,
                notes="Went through the client's comments — all of them.",
                is_internal=True,
                added=datetime(2026, 10, 5, 17, 30, 12, 999999, tzinfo=UTC),
            ),
            log(zed, project=company_project, job=job, day=date(2026, 10, 5), hours="2"),
            log(ada, project=company_project, day=date(2026, 9, 30), hours="0.5"),
            log(zed, project=person_project, day=date(2026, 10, 31), hours="8"),
            log(ada, project=person_project, day=date(2026, 11, 1), hours="3.75"),
        ],
    }


def both(depot, query: dict):
    ours = depot.get("timesheet", query)
    reference = Client().get(benchmark.TIME_ROWS_PATH, query)
    assert ours.status_code == reference.status_code == 200
    return ours, reference


@pytest.mark.urls("crm.benchmark.urls")
@pytest.mark.parametrize("rows", [2, 1000])
def test_the_sql_reference_answers_a_projects_rows_as_timesheet_json(depot, entries, rows):
    # Two rows fill the page, so both count the matches; 1,000 don't.
    project = entries["company_project"]
    ours, reference = both(depot, {"rows": rows, "project": project.pk})
    assert reference.json()["total"] == 3
    assert len(reference.json()["rows"]) == min(rows, 3)
    assert reference.content == ours.content


@pytest.mark.urls("crm.benchmark.urls")
def test_the_sql_reference_answers_a_months_rows_as_timesheet_json(depot, entries):
    query = {"rows": 1000, "from": epoch(date(2026, 10, 1)), "to": epoch(date(2026, 10, 31))}
    ours, reference = both(depot, query)
    rows = reference.json()["rows"]
    assert [row["date"] for row in rows] == [epoch(date(2026, 10, 5))] * 2 + [
        epoch(date(2026, 10, 31))
    ]
    # The person's project: its client is the contact.
    assert rows[-1]["client"]["type"] == "I"
    assert reference.content == ours.content


@pytest.mark.urls("crm.benchmark.urls")
def test_the_sql_reference_answers_every_row_as_timesheet_json(depot, entries):
    ours, reference = both(depot, {"rows": 1000})
    assert reference.json()["total"] == 5
    assert reference.content == ours.content


def test_the_site_does_not_route_the_reference(staff_client):
    with pytest.raises(Resolver404):
        resolve(benchmark.TIME_ROWS_PATH)
    assert staff_client.get(benchmark.TIME_ROWS_PATH).status_code == 404


def test_projects_registers_its_group_and_reference():
    assert "projects" in [group.name for group in benchmark_groups()]
    assert benchmark.urlpatterns[0] in reference_urlpatterns()


def test_the_cases_measure_the_busiest_project_last_month_and_a_full_week(entries):
    person_project = entries["person_project"]
    busy = UserFactory(name="Busy Person")
    today = timezone.localdate()
    last_monday = today - timedelta(days=today.weekday() + 7)
    for offset in range(5):
        log(busy, project=person_project, day=last_monday + timedelta(days=offset))
    assert benchmark.last_full_month(date(2026, 11, 30)) == (date(2026, 10, 1), date(2026, 10, 31))
    assert benchmark.last_full_month(date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert benchmark.busiest_week(today) == (last_monday, busy)
    assert benchmark.busiest_project_id() == person_project.pk

    context = CaseContext(
        bare=Target("bare", "/bare"),
        base={},
        api={"X-DEPOT-TOKEN": "t"},
        page={"Cookie": "s"},
        sign_in=lambda user: {"Cookie": user.email},
    )
    cases = benchmark.cases(context)
    paths = [case.route.path for case in cases]
    assert f"/api/v1/timesheet.json?rows=1000&project={person_project.pk}" in paths
    assert f"/projects/{person_project.pk}/" in paths
    grid = next(case for case in cases if case.route.path.startswith("/timesheet/"))
    assert grid.route.headers == {"Cookie": busy.email}
    # The API's rows and the reference's must be the same JSON to compare them.
    assert [case.same_json for case in cases] == [True, True, False, False]


@pytest.mark.django_db(transaction=True)
def test_a_tiny_run_of_the_projects_cases_through_gunicorn(tmp_path, monkeypatch):
    call_command(
        "seed_scale",
        "--companies=3",
        "--contacts=10",
        "--activities=0",
        "--projects=3",
        "--jobs=6",
        "--items=12",
        "--time-entries=300",
        "--invoices=0",
        stdout=StringIO(),
    )
    _record_collected_static_files(tmp_path / "static")
    monkeypatch.setitem(os.environ, "DATABASE_URL", database_url_for_subprocess())
    out = StringIO()
    call_command(
        "benchmark",
        "--group=projects",
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
    # Only the projects group's four: the reference answered the API's JSON, and the
    # pages answered 200 to their sessions (a sign-in page would have stopped it).
    assert len(rows) == 4
    assert "failed requests" not in report
    assert "* Rows (projects): 3 projects, 6 jobs, 12 items, 300 time entries" in report
    assert "this database has" not in report


@pytest.mark.django_db
def test_asking_for_the_projects_cases_without_time_says_to_seed_first():
    with pytest.raises(CommandError, match="projects: run `python manage.py seed_scale`"):
        call_command("benchmark", "--group=projects", stdout=StringIO(), stderr=StringIO())
