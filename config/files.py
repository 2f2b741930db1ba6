"""Stored files follow the rows that name them."""

from django.db import transaction


def delete_after_commit(storage, name: str) -> None:
    """Deletes the stored file `name` once the current transaction commits. Until
    then a rollback can bring back the row that names it, so the file must stay;
    outside a transaction it goes at once. A file that can't be deleted is logged,
    not an error for a change that has already been saved."""
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)
