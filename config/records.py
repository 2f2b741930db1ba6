"""Writes every app's reference rows share (tax codes, ledgers, activity types)."""

from django.db.models import ProtectedError

from config.errors import request_error


def delete_unless_used(instance) -> None:
    """Deletes a reference row, refused while records point at it through protected
    foreign keys: the refusal says how many, in the error protocol."""
    try:
        instance.delete()
    except ProtectedError as exc:
        raise request_error(
            "%(row)s is used by %(count)s record(s) and can't be deleted.",
            "in_use",
            row=str(instance),
            count=len(exc.protected_objects),
        ) from exc
