"""How a service says what is wrong: a Django ValidationError keyed by the field it is
about, each message with a `code` and a template whose field is the `field` param
("%(field)s must be at most %(limit)s characters."). The API renders it with the
API's field name (`config.api.errors.ApiValidationError.from_service`), a page form with its own
label (`config.pages.add_service_errors`); neither reads the sentences.

A message with a `field` param is a whole sentence wherever it is shown, whether or
not it names the field ("The user is not active." on `user`). A message without one
(Django's own, from a model's full_clean) reads on its form field as it is, and the
API puts the field in front ("company_name: Ensure this value has at most 100
characters ..."), as Depot's sentences lead with the field they are about. Messages
about the request as a whole are keyed by NON_FIELD_ERRORS (`request_error`).

Values that come from outside (a name, an email) go in params, never in the
template, so a "%" in them is not read as a placeholder."""

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def field_message(field: str, template: str, code: str, /, **params) -> ValidationError:
    """One message about `field`, to key by it (or to collect with others)."""
    return ValidationError(template, code=code, params={"field": field, **params})


def field_error(field: str, template: str, code: str, /, **params) -> ValidationError:
    """A ValidationError keyed by `field` with one message, ready to raise."""
    return ValidationError({field: field_message(field, template, code, **params)})


def request_error(template: str, code: str, /, **params) -> ValidationError:
    """A ValidationError about the request as a whole, not one of its fields."""
    return ValidationError({NON_FIELD_ERRORS: ValidationError(template, code=code, params=params)})


def merge(errors: Iterable[ValidationError]) -> ValidationError:
    """Several keyed ValidationErrors as one, fields in the order they first appear."""
    collected: dict[str, list[ValidationError]] = {}
    for error in errors:
        error.update_error_dict(collected)
    return ValidationError(collected)


def render(error: ValidationError, field: str) -> str:
    """One message (an item of `error_dict`) in words, its field called `field`."""
    if not error.params:
        return str(error.message)
    params = dict(error.params)
    if "field" in params:
        params["field"] = field
    return str(error.message) % params


def names_its_field(error: ValidationError) -> bool:
    return bool(error.params) and "field" in error.params


class Refusals:
    """A write's refusals collected field by field, so one answer names every wrong
    field: `check(rule, ...)` returns the rule's value, or None after noting why (every
    message the rule gave: a document's lines name each bad line)."""

    def __init__(self):
        self.errors: dict[str, ValidationError] = {}

    def check(self, rule, *args, **options):
        try:
            return rule(*args, **options)
        except ValidationError as exc:
            self.errors.update(
                {key: ValidationError(messages) for key, messages in exc.error_dict.items()}
            )
            return None
