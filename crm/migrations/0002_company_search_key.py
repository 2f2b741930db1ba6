"""Company.search_name now folds runs of spaces too (company_search_key), so a name
typed with a double space finds the company instead of creating a second one."""

from django.db import migrations


def recompute(apps, schema_editor):
    Company = apps.get_model("crm", "Company")
    changed = []
    for company in Company.objects.only("pk", "name", "search_name").iterator():
        key = " ".join(company.name.split()).lower()
        if company.search_name != key:
            company.search_name = key
            changed.append(company)
    Company.objects.bulk_update(changed, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
