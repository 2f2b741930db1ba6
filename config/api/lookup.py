"""Finding the one object a path names, or Depot's 404 saying which key matched
nothing ("No contact with id 99.")."""

from .errors import ApiNotFound


def get_or_404(model_or_queryset, noun: str, key, *, by: str = "id", **lookup):
    """The first object matching `lookup` (the primary key `key` when none is given)."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    obj = queryset.filter(**(lookup or {"pk": key})).first()
    if obj is None:
        raise ApiNotFound.no_such(noun, key, by=by)
    return obj
