"""The database keeps how many people and companies there are (config.api.counts), and
a list that filters nothing reads its `total` from there: it must always be the
number COUNT(*) would give, however the rows came and went."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.api.counts import counted_total, recount_untriggered
from crm import services
from crm.models import Company, Contact
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def kept(model) -> int | None:
    return counted_total(model.objects.all())


def test_the_kept_numbers_follow_every_kind_of_write():
    assert kept(Contact) == Contact.objects.count() == 0
    people = ContactFactory.create_batch(3)
    Contact.objects.bulk_create([Contact(firstname=f"Bulk {i}", lastname="X") for i in range(5)])
    assert kept(Contact) == 8
    services.delete_contact(people[0])
    Contact.objects.filter(firstname__startswith="Bulk").delete()
    assert kept(Contact) == Contact.objects.count() == 2
    CompanyFactory.create_batch(2)
    assert kept(Company) == 2
    with connection.cursor() as cursor:
        # The database's quickest way to empty a table (TRUNCATE on PostgreSQL).
        if connection.vendor == "postgresql":
            # (The test's own transaction holds deferred checks of its inserts.)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE crm_contact CASCADE")
        else:
            cursor.execute("DELETE FROM crm_contact")
    assert Contact.objects.count() == 0
    # TRUNCATE fires no row triggers: PostgreSQL forgets the number rather than keep
    # a wrong one, and lists count for themselves.
    assert kept(Contact) == (None if connection.vendor == "postgresql" else 0)


def test_only_a_whole_table_has_a_kept_number():
    ContactFactory.create_batch(2, lastname="Grant")
    assert kept(Contact) == 2
    assert counted_total(Contact.objects.filter(lastname="Grant")) is None
    assert counted_total(Contact.objects.distinct()) is None
    assert counted_total(Contact.objects.none()) is None


def test_a_table_that_lost_its_triggers_is_counted_again_after_migrate():
    ContactFactory.create_batch(2)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER docket_count_insert ON crm_contact")
        else:
            cursor.execute("DROP TRIGGER docket_count_insert_crm_contact")
    ContactFactory()
    # Without its triggers the number can't be trusted: none is given.
    assert kept(Contact) is None
    recount_untriggered(using="default")
    assert kept(Contact) == 3
    ContactFactory()
    assert kept(Contact) == 4


def test_a_table_that_lost_its_number_is_counted_again_after_migrate_or_flush():
    """A flush (after every test that commits) empties docket_rowcount with the other
    tables, and a TRUNCATE on PostgreSQL drops the table's number: lists then count for
    themselves, one query more each, until the next migrate or flush counts again."""
    ContactFactory.create_batch(2)
    CompanyFactory()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM docket_rowcount")
    assert kept(Contact) is None and kept(Company) is None
    recount_untriggered(using="default")
    assert kept(Contact) == Contact.objects.count() == 2
    assert kept(Company) == Company.objects.count() >= 1
    ContactFactory()
    assert kept(Contact) == 3


def test_an_unfiltered_list_answers_the_kept_total(depot, django_assert_max_num_queries):
    ContactFactory.create_batch(12)
    with django_assert_max_num_queries(6):
        body = depot.get("contacts", {"rows": 5}).json()
    assert len(body["rows"]) == 5 and body["total"] == 12
    assert depot.get("contacts", {"rows": 5, "search": "zzz-nobody"}).json()["total"] == 0


def _total_statements(captured) -> list[str]:
    """Statements of their own for a list's total: a COUNT, or the kept number."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if "COUNT(" in query["sql"].upper() and "firstname" not in query["sql"]
    ]


def test_a_full_page_of_the_whole_table_reads_its_total_with_its_rows(depot):
    ContactFactory.create_batch(7)
    with CaptureQueriesContext(connection) as captured:
        body = depot.get("contacts", {"rows": 3, "start": 3}).json()
    assert len(body["rows"]) == 3 and body["total"] == 7
    assert _total_statements(captured) == []
    rows = [q["sql"] for q in captured.captured_queries if "firstname" in q["sql"]]
    assert len(rows) == 1  # the page's rows and its total: no query for the ids first
    # The number follows what is added and deleted, read again on the next call.
    ContactFactory.create_batch(2)
    Contact.objects.filter(pk=Contact.objects.order_by("pk")[0].pk).delete()
    assert depot.get("contacts", {"rows": 3}).json()["total"] == 8


def test_a_page_past_the_end_and_an_untriggered_table_still_give_the_right_total(depot):
    ContactFactory.create_batch(4)
    body = depot.get("contacts", {"rows": 2, "start": 10}).json()
    assert body["rows"] == [] and body["total"] == 4  # no row to carry it: asked alone
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER docket_count_insert ON crm_contact")
        else:
            cursor.execute("DROP TRIGGER docket_count_insert_crm_contact")
    ContactFactory()
    with CaptureQueriesContext(connection) as captured:
        body = depot.get("contacts", {"rows": 2}).json()
    # The page's kept number is NULL without the triggers: the list counts its rows.
    assert len(body["rows"]) == 2 and body["total"] == 5
    assert any('COUNT(*) AS "__count"' in sql for sql in _total_statements(captured))


def test_the_page_of_the_whole_table_is_the_same_in_every_order(depot):
    ContactFactory.create_batch(6)
    for order in ("fullname", "firstname", "company", "added", "id"):
        for ascending in ("true", "false"):
            params = {"order": order, "orderasc": ascending, "rows": 4, "start": 1}
            whole = depot.get("contacts", params).json()
            # The same list through the ids query (a filter that keeps every row).
            filtered = depot.get("contacts", {**params, "lastupdated": 0}).json()
            assert whole == filtered, (order, ascending)
