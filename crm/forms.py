from django import forms

from config.api.errors import ApiValidationError
from config.api.uploads import IMAGE_POLICY, check_upload, safe_filename

from .models import Activity, Company, Contact

ADDRESS_FIELDS = ("line1", "line2", "line3", "city", "district", "postcode", "country")


def customfields_to_text(pairs: list[dict]) -> str:
    return "\n".join(f"{pair['title']}: {pair['value']}" for pair in pairs)


def text_to_customfields(text: str) -> list[dict]:
    pairs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if ":" not in line:
            raise forms.ValidationError(f"“{line.strip()}” needs a colon: Title: value.")
        title, value = line.split(":", 1)
        if not title.strip():
            raise forms.ValidationError(f"“{line.strip()}” needs a title before the colon.")
        pairs.append({"title": title.strip(), "value": value.strip()})
    return pairs


class ConnectionForm(forms.Form):
    """Fields companies and people share; services do the rest of the checking."""

    telephone = forms.CharField(max_length=50, required=False)
    tags = forms.CharField(
        required=False,
        help_text="Separate tags with commas.",
        widget=forms.TextInput(attrs={"list": "tag-suggestions", "autocomplete": "off"}),
    )
    line1 = forms.CharField(label="Address line 1", max_length=200, required=False)
    line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    line3 = forms.CharField(label="Address line 3", max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    district = forms.CharField(label="County / district", max_length=100, required=False)
    postcode = forms.CharField(max_length=20, required=False)
    country = forms.CharField(max_length=100, required=False)
    customfields = forms.CharField(
        label="Custom fields",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Twitter: @studio\nVAT: GB123"}),
        help_text="One per line, as Title: value.",
    )
    creditlimit = forms.DecimalField(
        label="Credit limit", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    image = forms.ImageField(
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp", "data-preview": "1"}
        ),
    )

    def clean_customfields(self):
        return text_to_customfields(self.cleaned_data.get("customfields", ""))

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload or not hasattr(upload, "read"):
            return upload
        content = upload.read()
        name = safe_filename(upload.name)
        try:
            check_upload(name, content, IMAGE_POLICY)
        except ApiValidationError as exc:
            raise forms.ValidationError(
                [error.replace("_tbxFile1", "The image") for error in exc.errors]
            ) from None
        upload.seek(0)
        upload.name = name
        return upload

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        values.pop("image", None)
        return values

    @staticmethod
    def initial_for(obj) -> dict:
        return {
            "telephone": obj.telephone,
            "tags": ", ".join(tag.name for tag in obj.tags.all()),
            **{key: getattr(obj, key) for key in ADDRESS_FIELDS},
            "customfields": customfields_to_text(obj.customfields),
            "creditlimit": obj.creditlimit,
            "notes": obj.notes,
        }


class CompanyForm(ConnectionForm):
    name = forms.CharField(max_length=200)
    website = forms.CharField(max_length=200, required=False)
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
    name = forms.CharField(label="Full name", max_length=300, help_text="e.g. Dr Jane Smith")
    email = forms.EmailField(required=False)
    companyname = forms.CharField(
        label="Company",
        max_length=200,
        required=False,
        help_text="Type an existing company's name, or a new one to create it.",
        widget=forms.TextInput(attrs={"list": "company-suggestions", "autocomplete": "off"}),
    )
    position = forms.CharField(max_length=150, required=False)

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
    title = forms.CharField(label="Subject", max_length=250)
    content = forms.CharField(
        label="Details", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = forms.FileField(label="Attach a file", required=False)

    def service_values(self) -> dict:
        kind = self.cleaned_data["kind"]
        return {
            "title": self.cleaned_data["title"],
            "content": self.cleaned_data.get("content", ""),
            "type": Activity.Type.COMMENT,
            "subtype": "" if kind == "comment" else kind,
        }


class ReplyForm(forms.Form):
    content = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is in the file", choices=[("people", "People"), ("companies", "Companies")]
    )
    file = forms.FileField(label="CSV file", help_text="UTF-8 or Windows encoded, up to 5 MB.")
