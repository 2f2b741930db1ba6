"""add_service_errors: a service's keyed errors on the form's fields, in the form's words."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from accounts import services
from accounts.forms import UserForm
from config.errors import field_error, request_error
from config.pages import add_service_errors


class RateForm(forms.Form):
    code = forms.CharField()
    name = forms.CharField()
    breakeven = forms.DecimalField(label="Monthly breakeven")
    permissions = forms.CharField(label="Areas", required=False)

    service_field_names = {"restrictions": "permissions"}


def bound_form():
    form = RateForm({"code": "001", "name": "Standard VAT", "breakeven": "1"})
    assert form.is_valid()
    return form


@pytest.mark.parametrize(
    "error,field,shown",
    [
        (
            field_error("code", "%(field)s %(value)s is already in use.", "taken", value="001"),
            "code",
            "Code 001 is already in use.",
        ),
        (
            field_error("breakeven", "%(field)s must be an amount of 0 or more.", "out_of_range"),
            "breakeven",
            "Monthly breakeven must be an amount of 0 or more.",
        ),
        (field_error("name", "%(field)s is required.", "required"), "name", "Name is required."),
        # A message that doesn't name its field is shown as it is.
        (
            field_error("code", "That code is reserved.", "reserved"),
            "code",
            "That code is reserved.",
        ),
        # A value that looks like a placeholder is a value, not a template.
        (
            field_error(
                "code", "%(field)s %(value)s is already in use.", "taken", value="%(field)s"
            ),
            "code",
            "Code %(field)s is already in use.",
        ),
    ],
)
def test_messages_name_the_field_by_its_label(error, field, shown):
    form = bound_form()
    add_service_errors(form, error)
    assert form.errors[field] == [shown]


def test_a_field_the_form_names_differently_uses_the_form_fields_label():
    form = bound_form()
    error = field_error("restrictions", "%(field)s has unknown areas: %(areas)s.", "x", areas="x")
    add_service_errors(form, error)
    assert form.errors["permissions"] == ["Areas has unknown areas: x."]


@pytest.mark.django_db
def test_the_user_forms_areas_and_address_take_the_services_restrictions_and_address():
    form = UserForm({"name": "Aoife", "email": "a@docket.test"}, collaborator=False)
    assert form.is_valid()
    with pytest.raises(ValidationError) as refused:
        services.normalise_permissions(["nowhere"])
    add_service_errors(form, refused.value)
    assert form.errors["permissions"][0].startswith("Areas has unknown areas: nowhere (known: ")
    form = UserForm(
        {"name": "Aoife", "email": "a@docket.test"}, collaborator=False, with_address=True
    )
    assert form.is_valid()
    add_service_errors(form, field_error("address", "%(field)s must be an object.", "shape"))
    assert form.errors["address_line1"] == ["Address line 1 must be an object."]


def test_email_clash_on_the_user_form_reads_naturally():
    form = UserForm({"name": "Aoife", "email": "aoife@docket.test"}, collaborator=False)
    assert form.is_valid()
    error = field_error(
        "email",
        "%(field)s %(email)s is already used by another user.",
        "taken",
        email="aoife@docket.test",
    )
    add_service_errors(form, error)
    assert form.errors["email"] == ["Email aoife@docket.test is already used by another user."]


def test_messages_about_the_request_or_other_fields_are_the_forms_and_start_with_a_capital():
    form = bound_form()
    add_service_errors(form, request_error("You cannot delete your own user.", "yourself"))
    assert form.non_field_errors() == ["You cannot delete your own user."]
    form = bound_form()
    add_service_errors(form, field_error("unknown", "%(field)s is wrong.", "wrong"))
    assert form.non_field_errors() == ["Unknown is wrong."]
    form = bound_form()
    add_service_errors(form, ValidationError(["rate can have at most 4 decimal places."]))
    assert form.non_field_errors() == ["Rate can have at most 4 decimal places."]


@pytest.mark.django_db
def test_a_form_words_a_service_rule_its_own_way_by_the_errors_code():
    """The rule (a restricted user needs an area) lives in the service; the user form
    shows it in the page's words, on its own field."""
    from accounts import services

    form = UserForm(
        {"name": "Rita", "email": "rita@studio.test", "restricted": "on"}, collaborator=False
    )
    assert form.is_valid()
    with pytest.raises(ValidationError) as refused:
        services.create_user(**form.service_fields(), send_invite=False)
    add_service_errors(form, refused.value)
    assert form.errors["permissions"] == [
        "Tick at least one area they may use, or untick Restricted."
    ]
    # Without its own wording, a field shows the service's sentence with its label.
    form = bound_form()
    add_service_errors(
        form, field_error("restrictions", "%(field)s must name an area.", "other_code")
    )
    assert form.errors["permissions"] == ["Areas must name an area."]
    # Off, the areas don't matter.
    assert UserForm({"name": "Rita", "email": "r@studio.test"}, collaborator=False).is_valid()
