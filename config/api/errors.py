"""Exceptions an API endpoint raises; `config.api.core` turns each into Depot's answer."""

import re

# Every sentence leads with the field it is about ("name is required.", "X-File-Size
# must be ..."); sentences about the request as a whole start with a capital ("The
# request body ..."). Field names are Depot's lowercase keys, _tbxFile1 or X-File-*.
LEADING_FIELD = re.compile(r"^(X-[A-Za-z-]+|[a-z_][A-Za-z0-9_.\[\]]*)(?=[ :])")


def fields_of(sentences: list[str]) -> dict[str, list[str]]:
    """Field-level detail (Deep's convention): the sentences grouped by field."""
    fields: dict[str, list[str]] = {}
    for sentence in sentences:
        match = LEADING_FIELD.match(sentence)
        if match:
            fields.setdefault(match.group(1), []).append(sentence)
    return fields


class ApiError(Exception):
    status = 400


class ApiValidationError(ApiError):
    """400 with `{"error": true, "msg": "Validation errors", "errors": [...]}`."""

    status = 400

    def __init__(
        self,
        errors: list[str] | str,
        msg: str = "Validation errors",
        fields: dict[str, list[str]] | None = None,
    ):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        self.msg = msg
        self.fields = fields_of(self.errors) if fields is None else fields
        super().__init__("; ".join(self.errors))


class ApiNotFound(ApiError):
    """404 in Depot's error envelope, saying what is missing: an unknown id ("No
    contact with id 99.") or, without a message, the route itself ("No such
    resource: ..."). A bare 404 left clients unable to tell the two apart."""

    status = 404

    def __init__(self, msg: str | None = None):
        self.msg = msg
        super().__init__(msg or "Not found")

    @classmethod
    def no_such(cls, noun: str, key, by: str = "id") -> "ApiNotFound":
        return cls(f"No {noun} with {by} {key}.")


class ApiNotAllowed(ApiError):
    """Authenticated but not permitted. The spec answers 401 for this (and 403 for
    credentials that don't authenticate), the reverse of common HTTP usage."""

    status = 401

    def __init__(self, msg: str = "You do not have permission to do this."):
        self.msg = msg
        super().__init__(msg)


class ApiThrottled(ApiError):
    status = 429

    def __init__(self, wait_seconds: int):
        self.wait_seconds = wait_seconds
        super().__init__(f"Request was throttled. Expected available in {wait_seconds} seconds.")
