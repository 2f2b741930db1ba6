from datetime import datetime, time

from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils import timezone

from config.countries import country_choices
from config.limits import DOCUMENT_TEXT_MAX_CHARS
from config.upload_limits import human_size, upload_max_bytes
from config.uploads import IMAGE_POLICY, checked_upload

from .models import PERMISSION_AREAS, AccountSettings, Webhook
from .oauth import APP_NAME_MAX, REDIRECT_URI_MAX_LENGTH, REDIRECT_URIS_MAX
from .services import DOCUMENT_TEXT_FIELDS, NUMBER_LIMITS, TEXT_FIELDS
from .webhooks import event_names

TIMEROUND_CHOICES = [
    (0, "Off: keep exact times"),
    (1, "1 minute"),
    (5, "5 minutes"),
    (6, "6 minutes (tenth of an hour)"),
    (10, "10 minutes"),
    (15, "15 minutes"),
    (30, "30 minutes"),
    (60, "1 hour"),
]


class CompanyDetailsForm(forms.ModelForm):
    class Meta:
        model = AccountSettings
        # The service's text settings, then the two it checks by their own rules.
        fields = [*TEXT_FIELDS, "country", "currency", "default_payment_terms"]
        labels = {
            "company_name": "Company name",
            "company_email": "Email",
            "company_telephone": "Telephone",
            "company_website": "Website",
            "company_address": "Address",
        }
        widgets = {
            "company_address": forms.Textarea(attrs={"rows": 4}),
            "bank_details": forms.Textarea(attrs={"rows": 3}),
        }

    # The country reads as the address's last line; the other fields keep their order.
    field_order = [*TEXT_FIELDS[: TEXT_FIELDS.index("company_address") + 1], "country"]

    country = forms.ChoiceField(
        label="Country",
        choices=[("", "Choose a country"), *country_choices()],
        required=False,
        help_text="Where the business is registered. E-invoices must name it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Text columns without a max_length of their own: held to the service's limit.
        for name in DOCUMENT_TEXT_FIELDS:
            field = self.fields[name]
            field.max_length = DOCUMENT_TEXT_MAX_CHARS
            field.validators.append(MaxLengthValidator(DOCUMENT_TEXT_MAX_CHARS))
            field.widget.attrs["maxlength"] = str(DOCUMENT_TEXT_MAX_CHARS)


class NumberingForm(forms.ModelForm):
    timeround = forms.TypedChoiceField(
        label="Round each time entry up to", choices=TIMEROUND_CHOICES, coerce=int
    )

    class Meta:
        model = AccountSettings
        fields = ["nextproposalid", "nextinvoiceid", "nextcreditid", "timeround", "breakeven"]
        labels = {"breakeven": "Monthly breakeven"}
        help_texts = {
            "nextproposalid": "Proposals and the projects made from them share this counter.",
            "breakeven": "The takings a month that cover your costs; reports compare against it.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown in front of the input (components/form_field.html): an amount, in the
        # account's currency.
        self.fields["breakeven"].prefix = self.instance.currency_symbol.strip()
        # The same bounds the service keeps, so the browser says so in plain words
        # instead of Django's "less than or equal to 9223372036854775807".
        for name in ("nextproposalid", "nextinvoiceid", "nextcreditid"):
            low, high = NUMBER_LIMITS[name]
            field = self.fields[name]
            field.min_value, field.max_value = low, high
            field.widget.attrs.update(min=low, max=high)
            field.validators = [
                validator
                for validator in field.validators
                if not isinstance(validator, MinValueValidator | MaxValueValidator)
            ] + [
                MinValueValidator(low, f"Use a number from {low} to {high:,}."),
                MaxValueValidator(high, f"Use a number from {low} to {high:,}."),
            ]


class LogoForm(forms.Form):
    # A plain file field: checked_upload reads the image itself, after the size check.
    logo = forms.FileField(
        label="Logo image",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["logo"].help_text = (
            f"PNG, JPG, GIF or WebP, up to {human_size(upload_max_bytes())}. "
            "Shown on documents and in the app."
        )

    def clean_logo(self):
        return checked_upload(self.cleaned_data["logo"], IMAGE_POLICY, "The file")


class CredentialForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use it, e.g. “Xero sync” or “Website contact form”.",
    )
    expires = forms.DateField(
        label="Expires on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    SCOPE_CHOICES = [("write", "Read and write"), ("read", "Read only"), ("", "No access")]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for area, label in PERMISSION_AREAS.items():
            self.fields[f"scope_{area}"] = forms.ChoiceField(
                label=label,
                choices=self.SCOPE_CHOICES,
                required=False,
                # Nobody hands out more than they have (the service insists too).
                initial="write" if user is None or user.can(area) else "",
            )

    def scope_fields(self):
        return [self[f"scope_{area}"] for area in PERMISSION_AREAS]

    def main_fields(self):
        return [self["name"], self["expires"]]

    def clean_expires(self):
        expires = self.cleaned_data.get("expires")
        if expires and expires <= timezone.localdate():
            raise forms.ValidationError("Choose a date after today.")
        return expires

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.scopes():
            raise forms.ValidationError("Give the credentials access to at least one area.")
        return cleaned

    def scopes(self) -> list[str]:
        return [
            f"{area}:{self.cleaned_data[f'scope_{area}']}"
            for area in PERMISSION_AREAS
            if self.cleaned_data.get(f"scope_{area}")
        ]

    def expires_at(self):
        expires = self.cleaned_data.get("expires")
        if not expires:
            return None
        return timezone.make_aware(datetime.combine(expires, time.max))


class WebhookForm(forms.Form):
    """A webhook's URL, description, events and switch; the rules are the service's."""

    url = forms.CharField(
        label="URL",
        max_length=Webhook._meta.get_field("url").max_length,
        help_text="Where Docket posts the events, e.g. https://example.com/docket-hook.",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=Webhook._meta.get_field("description").max_length,
        help_text="What it is for, e.g. “Accounts sync”.",
    )
    active = forms.BooleanField(label="Active: send it events", required=False, initial=True)
    events = forms.MultipleChoiceField(
        label="Events",
        widget=forms.CheckboxSelectMultiple,
        required=False,  # "Choose at least one event." is the service's
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for name in event_names():
            kind, _, action = name.partition(".")
            groups.setdefault(EVENT_GROUP_TITLES.get(kind, kind.title()), []).append((name, name))
        self.fields["events"].choices = list(groups.items())


EVENT_GROUP_TITLES = {
    "contact": "People",
    "company": "Companies",
    "project": "Projects",
    "job": "Jobs",
    "timesheet": "Time entries",
    "invoice": "Invoices",
    "creditnote": "Credit notes",
    "payment": "Payments",
    "proposal": "Proposals",
}


class AppForm(forms.Form):
    """An OAuth app to register; accounts.oauth.create_app checks it."""

    name = forms.CharField(
        label="Name",
        max_length=APP_NAME_MAX,
        help_text="People see it when they are asked to allow the app.",
    )
    redirect_uris = forms.CharField(
        label="Redirect URIs",
        # Room for the most URIs the service takes, so it names what is wrong.
        max_length=REDIRECT_URIS_MAX * (REDIRECT_URI_MAX_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=(
            f"One a line, at most {REDIRECT_URIS_MAX}: where people go back to after "
            "they answer. https://, or http:// to 127.0.0.1, [::1] or localhost."
        ),
    )
