import re
from decimal import Decimal

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from config.limits import DOCUMENT_LINE_DESCRIPTION_MAX_CHARS
from projects.forms import CLIENT_CODE

from .models import Invoice, LedgerCategory, Periodical, Product, TaxCode


class TaxCodeForm(forms.Form):
    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=100)
    rate_percent = forms.DecimalField(
        label="Rate (%)", min_value=0, max_value=100, decimal_places=2, max_digits=5
    )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"],
            "rate": (data["rate_percent"] / Decimal(100)).normalize(),
        }


class LedgerForm(forms.Form):
    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=100)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class ChargeRateForm(forms.Form):
    name = forms.CharField(max_length=100)
    rate = forms.DecimalField(label="Hourly rate", min_value=0, decimal_places=2, max_digits=12)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


# --- recurring invoices -------------------------------------------------------------

# The lines editor's inputs: "s0-title" is a section's title, "s0-l2-unitprice" a line's.
SECTION_KEY = re.compile(r"s(\d{1,3})-title\Z")
LINE_KEY = re.compile(r"s(\d{1,3})-l(\d{1,4})-([a-z]+)\Z")
LINE_FIELDS = ("type", "title", "description", "quantity", "unitprice", "take", "markup")
LINE_CODES = ("taxcode", "category")
LINE_NUMBERS = ("quantity", "unitprice", "take", "markup")
# What a line is once typed into: one with none of these is an empty row, left out.
LINE_CONTENT = ("title", "description", "unitprice")


def blank_line(**values) -> dict:
    return {
        "type": "fixed",
        "title": "",
        "description": "",
        "quantity": "1",
        "unitprice": "",
        "take": "100",
        "markup": "0",
        "taxcode": "",
        "category": "",
        **values,
    }


def posted_sections(data) -> list[dict]:
    """The lines editor's sections as posted, in the editor's order:
    [{"title", "items": [line, ...]}], each value the text typed."""
    sections: dict[int, dict] = {}
    for name in data:
        if match := SECTION_KEY.match(name):
            sections.setdefault(int(match.group(1)), {"title": "", "lines": {}})
            sections[int(match.group(1))]["title"] = data.get(name, "")
        elif (match := LINE_KEY.match(name)) and match.group(3) in (*LINE_FIELDS, *LINE_CODES):
            section = sections.setdefault(int(match.group(1)), {"title": "", "lines": {}})
            line = section["lines"].setdefault(int(match.group(2)), {})
            line[match.group(3)] = data.get(name, "")
    return [
        {
            "title": sections[s]["title"],
            "items": [blank_line(**sections[s]["lines"][n]) for n in sorted(sections[s]["lines"])],
        }
        for s in sorted(sections)
    ]


def is_blank(line: dict) -> bool:
    return not any(str(line.get(key, "")).strip() for key in LINE_CONTENT)


def without_blank_lines(sections: list[dict]) -> list[dict]:
    """What the editor holds, as the service takes it: rows nobody typed into, and
    sections left with neither a title nor a line, are not part of it."""
    kept = []
    for section in sections:
        lines = [line for line in section["items"] if not is_blank(line)]
        if lines or section["title"].strip():
            kept.append({"title": section["title"], "items": lines})
    return kept


def _as_typed(value) -> str:
    """A stored number as a person types it: "5E+1" (how the lines keep 50) is "50"."""
    try:
        return f"{Decimal(str(value)):f}"
    except ArithmeticError:
        return str(value)


def editor_sections(items: list[dict]) -> list[dict]:
    """Stored sections as the editor shows them: numbers as typed, no "-" category."""
    return [
        {
            "title": section["title"],
            "items": [
                blank_line(
                    **{
                        key: _as_typed(line.get(key, ""))
                        if key in LINE_NUMBERS
                        else line.get(key, "")
                        for key in LINE_FIELDS
                    },
                    taxcode=line.get("taxcode", ""),
                    category="" if line.get("category") == "-" else line.get("category", ""),
                )
                for line in section["items"]
            ],
        }
        for section in items
    ]


class PeriodicalForm(forms.Form):
    """A recurring invoice's details, schedule and delivery; its lines come from the
    lines editor (`posted_sections`). The rules are the service's
    (billing.periodicals), shown by add_service_errors."""

    title = forms.CharField(
        required=False,
        max_length=Periodical._meta.get_field("title").max_length,
        help_text="For you: the list shows it beside the client.",
    )
    client = forms.CharField(
        max_length=200,
        help_text="Type a company's or person's name and pick them, or their code (C41, I5).",
        widget=forms.TextInput(
            attrs={
                "list": "client-suggestions",
                "autocomplete": "off",
                "hx-get": reverse_lazy("recurring:clients"),
                "hx-trigger": "input changed delay:200ms",
                "hx-target": "#client-suggestions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )
    purchaseorder = forms.CharField(
        label="Purchase order",
        required=False,
        max_length=Invoice._meta.get_field("purchaseorder").max_length,
    )
    terms = forms.IntegerField(
        label="Payment terms (days)",
        required=False,
        help_text="Left empty, the account's default.",
        widget=forms.NumberInput(attrs={"min": 0}),
    )
    discount = forms.CharField(
        label="Discount (%)",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    repeat = forms.ChoiceField(
        label="Repeats",
        choices=[
            (Periodical.Repeat.DAY, "Daily"),
            (Periodical.Repeat.WEEK, "Weekly"),
            (Periodical.Repeat.MONTH, "Monthly"),
            (Periodical.Repeat.YEAR, "Yearly"),
        ],
        initial=Periodical.Repeat.MONTH,
    )
    repeatinterval = forms.IntegerField(
        label="Every",
        initial=1,
        help_text="1 for every day, week, month or year; 2 for every other one.",
        widget=forms.NumberInput(attrs={"min": 1}),
    )
    first = forms.DateField(
        label="First invoice",
        help_text="A month's 31st falls on shorter months' last day.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last = forms.DateField(
        label="Last invoice",
        required=False,
        help_text="Left empty, it never ends.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sendemail = forms.BooleanField(label="Email each invoice when it is issued", required=False)
    emailto = forms.TypedMultipleChoiceField(
        label="Send to",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    emailbcc = forms.MultipleChoiceField(
        label="Blind copy to", required=False, widget=forms.CheckboxSelectMultiple
    )
    emailmessage = forms.CharField(
        label="Message", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    # The lines come from the editor's own inputs; this field only carries the
    # service's refusals about them to the page ("Lines: section 1, line 2: ...").
    items = forms.CharField(label="Lines", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, recipient_choices, bcc_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["emailto"].choices = recipient_choices
        self.fields["emailbcc"].choices = bcc_choices
        self.fields["first"].initial = timezone.localdate

    def clean_client(self) -> str:
        # A suggestion reads "C41 · Acme Ltd", as on the project form; the code leads.
        match = CLIENT_CODE.match(self.cleaned_data["client"])
        if not match:
            raise forms.ValidationError(
                "Pick a company or person from the suggestions, or type their code (C41, I5)."
            )
        return match.group(1).upper()

    def service_values(self, sections: list[dict]) -> dict:
        values = dict(self.cleaned_data)
        values["items"] = without_blank_lines(sections)
        return values


class ProductForm(forms.Form):
    """A product in the catalogue; the tax code and ledger are picked from the
    account's own, the rules are the service's (save_product)."""

    name = forms.CharField(max_length=Product._meta.get_field("name").max_length)
    description = forms.CharField(required=False, max_length=DOCUMENT_LINE_DESCRIPTION_MAX_CHARS)
    unitprice = forms.DecimalField(label="Unit price", decimal_places=2, max_digits=12)
    taxcode = forms.ChoiceField(label="Tax code", required=False)
    category = forms.ChoiceField(label="Ledger", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["taxcode"].choices = [("", "None")] + [
            (code, f"{code} · {name}") for code, name in TaxCode.objects.values_list("code", "name")
        ]
        self.fields["category"].choices = [("", "None")] + [
            (code, f"{code} · {name}")
            for code, name in LedgerCategory.objects.values_list("code", "name")
        ]

    def service_values(self) -> dict:
        return dict(self.cleaned_data)
