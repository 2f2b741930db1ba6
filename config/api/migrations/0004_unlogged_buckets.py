"""PostgreSQL keeps the token buckets in an unlogged table.

Every API call takes a token, so every call wrote the bucket's row to the WAL and
waited for it to reach the disk before answering. A bucket is one moment at most a
window (a minute, or the sign-in and reset limits' own) ahead: after a crash
PostgreSQL empties an unlogged table, and every bucket starts full again, as each
does once its window has passed anyway. Without the WAL a take costs the server
less, and its commit doesn't wait for the disk. A standby doesn't get the table's
rows, only the table: a promoted one starts with full buckets too.
"""

from django.db import migrations

TABLE = "docket_ratelimit"


def _alter(schema_editor, persistence: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(TABLE)
        schema_editor.execute(f"ALTER TABLE {table} SET {persistence}")


def unlog(apps, schema_editor):
    _alter(schema_editor, "UNLOGGED")


def log_again(apps, schema_editor):
    _alter(schema_editor, "LOGGED")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_idempotency"),
    ]

    operations = [
        migrations.RunPython(unlog, log_again),
    ]
