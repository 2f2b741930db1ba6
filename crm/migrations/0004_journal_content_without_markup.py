"""Journal content saved before clean_content decoded and re-stripped entities may
hold markup ("&lt;script&gt;" was stored as a live <script>); clean it the same way
now, so the API never hands such an entry to a client."""

from django.db import migrations
from django.db.models import Q


def clean_stored_content(apps, schema_editor):
    from crm.services import clean_content

    Activity = apps.get_model("crm", "Activity")
    changed = []
    suspects = Activity.objects.filter(Q(content__contains="<") | Q(content__contains="&"))
    for entry in suspects.only("pk", "content").iterator():
        cleaned = clean_content(entry.content)
        if cleaned != entry.content:
            entry.content = cleaned
            changed.append(entry)
    Activity.objects.bulk_update(changed, ["content"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_import_job")]

    operations = [migrations.RunPython(clean_stored_content, migrations.RunPython.noop)]
