"""The one error protocol: a service's ValidationError keyed by field, with a code and
a template, read by the API (Depot's sentences and fields) and by page forms (their
labels) without either parsing the sentences."""

from django import forms
from django.core.exceptions import ValidationError

from config.api.errors import ApiValidationError
from config.errors import field_error, field_message, merge, request_error
from config.pages import add_service_errors


class ClientForm(forms.Form):
    name = forms.CharField(label="Client name")
    creditlimit = forms.DecimalField(label="Credit limit")


def refusal():
    return merge(
        [
            field_error(
                "name", "%(field)s must be at most %(limit)s characters.", "max_length", limit=100
            ),
            request_error(
                "%(name)s can't be deleted while it has 1 project.", "in_use", name="50%"
            ),
            ValidationError(
                {
                    "creditlimit": [
                        field_message("creditlimit", "%(field)s is required.", "required"),
                        # Django's own message, from a model's full_clean: no field param.
                        ValidationError("Ensure this value is positive.", code="min_value"),
                    ]
                }
            ),
        ]
    )


def test_the_api_answers_with_its_field_names_in_the_order_raised():
    answer = ApiValidationError.from_service(refusal())
    assert answer.errors == [
        "name must be at most 100 characters.",
        "50% can't be deleted while it has 1 project.",
        "creditlimit is required.",
        "creditlimit: Ensure this value is positive.",
    ]
    assert answer.fields == {
        "name": ["name must be at most 100 characters."],
        "creditlimit": ["creditlimit is required.", "creditlimit: Ensure this value is positive."],
    }
    assert list(answer.fields) == ["name", "creditlimit"]


def test_a_form_shows_the_same_errors_with_its_labels():
    form = ClientForm({"name": "Acme", "creditlimit": "1"})
    assert form.is_valid()
    add_service_errors(form, refusal())
    assert form.errors["name"] == ["Client name must be at most 100 characters."]
    assert form.errors["creditlimit"] == [
        "Credit limit is required.",
        "Ensure this value is positive.",
    ]
    assert form.non_field_errors() == ["50% can't be deleted while it has 1 project."]


def test_the_codes_travel_with_the_messages():
    error = refusal()
    assert [e.code for e in error.error_dict["creditlimit"]] == ["required", "min_value"]


def test_explicit_fields_for_the_apis_own_refusals():
    one = ApiValidationError("rows must be a whole number.", field="rows")
    assert (one.errors, one.fields) == (
        ["rows must be a whole number."],
        {"rows": ["rows must be a whole number."]},
    )
    whole = ApiValidationError("The request body is not valid JSON.")
    assert (whole.errors, whole.fields) == (["The request body is not valid JSON."], {})
    several = ApiValidationError.by_field(
        [
            ("b", "b is required."),
            (None, "The chunk is empty."),
            ("a", "a is required."),
            ("b", "b x."),
        ]
    )
    assert several.errors == ["b is required.", "The chunk is empty.", "a is required.", "b x."]
    assert several.fields == {"b": ["b is required.", "b x."], "a": ["a is required."]}
