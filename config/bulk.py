"""Bulk inserts for the data seeders (`seed_scale`): rows in batches, and the ids
they were given."""

from django.db import connection
from django.db.models import Max

BATCH = 5000


def insert_in_batches(model, objects: list) -> None:
    for start in range(0, len(objects), BATCH):
        model.objects.bulk_create(objects[start : start + BATCH], batch_size=BATCH)


def prepared(model, field: str, value):
    """`value` as the database takes it for `model`'s `field` (what bulk_create would
    make of it), for `insert_prepared`."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def insert_prepared(model, fields: list[str], rows: list[tuple]) -> None:
    """Rows of `fields` (every column that has no null, by field name), each value
    already `prepared` (a JSON column's may be its JSON text), inserted the fastest
    way the database has: COPY on PostgreSQL, executemany elsewhere (SQLite). For
    wide rows whose values repeat (an invoice's lines and money, the same for every
    invoice of one shape): each is prepared once, where bulk_create prepares every
    value of every object again, and PostgreSQL parses no statement text."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        places = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({places})"
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def last_pk(model) -> int:
    """The highest id so far (0 for an empty table): rows inserted next come after it."""
    return model.objects.aggregate(highest=Max("pk"))["highest"] or 0


def ids_after(model, before: int) -> list[int]:
    """The ids of the rows added since `before` (a `last_pk`), in order: bulk_create
    doesn't give them back on every database."""
    return list(model.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))
