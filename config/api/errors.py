"""Exceptions an API endpoint raises; `config.api.core` turns each into Depot's answer."""

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from config.errors import names_its_field, render


class ApiError(Exception):
    status = 400


class ApiValidationError(ApiError):
    """400 with `{"error": true, "msg": "Validation errors", "errors": [...], "fields":
    {...}}`: each sentence leads with the field it is about, and `fields` groups the
    sentences about a field by it (Deep's convention). A sentence about the request as
    a whole ("The request body is not valid JSON.") is in `errors` only."""

    status = 400
    msg = "Validation errors"

    def __init__(self, errors: list[str] | str, *, field: str | None = None):
        sentences = [errors] if isinstance(errors, str) else list(errors)
        # (field, sentence) in the order they are answered; None for the request's.
        self.problems: list[tuple[str | None, str]] = [(field, s) for s in sentences]
        super().__init__("; ".join(sentences))

    @classmethod
    def by_field(cls, problems: Iterable[tuple[str | None, str]]) -> "ApiValidationError":
        problems = list(problems)
        refusal = cls([sentence for _, sentence in problems])
        refusal.problems = problems
        return refusal

    @classmethod
    def from_service(cls, exc: ValidationError) -> "ApiValidationError":
        """A service's ValidationError in Depot's sentences, each field called by its
        API name. A message that doesn't name its field gets the field in front; one
        not keyed by a field is about the request as a whole."""
        if not hasattr(exc, "error_dict"):
            return cls(exc.messages)
        problems = []
        for field, errors in exc.error_dict.items():
            for error in errors:
                sentence = render(error, field)
                if field == NON_FIELD_ERRORS:
                    problems.append((None, sentence))
                elif names_its_field(error):
                    problems.append((field, sentence))
                else:
                    problems.append((field, f"{field}: {sentence}"))
        return cls.by_field(problems)

    @property
    def errors(self) -> list[str]:
        return [sentence for _, sentence in self.problems]

    @property
    def fields(self) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for field, sentence in self.problems:
            if field:
                fields.setdefault(field, []).append(sentence)
        return fields


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
