"""Row counts kept by the database, for the `total` of a list that filters nothing.

Depot's list envelope says how many rows match, not just the page. For an unfiltered
list that is the whole table, and counting 100,000 people took 3 to 7 ms on
PostgreSQL (an index-only scan), more than the rest of a 10-row call. So a counted
table's triggers keep its number in `docket_rowcount` (config.api.models.RowCount),
in the same transaction as the rows they count, and `counted_total` reads it in one
small query. A filtered list still counts its matches.

* SQLite: a trigger per inserted and deleted row. (`DELETE FROM t` with no WHERE
  fires them too: SQLite drops its truncate shortcut on a table with triggers.)
* PostgreSQL: one trigger per statement, counting the statement's transition table,
  so a bulk insert updates the number once. TRUNCATE removes the table's number:
  from then on its lists count for themselves, never a wrong total.

A migration starts counting a table with `count_rows_operation(table)`.
"""

from django.db import connections, migrations, transaction

from .models import RowCount

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION docket_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE docket_rowcount SET row_count = row_count + (SELECT count(*) FROM docket_new_rows)
    WHERE table_name = TG_TABLE_NAME;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE docket_rowcount SET row_count = row_count - (SELECT count(*) FROM docket_old_rows)
    WHERE table_name = TG_TABLE_NAME;
  ELSE
    DELETE FROM docket_rowcount WHERE table_name = TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END $$
"""

POSTGRESQL_TRIGGERS = [
    "CREATE TRIGGER docket_count_insert AFTER INSERT ON {table} "
    "REFERENCING NEW TABLE AS docket_new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION docket_count_rows()",
    "CREATE TRIGGER docket_count_delete AFTER DELETE ON {table} "
    "REFERENCING OLD TABLE AS docket_old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION docket_count_rows()",
    "CREATE TRIGGER docket_count_truncate AFTER TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION docket_count_rows()",
]

SQLITE_TRIGGERS = [
    "CREATE TRIGGER docket_count_insert_{name} AFTER INSERT ON {table} BEGIN "
    "UPDATE docket_rowcount SET row_count = row_count + 1 WHERE table_name = '{name}'; END",
    "CREATE TRIGGER docket_count_delete_{name} AFTER DELETE ON {table} BEGIN "
    "UPDATE docket_rowcount SET row_count = row_count - 1 WHERE table_name = '{name}'; END",
]


TRIGGERS_PER_TABLE = {"postgresql": len(POSTGRESQL_TRIGGERS), "sqlite": len(SQLITE_TRIGGERS)}

# The kept number only while the table still has all its triggers: on SQLite a
# migration that alters a table rebuilds it, and the rebuilt table has none. Then
# the list counts for itself (and the next `migrate` puts the triggers back).
KEPT_WHILE_TRIGGERED = {
    "postgresql": "SELECT row_count FROM docket_rowcount WHERE table_name = %s AND ("
    "SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
    "AND tgname LIKE 'docket_count_%%' AND tgenabled <> 'D') = {triggers}",
    "sqlite": "SELECT row_count FROM docket_rowcount WHERE table_name = %s AND ("
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
    "AND name LIKE 'docket_count_%%') = {triggers}",
}


def start_counting(connection, table: str) -> None:
    """Give `table` its triggers and its number as it stands, in the caller's
    transaction. The table is locked against writes meanwhile (on SQLite the
    transaction holds the write lock already), so no row slips between the count and
    the triggers."""
    if connection.vendor not in TRIGGERS_PER_TABLE:
        return  # not counted: its lists count for themselves
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        _drop_triggers(cursor, connection.vendor, table, quoted)
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(POSTGRESQL_FUNCTION)
            for statement in POSTGRESQL_TRIGGERS:
                cursor.execute(statement.format(table=quoted))
        else:
            for statement in SQLITE_TRIGGERS:
                cursor.execute(statement.format(table=quoted, name=table))
        cursor.execute("DELETE FROM docket_rowcount WHERE table_name = %s", [table])
        cursor.execute(
            "INSERT INTO docket_rowcount (table_name, row_count) "
            f"SELECT %s, COUNT(*) FROM {quoted}",
            [table],
        )


def stop_counting(connection, table: str) -> None:
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        _drop_triggers(cursor, connection.vendor, table, quoted)
        cursor.execute("DELETE FROM docket_rowcount WHERE table_name = %s", [table])


def _drop_triggers(cursor, vendor: str, table: str, quoted: str) -> None:
    if vendor == "postgresql":
        for trigger in ("insert", "delete", "truncate"):
            cursor.execute(f"DROP TRIGGER IF EXISTS docket_count_{trigger} ON {quoted}")
    elif vendor == "sqlite":
        for trigger in ("insert", "delete"):
            cursor.execute(f"DROP TRIGGER IF EXISTS docket_count_{trigger}_{table}")


def count_rows_operation(table: str) -> migrations.RunPython:
    """The migration operation that starts counting `table` (and stops, reversed).
    The migration must depend on config.api's 0002, which makes docket_rowcount."""
    return migrations.RunPython(
        lambda apps, schema_editor: start_counting(schema_editor.connection, table),
        lambda apps, schema_editor: stop_counting(schema_editor.connection, table),
    )


def recount_untriggered(using: str = "default", **kwargs) -> None:
    """After `migrate` (and a `flush`, which sends the same signal): a counted table
    that lost its triggers (SQLite rebuilds a table to alter it) gets them back, and
    one that lost its number (a TRUNCATE, or a flush emptying docket_rowcount with
    the rest) is counted again."""
    connection = connections[using]
    if connection.vendor not in TRIGGERS_PER_TABLE:
        return
    tables = connection.introspection.table_names()
    if RowCount._meta.db_table not in tables:
        return
    with transaction.atomic(using=using):
        counted = set(RowCount.objects.using(using).values_list("table_name", flat=True))
        for table in sorted(counted | _triggered_tables(connection)):
            if table in tables and _kept(connection, table) is None:
                start_counting(connection, table)


def _triggered_tables(connection) -> set[str]:
    """The tables with any of the counting triggers still on them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT pg_class.relname FROM pg_trigger "
                "JOIN pg_class ON pg_class.oid = pg_trigger.tgrelid "
                "WHERE pg_trigger.tgname LIKE %s",
                ["docket_count_%"],
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE %s",
                ["docket_count_%"],
            )
        return {table for (table,) in cursor.fetchall()}


def _kept(connection, table: str) -> int | None:
    query = KEPT_WHILE_TRIGGERED[connection.vendor].format(
        triggers=TRIGGERS_PER_TABLE[connection.vendor]
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [table, table])
        found = cursor.fetchone()
    return None if found is None else found[0]


def kept_total_sql(connection, table: str) -> tuple[str, list] | None:
    """The query `counted_total` asks, to be read as a column of another query (a
    list's page, config.api.rows.KeptPage): its number, or NULL when the table is not
    counted now. None when the database counts no table."""
    if connection.vendor not in TRIGGERS_PER_TABLE:
        return None
    query = KEPT_WHILE_TRIGGERED[connection.vendor].format(
        triggers=TRIGGERS_PER_TABLE[connection.vendor]
    )
    return query, [table, table]


def remember_total(request, using: str, table: str, total: int) -> None:
    """A kept number read with the request's page, for `counted_total` to answer
    without asking again (for this request only)."""
    if request is None:
        return
    kept = getattr(request, "depot_kept_totals", None)
    if kept is None:
        kept = request.depot_kept_totals = {}
    kept[(using, table)] = total


def counted_total(queryset, request=None) -> int | None:
    """The kept number of rows when `queryset` is its whole table (no filter, no
    distinct, no slice, no grouping) and the table is counted; otherwise None. The
    number the request's page was read with when there is one (remember_total)."""
    query = queryset.query
    if (
        query.where
        or query.distinct
        or query.combinator
        or query.is_sliced
        or query.group_by is not None
        or query.extra
    ):
        return None
    table = queryset.model._meta.db_table
    remembered = getattr(request, "depot_kept_totals", None)
    if remembered and (queryset.db, table) in remembered:
        return remembered.pop((queryset.db, table))
    connection = connections[queryset.db]
    if connection.vendor not in TRIGGERS_PER_TABLE:
        return None
    return _kept(connection, table)
