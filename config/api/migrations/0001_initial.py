from django.db import migrations, models


def unlogged_on_postgresql(apps, schema_editor):
    # Buckets are worth nothing after a crash (they refill within a minute), so on
    # PostgreSQL they skip the write-ahead log: a request's take is then not held
    # up by a flush to disk at commit.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE docket_ratelimit SET UNLOGGED")


def logged_on_postgresql(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE docket_ratelimit SET LOGGED")


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="RateLimitBucket",
            fields=[
                ("key", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("full_at", models.BigIntegerField()),
            ],
            options={"db_table": "docket_ratelimit"},
        ),
        migrations.RunPython(unlogged_on_postgresql, logged_on_postgresql),
    ]
