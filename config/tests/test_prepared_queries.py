"""The queries every API call makes (the credential's read with its rate-limit take,
a row by id, a page of a table: config/api/rows.py) are kept per connection; on
PostgreSQL they run as prepared statements, parsed and planned once per connection
rather than on every call."""

import pytest
from django.db import connection, connections, transaction

from config.api.rows import KeptSelect
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def _kept_connection():
    """Prepared statements belong to the raw connection: it must be the same one
    across the calls a test compares."""
    connection.ensure_connection()
    return connection.connection


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


@pytest.fixture
def contact():
    company = CompanyFactory(name="Gravel Works")
    return ContactFactory(firstname="Grace", lastname="Hopper", company=company)


def test_a_small_call_reads_its_credential_and_row_by_statements_prepared_once(
    postgresql, depot, contact
):
    raw = _kept_connection()
    first = depot.get(f"contacts/{contact.pk}")
    second = depot.get(f"contacts/{contact.pk}")
    assert connection.connection is raw
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.json()["rows"][0]["firstname"] == "Grace"
    assert second.json()["rows"][0]["company"]["name"] == "Gravel Works"
    prepared = _prepared_statements()
    credential_reads = [s for s in prepared if s.startswith("WITH docket_taken")]
    contact_reads = [s for s in prepared if s.startswith('SELECT "crm_contact"."id"')]
    # One statement each, however many calls: parameters, not values, in the text.
    assert len(credential_reads) == 1
    assert len(contact_reads) == 1
    assert "$1" in contact_reads[0]
    assert contact.firstname not in "".join(prepared)


def test_a_page_of_a_whole_table_is_prepared_once_for_every_page(postgresql, depot):
    company = CompanyFactory(name="Acme")
    for index in range(12):
        ContactFactory(firstname=f"P{index:02}", lastname="Page", company=company)
    _kept_connection()
    first = depot.get("contacts", {"rows": 5})
    second = depot.get("contacts", {"rows": 5, "start": 5})
    third = depot.get("contacts", {"rows": 5, "start": 10})
    names = [row["firstname"] for page in (first, second, third) for row in page.json()["rows"]]
    assert names == [f"P{index:02}" for index in range(12)]
    assert first.json()["total"] == third.json()["total"] == 12
    pages = [s for s in _prepared_statements() if s.startswith('SELECT "crm_contact"."id"')]
    assert len(pages) == 1
    assert "LIMIT $" in pages[0]


def test_a_prepared_statement_outlives_a_rolled_back_transaction(postgresql, depot, contact):
    _kept_connection()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert depot.get(f"contacts/{contact.pk}").status_code == 200
        raise RuntimeError("rolled back")
    again = depot.get(f"contacts/{contact.pk}")
    assert again.status_code == 200
    assert again.json()["rows"][0]["lastname"] == "Hopper"


def test_without_prepared_statements_the_same_calls_answer_the_same(
    postgresql, depot, contact, monkeypatch
):
    raw = _kept_connection()
    expected = depot.get(f"contacts/{contact.pk}").json()
    connection.connection.execute("DEALLOCATE ALL")
    raw._prepared.clear()
    # What DATABASE_PREPARED_STATEMENTS=false leaves: Django's own default.
    monkeypatch.setattr(raw, "prepare_threshold", None)
    assert depot.get(f"contacts/{contact.pk}").json() == expected
    assert depot.get("contacts").json()["rows"] == [expected["rows"][0]]
    assert _prepared_statements() == []


def test_a_kept_query_is_compiled_once_per_connection_on_any_database(depot, contact):
    """SQLite has no prepared statements across calls: there the kept query is
    compiled by Django once, its placeholders turned into SQLite's once, and sent
    straight to the driver (rows._qmark)."""
    depot.get(f"contacts/{contact.pk}")
    kept = dict(KeptSelect._kept[connections["default"]])
    answer = depot.get(f"contacts/{contact.pk}")
    assert answer.json()["rows"][0]["firstname"] == "Grace"
    now_kept = KeptSelect._kept[connections["default"]]
    assert now_kept.keys() == kept.keys()
    assert all(now_kept[key] is found for key, found in kept.items())
    turned = [found.qmark_sql is not None for found in kept.values()]
    assert turned == [connection.vendor == "sqlite"] * len(kept)
