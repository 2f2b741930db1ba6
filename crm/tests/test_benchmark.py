"""`manage.py benchmark`: its reference views (only in the benchmark's URLconf),
the pairing of rounds and the verdicts, and one tiny run through a real gunicorn."""

import json
import os
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.tests.test_worker import database_url_for_subprocess
from config.tests.test_deploy import _record_collected_static_files
from crm.benchmark import urls as benchmark_urls
from crm.benchmark.load import (
    Case,
    Goal,
    Result,
    Round,
    Target,
    markdown_table,
    paired_rounds,
    run_round,
    still_short,
)
from crm.tests.factories import CompanyFactory, ContactFactory


@pytest.mark.parametrize(
    "path",
    [
        benchmark_urls.BARE_PATH,
        benchmark_urls.NINJA_PATH,
        benchmark_urls.CONTACT_ROWS_PATH,
        benchmark_urls.ADMIN_PATH,
    ],
)
def test_the_site_does_not_route_the_references(path, staff_client):
    with pytest.raises(Resolver404):
        resolve(path)
    assert staff_client.get(path).status_code == 404


@pytest.mark.urls("crm.benchmark.urls")
def test_the_bare_view_answers_json_without_a_session():
    response = Client().get(benchmark_urls.BARE_PATH)
    assert response.status_code == 200
    assert response.json() == {"error": False, "rows": [], "total": 0}


@pytest.mark.urls("crm.benchmark.urls")
def test_django_ninja_alone_answers_its_list_without_a_credential():
    response = Client().get(benchmark_urls.NINJA_PATH)
    assert response.status_code == 200
    assert response.json() == [{"id": n, "name": f"Item {n}"} for n in range(1, 21)]
    # None of the Docket API's own: no rate-limit headers, so no bucket was taken.
    assert "X-RateLimit-Limit" not in response


@pytest.mark.urls("crm.benchmark.urls")
@pytest.mark.django_db
def test_the_sql_reference_answers_what_contacts_json_answers(depot):
    company = CompanyFactory(name="Harbour Labs")
    ContactFactory(
        firstname="Ada",
        lastname="Lovelace",
        fullname="Ada Lovelace",
        company=company,
        position="Director",
        customfields=[{"title": "Twitter", "value": "@ada"}],
        creditlimit=Decimal("250.50"),
        accountsdata={"xero": "A1"},
        line1="1 Main Street",
        city="Belfast",
        image="contacts/ada.png",
    )
    ContactFactory(firstname="Zed", lastname="Alone", fullname="Zed Alone", creditlimit=100)
    ContactFactory(firstname="Ada", lastname="Lovelace", fullname="Ada Lovelace")  # a tie
    ours = depot.get("contacts", {"rows": 2})
    reference = Client().get(f"{benchmark_urls.CONTACT_ROWS_PATH}?rows=2")
    assert reference.status_code == 200
    assert reference.json()["total"] == 3
    assert reference.json() == ours.json()
    assert reference.content == ours.content


@pytest.mark.urls("crm.benchmark.urls")
def test_the_admin_at_the_lists_page_size(admin_user, staff_client):
    admin_user.is_staff = True  # the admin's own door
    admin_user.save()
    ContactFactory.create_batch(30)
    first = staff_client.get(f"{benchmark_urls.ADMIN_PATH}crm/contact/")
    second = staff_client.get(f"{benchmark_urls.ADMIN_PATH}crm/contact/?p=2")
    assert first.status_code == second.status_code == 200
    assert first.content.count(b'name="_selected_action"') == 25
    assert second.content.count(b'name="_selected_action"') == 5


def _round(rate: float, median_ms: float = 10, failures: int = 0) -> Round:
    return Round(
        requests=int(rate),
        seconds=1,
        latencies_ms=[median_ms],
        failures=failures,
        first_failure="500" if failures else "",
    )


def test_rounds_alternate_which_side_goes_first():
    order = []

    def measure(target):
        order.append(target.label)
        return _round(len(order))

    route, reference = Target("route", "/r"), Target("reference", "/f")
    pairs = paired_rounds(measure, route, reference, rounds=3)
    assert order == ["reference", "route", "route", "reference", "reference", "route"]
    # Pairs are (route, reference) whichever went first.
    assert [(a.rate, b.rate) for a, b in pairs] == [(2, 1), (3, 4), (6, 5)]


class SlowServer(BaseHTTPRequestHandler):
    """Answers after 50 ms: 200 on /ok, 500 elsewhere, on kept-alive connections."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        time.sleep(0.05)
        self.send_response(200 if self.path == "/ok" else 500)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_round_shorter_than_a_request_still_counts_one_per_client(slow_server):
    measured = run_round(
        "127.0.0.1", slow_server, Target("ok", "/ok"), seconds=0.001, concurrency=3
    )
    assert measured.requests == 3 and measured.failures == 0
    assert 0.05 <= measured.seconds < 1
    assert 0 < measured.rate <= 3 / 0.05
    assert all(ms >= 50 for ms in measured.latencies_ms)


def test_a_round_counts_answers_other_than_200_as_failures(slow_server):
    measured = run_round(
        "127.0.0.1", slow_server, Target("broken", "/broken"), seconds=0.12, concurrency=2
    )
    # At least one request per client, however slow the machine is today.
    assert measured.requests >= 2
    assert measured.failures == measured.requests
    assert measured.first_failure == "500"


def _result(goal: Goal, pairs) -> Result:
    return Result(Case("what", Target("r", "/r"), Target("f", "/f"), goal), pairs)


def test_the_ratio_is_the_median_of_the_rounds_ratios():
    result = _result(
        Goal("≥ 0.5×", min_ratio=0.5),
        [(_round(40), _round(100)), (_round(90), _round(100)), (_round(60), _round(100))],
    )
    assert result.ratio == pytest.approx(0.6)
    assert result.rate(0) == 60 and result.rate(1) == 100
    assert result.met


def test_the_table_shows_how_far_the_rounds_strayed():
    result = _result(
        Goal("≥ 0.5×", min_ratio=0.5),
        [(_round(31), _round(100)), (_round(52), _round(100)), (_round(45), _round(100))],
    )
    row = markdown_table([result])[-1]
    assert "| 0.45× | 0.31–0.52 |" in row
    assert "**not met**" in row
    assert still_short([result]) == ["* what: ≥ 0.5×, measured 0.45× (rounds 0.31–0.52)"]


@pytest.mark.parametrize(
    ("goal", "route_rate", "route_ms", "met"),
    [
        (Goal("≥ 0.4×", min_ratio=0.4), 40, 10, True),
        (Goal("≥ 0.4×", min_ratio=0.4), 39, 10, False),
        (Goal("> 1×", min_ratio=1, strictly=True), 100, 10, False),
        (Goal("> 1×", min_ratio=1, strictly=True), 101, 10, True),
        (Goal("< 20 ms", max_median_ms=20), 1, 19.9, True),
        (Goal("< 20 ms", max_median_ms=20), 1000, 20, False),
    ],
)
def test_verdicts(goal, route_rate, route_ms, met):
    assert _result(goal, [(_round(route_rate, route_ms), _round(100))]).met is met


def test_a_case_with_failed_requests_is_not_met():
    result = _result(Goal("≥ 0.4×", min_ratio=0.4), [(_round(100, failures=1), _round(100))])
    assert not result.met
    assert result.first_failure == "500"


@pytest.mark.django_db
def test_without_data_it_says_to_seed_first():
    with pytest.raises(CommandError, match="seed_scale"):
        call_command("benchmark", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_tiny_run_through_gunicorn(tmp_path, monkeypatch):
    call_command(
        "seed_scale",
        "--companies",
        "5",
        "--contacts",
        "60",
        "--activities",
        "0",
        "--projects",
        "0",
        "--invoices",
        "0",
        stdout=StringIO(),
    )
    _record_collected_static_files(tmp_path / "static")
    monkeypatch.setitem(os.environ, "DATABASE_URL", database_url_for_subprocess())
    out = StringIO()
    call_command(
        "benchmark",
        "--workers=1",
        "--concurrency=1",
        "--seconds=0.02",
        "--rounds=1",
        "--deep-page=2",
        f"--static-root={tmp_path / 'static'}",
        stdout=out,
        stderr=StringIO(),
    )
    report = out.getvalue()
    rows = [line for line in report.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == 13
    assert "| django-ninja alone, a 20-item list (`/api/benchmark/ninja/list`) |" in report
    assert "failed requests" not in report
    assert "| People list, page 2 against page 1 (`/connections/people/?page=2`) |" in report
    assert "60 people in 5 companies" in report
    assert "The goals are set at 100,000 people; this database has 60." in report
    assert json.dumps("SQL + json.dumps")[1:-1] in report
