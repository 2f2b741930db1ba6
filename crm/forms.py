from itertools import zip_longest

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone

from config.limits import (
    CUSTOMFIELD_TITLE_MAX_CHARS,
    CUSTOMFIELD_VALUE_MAX_CHARS,
    CUSTOMFIELDS_MAX_ITEMS,
    JOURNAL_CONTENT_MAX_CHARS,
    NOTES_MAX_CHARS,
)
from config.upload_limits import OversizedUpload, human_size, too_large_message, upload_max_bytes
from config.uploads import DOCUMENT_POLICY, IMAGE_POLICY, checked_upload

from . import importing, services
from .models import Activity, Company, Contact

ADDRESS_FIELDS = ("line1", "line2", "line3", "city", "district", "postcode", "country")


def max_length(model, field_name: str) -> int:
    """A text field's limit, as its column has it."""
    return model._meta.get_field(field_name).max_length


def text_to_rows(text: str) -> list[dict]:
    """ "Title: value" lines as editor rows, without judging them."""
    rows = []
    for line in text.splitlines():
        if line.strip():
            title, value = line.split(":", 1) if ":" in line else ("", line)
            rows.append({"title": title.strip(), "value": value.strip()})
    return rows


class CustomFieldsWidget(forms.Widget):
    """Custom fields as rows of a title and a value input, posted as the lists
    `<name>_title` and `<name>_value`. The template draws the rows (see
    ConnectionForm.customfield_rows); a plain `<name>` in "Title: value" lines is
    still read, so older forms and scripts keep working."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            titles, values = data.getlist(f"{name}_title"), data.getlist(f"{name}_value")
        else:
            titles, values = data.get(f"{name}_title", []), data.get(f"{name}_value", [])
        if not titles and not values and name in data:
            return data.get(name)
        rows = zip_longest(titles, values, fillvalue="")
        return [{"title": title, "value": value} for title, value in rows]

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_title" not in data


def customfield_row_errors(rows: list[dict]) -> dict[int, str]:
    """The problems of the rows, by row index; blank rows are simply dropped."""
    errors = {}
    for index, row in enumerate(rows):
        title, value = row["title"].strip(), row["value"].strip()
        if value and not title:
            errors[index] = f"Give “{value[:40]}” a title."
        elif len(title) > CUSTOMFIELD_TITLE_MAX_CHARS:
            errors[index] = f"A title can be at most {CUSTOMFIELD_TITLE_MAX_CHARS} characters."
        elif len(value) > CUSTOMFIELD_VALUE_MAX_CHARS:
            errors[index] = f"A value can be at most {CUSTOMFIELD_VALUE_MAX_CHARS} characters."
    return errors


class CustomFieldsField(forms.Field):
    widget = CustomFieldsWidget

    def to_python(self, value):
        if value in (None, "", []):
            return []
        if isinstance(value, str):
            try:
                return services.customfields_from_text(value)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        rows = [{"title": row["title"].strip(), "value": row["value"].strip()} for row in value]
        filled = [row for row in rows if row["title"] or row["value"]]
        if len(filled) > CUSTOMFIELDS_MAX_ITEMS:
            raise forms.ValidationError(
                f"Keep to {CUSTOMFIELDS_MAX_ITEMS} custom fields or fewer "
                f"(there are {len(filled)})."
            )
        problems = customfield_row_errors(rows)
        if problems:
            # Each row shows its own problem (customfield_rows); this sums them up.
            rows_text = "the marked row" if len(problems) == 1 else "the marked rows"
            raise forms.ValidationError(f"Fix {rows_text} to save the custom fields.")
        return [row for row in rows if row["title"]]


class ConnectionForm(forms.Form):
    """Fields companies and people share; services do the rest of the checking."""

    telephone = forms.CharField(max_length=max_length(Company, "telephone"), required=False)
    tags = forms.CharField(
        required=False,
        help_text="Separate tags with commas.",
        widget=forms.TextInput(attrs={"list": "tag-suggestions", "autocomplete": "off"}),
    )
    line1 = forms.CharField(
        label="Address line 1", max_length=max_length(Company, "line1"), required=False
    )
    line2 = forms.CharField(
        label="Address line 2", max_length=max_length(Company, "line2"), required=False
    )
    line3 = forms.CharField(
        label="Address line 3", max_length=max_length(Company, "line3"), required=False
    )
    city = forms.CharField(max_length=max_length(Company, "city"), required=False)
    district = forms.CharField(
        label="County / district", max_length=max_length(Company, "district"), required=False
    )
    postcode = forms.CharField(max_length=max_length(Company, "postcode"), required=False)
    country = forms.CharField(max_length=max_length(Company, "country"), required=False)
    customfields = CustomFieldsField(
        label="Custom fields",
        required=False,
        help_text="Anything else to keep, such as a VAT number or an account manager.",
    )
    creditlimit = forms.DecimalField(
        label="Credit limit", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    notes = forms.CharField(
        required=False, max_length=NOTES_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )
    # A plain file field: checked_upload reads the image itself, after the size check.
    image = forms.FileField(
        required=False,
        widget=forms.FileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp", "data-preview": "1"}
        ),
    )
    # Shown by the template only when there is an image to remove.
    remove_image = forms.BooleanField(label="Remove image", required=False)

    def customfield_rows(self) -> list[dict]:
        """The rows the custom fields editor shows, each with its own error: what was
        posted, or the saved pairs plus an empty row to fill in."""
        field = self["customfields"]
        if self.is_bound:
            posted = field.field.widget.value_from_datadict(self.data, self.files, field.html_name)
            rows = text_to_rows(posted) if isinstance(posted, str) else posted
            rows = [dict(row) for row in rows]
            for index, message in customfield_row_errors(rows).items():
                rows[index]["error"] = message
        else:
            rows = [dict(pair) for pair in (field.initial or [])]
        if not rows or not self.is_bound:
            rows.append({"title": "", "value": ""})
        return rows

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload or not hasattr(upload, "read"):
            return upload
        return checked_upload(upload, IMAGE_POLICY, "The image")

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        values.pop("image", None)
        values.pop("remove_image", None)
        return values

    @staticmethod
    def initial_for(obj) -> dict:
        return {
            "telephone": obj.telephone,
            "tags": ", ".join(tag.name for tag in obj.tags.all()),
            **{key: getattr(obj, key) for key in ADDRESS_FIELDS},
            "customfields": [dict(pair) for pair in obj.customfields],
            "creditlimit": obj.creditlimit,
            "notes": obj.notes,
        }


class CompanyForm(ConnectionForm):
    name = forms.CharField(max_length=max_length(Company, "name"))
    website = forms.CharField(
        max_length=max_length(Company, "website"),
        required=False,
        help_text="e.g. studio.example; https:// is added when left out.",
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url"}),
    )
    is_supplier = forms.BooleanField(label="Supplier (they bill us)", required=False)

    field_order = ["name", "website", "telephone", "is_supplier", "tags"]

    @classmethod
    def initial_for(cls, company: Company) -> dict:
        return {
            **ConnectionForm.initial_for(company),
            "name": company.name,
            "website": company.website,
            "is_supplier": company.is_supplier,
        }


class ContactForm(ConnectionForm):
    name = forms.CharField(
        label="Full name",
        max_length=max_length(Contact, "fullname"),
        help_text="e.g. Dr Jane Smith",
    )
    email = forms.EmailField(required=False)
    companyname = forms.CharField(
        label="Company",
        max_length=max_length(Company, "name"),
        required=False,
        help_text="Pick an existing company, or type a new name to create it.",
        widget=forms.TextInput(
            attrs={
                "list": "company-suggestions",
                "autocomplete": "off",
                # Suggestions and the "new company" note follow what is typed.
                "hx-get": reverse_lazy("crm:company_suggestions"),
                "hx-trigger": "input changed delay:200ms",
                "hx-target": "#company-suggestions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )
    position = forms.CharField(max_length=max_length(Contact, "position"), required=False)

    field_order = ["name", "email", "telephone", "companyname", "position", "tags"]

    def service_values(self) -> dict:
        values = super().service_values()
        if not values.get("companyname"):
            # An emptied company field takes them out of their company.
            values.pop("companyname", None)
            values["companyid"] = None
        return values

    @classmethod
    def initial_for(cls, contact: Contact) -> dict:
        return {
            **ConnectionForm.initial_for(contact),
            "name": contact.fullname,
            "email": contact.email,
            "companyname": contact.company.name if contact.company_id else "",
            "position": contact.position,
        }


JOURNAL_KINDS = [
    ("comment", "Comment"),
    ("callin", "Call in"),
    ("callout", "Call out"),
    ("email", "Email"),
]


class JournalEntryForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=JOURNAL_KINDS)
    title = forms.CharField(label="Subject", max_length=max_length(Activity, "title"))
    content = forms.CharField(
        label="Details",
        required=False,
        max_length=JOURNAL_CONTENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Filled with the time the form was shown; left as it is, the entry is dated
    # when it is saved. Changed, it logs yesterday's call on yesterday.
    date = forms.DateTimeField(
        label="When",
        required=False,
        show_hidden_initial=True,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    attachment = forms.FileField(label="Attach a file", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = lambda: timezone.localtime().replace(second=0, microsecond=0)

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return upload
        return checked_upload(upload, DOCUMENT_POLICY, "The file")

    def service_values(self) -> dict:
        kind = self.cleaned_data["kind"]
        return {
            "title": self.cleaned_data["title"],
            "content": self.cleaned_data.get("content", ""),
            "type": Activity.Type.COMMENT,
            "subtype": "" if kind == "comment" else kind,
            # None (now) unless someone changed the time shown.
            "date": self.cleaned_data["date"] if "date" in self.changed_data else None,
        }


class ReplyForm(forms.Form):
    content = forms.CharField(
        label="Reply",
        max_length=JOURNAL_CONTENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write something to reply."},
    )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is in the file", choices=[("people", "People"), ("companies", "Companies")]
    )
    file = forms.FileField(label="CSV file", help_text="UTF-8 or Windows encoded, up to 5 MB.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused by its size alone, before the import reads it into memory.
        if isinstance(upload, OversizedUpload) or upload.size > upload_max_bytes():
            raise forms.ValidationError(too_large_message("The file"))
        if upload.size > importing.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {human_size(importing.MAX_BYTES)}; "
                "split it into smaller files."
            )
        return upload
