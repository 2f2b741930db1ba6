"""The queries every API call makes (the credential's read with its rate-limit take,
a row by id, a page of a table: config/api/rows.py) are kept per connection as one
text with its values sent apart. On PostgreSQL each is a prepared statement, parsed
and planned once per connection; on SQLite the text is turned into SQLite's
placeholders once and goes straight to the driver, whose own statement cache then
reuses it."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiCredential
from config.api.rows import KeptPage, KeptSelect
from crm.models import Company, Contact
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _kept_statements(table: str) -> list[str]:
    """The statement texts kept for queries reading `table`: PostgreSQL's prepared
    statements, or on SQLite the texts the kept queries send."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            found = [statement for (statement,) in cursor.fetchall()]
    else:
        wrapper = connections["default"]
        kept = [*KeptSelect._kept.get(wrapper, {}).values()]
        kept += KeptPage._kept.get(wrapper, {}).values()
        found = [query.qmark_sql for query in kept]
    return [text for text in found if f'FROM "{table}"' in text]


def _kept_connection():
    """The kept statements belong to the raw connection: it must be the same one
    across the calls a test compares. It starts with none, whatever earlier tests
    on this connection kept."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        connection.connection.execute("DEALLOCATE ALL")
        connection.docket_kept_statements = None
    return connection.connection


@pytest.fixture
def contact():
    company = CompanyFactory(name="Gravel Works")
    return ContactFactory(firstname="Grace", lastname="Hopper", company=company)


def test_a_small_call_reads_its_credential_and_row_by_statements_kept_once(
    depot, api_credential, contact
):
    raw = _kept_connection()
    first = depot.get(f"contacts/{contact.pk}")
    credential_reads = _kept_statements("accounts_apicredential")
    contact_reads = [text for text in _kept_statements("crm_contact") if " LIMIT " not in text]
    second = depot.get(f"contacts/{contact.pk}")
    assert connection.connection is raw
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.json()["rows"][0]["firstname"] == "Grace"
    assert second.json()["rows"][0]["company"]["name"] == "Gravel Works"
    # However many calls, no new statement: placeholders, not values, in the text.
    assert _kept_statements("accounts_apicredential") == credential_reads
    assert credential_reads and contact_reads
    assert [
        text for text in _kept_statements("crm_contact") if " LIMIT " not in text
    ] == contact_reads
    texts = "".join(credential_reads + contact_reads)
    assert contact.firstname not in texts
    assert api_credential.credential.token not in texts
    if connection.vendor == "postgresql":
        # The rate-limit token is taken in the credential's own statement.
        assert all(text.startswith("WITH docket_taken") for text in credential_reads)
        assert "$1" in credential_reads[0]
    else:
        # The key's placeholders are put after the kept text on each call.
        assert " WHERE " not in credential_reads[0]


def test_a_page_of_a_whole_table_is_kept_once_for_every_page(depot):
    company = CompanyFactory(name="Acme")
    for index in range(12):
        ContactFactory(firstname=f"P{index:02}", lastname="Page", company=company)
    _kept_connection()
    first = depot.get("contacts", {"rows": 5})
    pages = [text for text in _kept_statements("crm_contact") if " LIMIT " in text]
    second = depot.get("contacts", {"rows": 5, "start": 5})
    third = depot.get("contacts", {"rows": 5, "start": 10})
    names = [row["firstname"] for page in (first, second, third) for row in page.json()["rows"]]
    assert names == [f"P{index:02}" for index in range(12)]
    assert first.json()["total"] == third.json()["total"] == 12
    assert pages
    assert [text for text in _kept_statements("crm_contact") if " LIMIT " in text] == pages
    limit = "LIMIT $" if connection.vendor == "postgresql" else "LIMIT ?"
    assert all(limit in text for text in pages)


def test_a_kept_statement_outlives_a_rolled_back_transaction(depot, contact):
    _kept_connection()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert depot.get(f"contacts/{contact.pk}").status_code == 200
        raise RuntimeError("rolled back")
    again = depot.get(f"contacts/{contact.pk}")
    assert again.status_code == 200
    assert again.json()["rows"][0]["lastname"] == "Hopper"


def test_the_ordinary_cursor_answers_the_same_as_the_kept_way(depot, contact, monkeypatch):
    """Counted queries (tests, DEBUG) go through Django's own cursor, and on
    PostgreSQL DATABASE_PREPARED_STATEMENTS=false sends the kept texts unprepared:
    every way answers alike."""
    raw = _kept_connection()
    expected = depot.get(f"contacts/{contact.pk}").json()
    listed = depot.get("contacts").json()
    assert listed["rows"] == [expected["rows"][0]]
    with CaptureQueriesContext(connection) as counted:
        assert depot.get(f"contacts/{contact.pk}").json() == expected
        assert depot.get("contacts").json() == listed
    assert any('FROM "crm_contact"' in query["sql"] for query in counted.captured_queries)
    if connection.vendor == "postgresql":
        connection.connection.execute("DEALLOCATE ALL")
        raw._prepared.clear()
        connection.docket_kept_statements = None
        # What DATABASE_PREPARED_STATEMENTS=false leaves: Django's own default.
        monkeypatch.setattr(raw, "prepare_threshold", None)
        assert depot.get(f"contacts/{contact.pk}").json() == expected
        assert depot.get("contacts").json() == listed
        assert _kept_statements("crm_contact") == []


def test_a_kept_query_is_compiled_once_per_connection(depot, contact):
    depot.get(f"contacts/{contact.pk}")
    kept = dict(KeptSelect._kept[connections["default"]])
    answer = depot.get(f"contacts/{contact.pk}")
    assert answer.json()["rows"][0]["firstname"] == "Grace"
    now_kept = KeptSelect._kept[connections["default"]]
    assert now_kept.keys() == kept.keys()
    assert all(now_kept[key] is found for key, found in kept.items())
    # SQLite's placeholders are turned once; PostgreSQL binds the text as it is.
    turned = [found.qmark_sql is not None for found in kept.values()]
    assert turned == [connection.vendor == "sqlite"] * len(kept)


def _first_names(ids: list) -> list[str]:
    """Contacts' first names read by the kept query that answers contacts/<id>."""
    return [record[0] for record in KeptSelect.of(Contact, ("firstname",)).fetch(ids)]


@pytest.mark.django_db(transaction=True)
def test_a_kept_query_reads_inside_the_transaction_it_is_in():
    """Whether the kept query is a transaction's first statement (psycopg has yet to
    send the BEGIN) or comes later in it, it reads what the transaction wrote and
    nothing of it once rolled back."""
    outside = ContactFactory(firstname="Outside", lastname="Committed")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert _first_names([outside.pk]) == ["Outside"]
        inside = ContactFactory(firstname="Inside", lastname="Uncommitted")
        assert _first_names([inside.pk, outside.pk]) == ["Inside", "Outside"]
        raise RuntimeError("rolled back")
    assert _first_names([inside.pk, outside.pk]) == ["Outside"]
    with transaction.atomic():
        Contact.objects.filter(pk=outside.pk).update(firstname="Renamed")
        assert _first_names([outside.pk]) == ["Renamed"]
    assert _first_names([outside.pk]) == ["Renamed"]


@pytest.mark.django_db(transaction=True)
def test_a_kept_query_outlives_its_statements_being_dropped():
    """A pooler resetting the session (DEALLOCATE ALL) drops PostgreSQL's prepared
    statements, and a closed connection SQLite's: the next read prepares again."""
    contact = ContactFactory(firstname="Ada", lastname="Lovelace")
    assert _first_names([contact.pk]) == ["Ada"]
    if connection.vendor == "postgresql":
        connection.connection.pgconn.exec_(b"DEALLOCATE ALL")
        assert _kept_statements("crm_contact") == []
    else:
        connection.close()
    assert _first_names([contact.pk]) == ["Ada"]
    assert _first_names([contact.pk]) == ["Ada"]
    if connection.vendor == "postgresql":
        assert len(_kept_statements("crm_contact")) == 1


@pytest.mark.django_db(transaction=True)
def test_one_dropped_statement_is_prepared_again_beside_the_others_kept():
    """Only the contact's statement dropped (PostgreSQL), or the whole connection
    (SQLite): both reads still answer; no statement is prepared under a name that
    is still in use."""
    _kept_connection()
    contact = ContactFactory(
        firstname="Ada", lastname="Lovelace", company=CompanyFactory(name="Acme")
    )
    company_names = KeptSelect.of(Company, ("name",))
    assert _first_names([contact.pk]) == ["Ada"]
    assert company_names.fetch([contact.company_id]) == [("Acme",)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM pg_prepared_statements WHERE statement LIKE %s",
                ['%FROM "crm_contact"%'],
            )
            (name,) = cursor.fetchone()
        connection.connection.pgconn.exec_(f"DEALLOCATE {name}".encode())
    else:
        connection.close()
    assert _first_names([contact.pk]) == ["Ada"]
    assert company_names.fetch([contact.company_id]) == [("Acme",)]
    assert _first_names([contact.pk]) == ["Ada"]
    if connection.vendor == "postgresql":
        # All are taken for dropped (a pooler drops them all): the company's is
        # prepared once more under a new name, not the dropped one's.
        assert len(_kept_statements("crm_contact")) == 1
        assert len(_kept_statements("crm_company")) == 2


def test_a_failing_kept_query_raises_djangos_database_error(contact):
    """An error from the database reaches the caller as Django's own exception (the
    API answers those as a 503 or a 400), whichever way the query went."""
    kept = KeptSelect.of(Contact, ("firstname",))
    bad = KeptSelect.__new__(KeptSelect)
    bad.__dict__.update(
        {
            name: value.replace('"firstname"', '"no_such"', 1)
            if name.endswith("sql") and value
            else value
            for name, value in kept.__dict__.items()
        }
    )
    with pytest.raises(DatabaseError, match="no_such"), transaction.atomic():
        bad.fetch([contact.pk])
    assert _first_names([contact.pk]) == ["Grace"]


def test_a_kept_query_reads_moments_as_the_orm_does(api_credential):
    """Moments come back aware, in UTC, to the microsecond, as the ORM gives them (on
    PostgreSQL the kept queries load them with psycopg's compiled loader)."""
    credential = api_credential.credential
    moment = datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=ZoneInfo("Europe/London"))
    ApiCredential.objects.filter(pk=credential.pk).update(expires=moment, revoked=None)
    columns = ("expires", "revoked")
    kept = KeptSelect.of(ApiCredential, columns, key="token").fetch([credential.token])
    ordinary = list(ApiCredential.objects.filter(pk=credential.pk).values_list(*columns))
    assert kept == ordinary == [(moment, None)]
    assert kept[0][0].tzinfo == UTC
    assert kept[0][0].utcoffset() == timedelta(0)
