from django.db import migrations

from config.api.counts import count_rows_operation


class Migration(migrations.Migration):
    """The database keeps how many people and companies there are, for the `total`
    of a list that filters nothing (config.api.counts)."""

    dependencies = [
        ("api", "0002_row_counts"),
        ("crm", "0005_people_list_index_ends_with_id"),
    ]

    operations = [
        count_rows_operation("crm_contact"),
        count_rows_operation("crm_company"),
    ]
