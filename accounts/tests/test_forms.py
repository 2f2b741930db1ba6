"""add_service_errors: a service's sentences on the form's fields, in the form's words."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from accounts.forms import UserForm
from config.pages import add_service_errors


class RateForm(forms.Form):
    code = forms.CharField()
    name = forms.CharField()
    breakeven = forms.DecimalField(label="Monthly breakeven")
    permissions = forms.CharField(label="Areas", required=False)


def bound_form():
    form = RateForm({"code": "001", "name": "Standard VAT", "breakeven": "1"})
    assert form.is_valid()
    return form


@pytest.mark.parametrize(
    "field,message,shown",
    [
        (
            "code",
            "code 001 is already in use.",
            "Code 001 is already in use.",
        ),
        (
            "breakeven",
            "breakeven must be an amount of 0 or more.",
            "Monthly breakeven must be an amount of 0 or more.",
        ),
        ("name", "name is required.", "Name is required."),
        # A message that doesn't start with the field's name is left as it is.
        ("code", "That code is reserved.", "That code is reserved."),
        # "codes" is not "code".
        ("code", "codes are short.", "codes are short."),
    ],
)
def test_messages_start_with_the_label_not_the_api_name(field, message, shown):
    form = bound_form()
    add_service_errors(form, ValidationError({field: message}))
    assert form.errors[field] == [shown]


def test_aliased_fields_use_the_form_fields_label():
    form = bound_form()
    error = ValidationError({"restrictions": "restrictions has unknown areas: x."})
    add_service_errors(form, error, {"restrictions": "permissions"})
    assert form.errors["permissions"] == ["Areas has unknown areas: x."]


def test_email_clash_on_the_user_form_reads_naturally():
    form = UserForm({"name": "Aoife", "email": "aoife@docket.test"}, collaborator=False)
    assert form.is_valid()
    error = ValidationError({"email": "email aoife@docket.test is already used by another user."})
    add_service_errors(form, error)
    assert form.errors["email"] == ["Email aoife@docket.test is already used by another user."]


def test_a_message_without_a_field_goes_on_the_field_it_names():
    form = bound_form()
    add_service_errors(form, ValidationError("name must be at most 100 characters."))
    assert form.errors["name"] == ["Name must be at most 100 characters."]


def test_other_messages_without_a_field_are_the_forms_and_start_with_a_capital():
    form = bound_form()
    add_service_errors(form, ValidationError(["rate can have at most 4 decimal places."]))
    assert form.non_field_errors() == ["Rate can have at most 4 decimal places."]
    form = bound_form()
    add_service_errors(form, ValidationError({"unknown": "unknown is wrong."}))
    assert form.non_field_errors() == ["Unknown is wrong."]


@pytest.mark.django_db
def test_restricted_needs_at_least_one_area():
    form = UserForm(
        {"name": "Rita", "email": "rita@studio.test", "restricted": "on"}, collaborator=False
    )
    assert not form.is_valid()
    assert form.errors["permissions"] == [
        "Tick at least one area they may use, or untick Restricted."
    ]
    form = UserForm(
        {
            "name": "Rita",
            "email": "rita@studio.test",
            "restricted": "on",
            "permissions": ["reports"],
        },
        collaborator=False,
    )
    assert form.is_valid()
    # Off, the areas don't matter.
    assert UserForm({"name": "Rita", "email": "r@studio.test"}, collaborator=False).is_valid()
