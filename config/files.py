"""Stored files follow the rows that name them."""

from django.db import transaction


def delete_after_commit(storage, name: str) -> None:
    """Deletes the stored file `name` once the current transaction commits. Until
    then a rollback can bring back the row that names it, so the file must stay;
    outside a transaction it goes at once. A file that can't be deleted is logged,
    not an error for a change that has already been saved."""
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)


def replace_file(instance, field_name: str, upload, *, update_fields=None):
    """Stores `upload` in the file field `field_name` and saves the row (only
    `update_fields`, when given); the file it replaces goes once that commits."""
    file = getattr(instance, field_name)
    old_name = file.name
    file.save(upload.name, upload, save=False)
    instance.save(update_fields=update_fields)
    if old_name != file.name:
        delete_after_commit(file.storage, old_name)
    return instance


def clear_file(instance, field_name: str, *, update_fields=None):
    """Empties the file field `field_name`; the file goes once the change commits."""
    file = getattr(instance, field_name)
    if file:
        storage, name = file.storage, file.name
        setattr(instance, field_name, "")
        instance.save(update_fields=update_fields)
        delete_after_commit(storage, name)
    return instance
