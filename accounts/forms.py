from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError

from config.parsing import parse_id_list

from . import throttle
from .models import PERMISSION_AREAS, PrivateTask, User


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean(self):
        # The backend enforces the limits; the form says how long to wait, even to
        # someone with the right password, before it is checked.
        email = self.cleaned_data.get("username")
        address = throttle.client_address(self.request)
        if email and (refusal := throttle.sign_in_refusal(email, address)):
            raise ValidationError(refusal.message, code="throttled")
        try:
            return super().clean()
        except ValidationError:
            if email and (refusal := throttle.sign_in_refusal(email, address)):
                raise ValidationError(refusal.message, code="throttled") from None
            raise


class StyledPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def save(self, *args, request=None, **kwargs):
        # Over the limit nothing is sent, and the page says what it always says.
        email = self.cleaned_data["email"]
        if throttle.allow_reset_email(email, throttle.client_address(request)):
            super().save(*args, request=request, **kwargs)


class StyledSetPasswordForm(SetPasswordForm):
    pass


class UserForm(forms.Form):
    """Adds or edits a user; the rules live in accounts.services."""

    # The service's fields this form shows under other names (add_service_errors).
    service_field_names = {"restrictions": "permissions", "address": "address_line1"}
    # The service's rule that a restricted user needs an area, in the page's words.
    service_messages = {"no_area": "Tick at least one area they may use, or untick Restricted."}

    name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)
    jobtitle = forms.CharField(label="Job title", max_length=150, required=False)
    telephone = forms.CharField(max_length=50, required=False)
    restricted = forms.BooleanField(
        label="Restricted: can only use the areas ticked below",
        required=False,
        # static/js/app.js greys out the areas while this is off.
        widget=forms.CheckboxInput(attrs={"data-enables": "permissions"}),
    )
    permissions = forms.MultipleChoiceField(
        label="Areas",
        choices=list(PERMISSION_AREAS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    jobs = forms.CharField(
        label="Job numbers",
        required=False,
        help_text="Comma separated numbers of the jobs they may work on.",
    )
    address_line1 = forms.CharField(label="Address line 1", max_length=200, required=False)
    address_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    address_city = forms.CharField(label="City", max_length=100, required=False)
    address_postcode = forms.CharField(label="Postcode", max_length=20, required=False)
    address_country = forms.CharField(label="Country", max_length=100, required=False)

    ADDRESS_FIELDS = (
        "address_line1",
        "address_line2",
        "address_city",
        "address_postcode",
        "address_country",
    )

    def __init__(self, *args, collaborator: bool, with_address: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.collaborator = collaborator
        if collaborator:
            del self.fields["restricted"]
            del self.fields["permissions"]
        else:
            del self.fields["jobs"]
        if not with_address:
            for name in self.ADDRESS_FIELDS:
                del self.fields[name]

    def clean_jobs(self):
        raw = self.cleaned_data.get("jobs", "")
        try:
            return parse_id_list(raw) if raw.strip() else []
        except ValueError:
            raise forms.ValidationError(
                "Enter job numbers separated by commas, e.g. 12, 15."
            ) from None

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if self.collaborator:
            data["collaborator"] = True
        else:
            data["collaborator"] = False
            restricted = data.pop("restricted", False)
            permissions = data.pop("permissions", [])
            data["restrictions"] = permissions if restricted else []
            data["restricted"] = restricted
        return data

    @classmethod
    def initial_for(cls, user: User) -> dict:
        return {
            "name": user.name,
            "email": user.email,
            "jobtitle": user.jobtitle,
            "telephone": user.telephone,
            "restricted": user.restricted,
            "permissions": user.permissions,
            "jobs": ", ".join(str(job) for job in user.collaborator_jobs),
            **{name: getattr(user, name) for name in cls.ADDRESS_FIELDS},
        }


class PrivateTaskForm(forms.Form):
    """A private task added on the dashboard's "My day"; the rules are the service's."""

    text = forms.CharField(
        label="Task",
        required=False,
        widget=forms.TextInput(
            attrs={
                "maxlength": PrivateTask._meta.get_field("text").max_length,
                "placeholder": "Add a task for this day",
                "autocomplete": "off",
            }
        ),
    )
