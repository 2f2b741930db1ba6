"""Helpers every app's pages share."""

from config.limits import MAX_ID


def query_int(request, name: str, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """The whole number in query parameter `name`, or None when it is missing, not a
    whole number or outside low..high. A link that carries a stale or mistyped id
    (`?company=abc`) then shows the page without it instead of failing; the default
    range is that of a primary key, so an id past it never reaches the database."""
    raw = request.GET.get(name, "").strip()
    # A digit run long enough to be slow to convert is out of any range anyway.
    if not raw or len(raw) > 20:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None
