"""Web addresses people type ("studio.test") turned into ones we can safely link."""

import re
from urllib.parse import urlsplit

from config.errors import field_error

WEBSITE_HOST = re.compile(r"[\w-]+(\.[\w-]+)+")


def normalise_website(value, *, field: str = "website", max_length: int = 200) -> str:
    """An absolute http(s) address: 'studio.test' becomes 'https://studio.test';
    anything that is not a web address is refused, so a page never links to it as
    a path of our own (or as javascript:)."""
    value = str(value or "").strip()
    if not value:
        return ""
    invalid = field_error(
        field,
        "%(field)s '%(value)s' is not a web address such as https://example.com.",
        "invalid",
        value=value,
    )
    if any(char.isspace() for char in value):
        raise invalid
    if "://" not in value:
        value = "https://" + value.lstrip("/")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that isn't a number
    except ValueError:
        raise invalid from None
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or parts.username is not None
        or not WEBSITE_HOST.fullmatch(host)
    ):
        raise invalid
    if len(value) > max_length:
        raise field_error(
            field, "%(field)s must be at most %(limit)s characters.", "max_length", limit=max_length
        )
    return value
