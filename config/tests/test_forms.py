"""A refused form starts the keyboard at what needs fixing: its first wrong field, or
its error summary, carries `autofocus` (config/forms.py)."""

import re

import pytest
from django import forms

from config.forms import first_wrong_field
from config.money import typed_amount

pytestmark = pytest.mark.django_db


class ContactForm(forms.Form):
    secret = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField()
    email = forms.EmailField()
    notes = forms.CharField(required=False)

    def clean(self):
        if self.cleaned_data.get("notes") == "clash":
            raise forms.ValidationError("These two can't go together.")
        return self.cleaned_data


def autofocused(html: str) -> list[str]:
    return re.findall(r'<input[^>]*name="(\w+)"[^>]*autofocus', html)


def test_only_the_first_wrong_field_is_autofocused():
    form = ContactForm({"secret": "", "name": "Ada", "email": "nope", "notes": ""})
    assert not form.is_valid()
    # The hidden field is wrong too, but the keyboard can't go there.
    assert first_wrong_field(form) == "email"
    assert autofocused(str(form)) == ["email"]


def test_a_form_that_is_not_refused_takes_no_focus():
    assert autofocused(str(ContactForm())) == []
    form = ContactForm({"secret": "x", "name": "Ada", "email": "ada@engine.test"})
    assert form.is_valid()
    assert autofocused(str(form)) == []


def test_an_error_about_the_whole_form_leaves_the_focus_to_its_summary():
    form = ContactForm({"secret": "x", "name": "", "email": "ada@engine.test", "notes": "clash"})
    assert not form.is_valid()
    assert autofocused(str(form)) == []


def test_the_sign_in_page_focuses_its_error_without_script(client):
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert autofocused(html) == ["username"]
    html = client.post(
        "/accounts/login/", {"username": "nobody@studio.test", "password": "wrong"}
    ).content.decode()
    # The first autofocus on the page wins: the summary, before the email field (which
    # Django's sign-in form autofocuses anyway).
    first = re.search(r"<[^>]* autofocus[ >]", html).group(0)
    assert first == '<div class="form-errors" role="alert" tabindex="-1" autofocus>'
    assert "<script" not in html  # the signed-out pages load none


@pytest.mark.parametrize(
    "typed, read",
    [
        ("1,000.00", "1000.00"),
        ("£1,847.48", "1847.48"),
        (" $ 12,345,678.9 ", "12345678.9"),
        ("-1,250", "-1250"),
        ("1234.5", "1234.5"),
        # Not grouped in threes: left for the service to refuse by name.
        ("12,5", "12,5"),
        ("1,23", "1,23"),
        ("1,2345", "1,2345"),
        ("abc", "abc"),
        ("", ""),
    ],
)
def test_an_amount_is_read_as_the_pages_write_money(typed, read):
    assert typed_amount(typed) == read
