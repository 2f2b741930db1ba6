"""PostgreSQL keeps the rate-limit buckets in an unlogged table.

Every API call takes a token, so every call wrote the bucket's row to the WAL and
waited for it to reach the disk before answering. A bucket is one moment that is a
minute old at most: after a crash PostgreSQL empties an unlogged table, and every
bucket starts full again, as each does a minute after its last use anyway. Without
the WAL a take costs the server less, and its commit doesn't wait for the disk.
A standby doesn't get the table's rows, only the table: a promoted one starts with
full buckets too.
"""

from django.db import migrations

TABLE = "docket_ratelimit"


def set_persistence(logged: bool):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        persistence = "LOGGED" if logged else "UNLOGGED"
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(TABLE)} SET {persistence}")

    return alter


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_idempotency"),
    ]

    operations = [
        migrations.RunPython(set_persistence(logged=False), set_persistence(logged=True)),
    ]
