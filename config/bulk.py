"""Bulk inserts for the data seeders (`seed_scale`): rows in batches, and the ids
they were given."""

from django.db.models import Max

BATCH = 5000


def insert_in_batches(model, objects: list) -> None:
    for start in range(0, len(objects), BATCH):
        model.objects.bulk_create(objects[start : start + BATCH], batch_size=BATCH)


def last_pk(model) -> int:
    """The highest id so far (0 for an empty table): rows inserted next come after it."""
    return model.objects.aggregate(highest=Max("pk"))["highest"] or 0


def ids_after(model, before: int) -> list[int]:
    """The ids of the rows added since `before` (a `last_pk`), in order: bulk_create
    doesn't give them back on every database."""
    return list(model.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))
