import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone

from accounts.models import AccountSettings, User
from config.errors import render
from config.forms import AmountField, DecimalAmountField
from config.limits import (
    DELIVERY_RECIPIENTS_MAX,
    DOCUMENT_LINE_DESCRIPTION_MAX_CHARS,
    DOCUMENT_LINES_MAX_ITEMS,
    EMAIL_MESSAGE_MAX_CHARS,
    MAX_ID,
)
from config.money import typed_amount
from projects.forms import CLIENT_CODE, client_label, discount_field
from projects.models import Job, Project
from projects.queries import client_named_by
from projects.services import discount_percentage

from .models import (
    CreditNote,
    Invoice,
    LedgerCategory,
    Payment,
    Periodical,
    Product,
    Proposal,
    TaxCode,
)
from .reports import ReportFilters, period_choices, resolve_period
from .totals import NO_CATEGORY, Totals, clean_sections, document_totals, line_amount


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


# The editors' inputs that hold money: a line's price, a proposal item's rate.
MONEY_KEYS = frozenset({"unitprice", "rate"})


def posted_value(key: str, typed: str) -> str:
    """What an editor's input posted, as the service reads it: its money as the pages
    write money ("£1,250.00")."""
    return typed_amount(typed) if key in MONEY_KEYS else typed


class ChargeRateForm(forms.Form):
    name = forms.CharField(max_length=100)
    rate = DecimalAmountField(label="Hourly rate", min_value=0, decimal_places=2, max_digits=12)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


# --- proposals ---------------------------------------------------------------------
# The proposal editor: the proposal's own fields are a form; its jobs of items and its
# expanded and conclusion sections are rows named by their place (jobs-0-items-1-hours,
# expanded-2-title), read back from the posted form by `EditorRows`, which also adds,
# removes and moves them in place. The rules are the service's (billing.proposals).


class ProposalForm(forms.Form):
    """A proposal's title, client, submit date, discount, whether its totals print and
    its overview."""

    title = forms.CharField(max_length=Proposal._meta.get_field("title").max_length)
    client = forms.CharField(
        max_length=200,
        help_text="Type a company's or person's name and pick them, or their code (C41, I5).",
        widget=forms.TextInput(
            attrs={
                "list": "client-suggestions",
                "autocomplete": "off",
                "hx-get": reverse_lazy("proposals:clients"),
                "hx-trigger": "input changed delay:200ms",
                "hx-target": "#client-suggestions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )
    submitdate = forms.DateField(
        label="Submit by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    discount = discount_field("Off the whole proposal, after each job's own.")
    printtotal = forms.BooleanField(
        label="Show the totals on the proposal", required=False, initial=True
    )
    overview = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def clean_client(self) -> str:
        # A suggestion reads "C41 · Acme Ltd"; the code leads, whatever follows it.
        match = CLIENT_CODE.match(self.cleaned_data["client"])
        if not match:
            raise forms.ValidationError(
                "Pick a company or person from the suggestions, or type their code (C41, I5)."
            )
        return match.group(1).upper()

    def service_values(self) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(proposal: Proposal) -> dict:
        return {
            "title": proposal.title,
            "client": client_label(proposal.client),
            "submitdate": proposal.submitdate,
            "discount": f"{proposal.discount.normalize():f}",
            "printtotal": proposal.printtotal,
            "overview": proposal.overview,
        }


JOB_ROW = re.compile(r"jobs-(\d{1,4})-(name|brief|discount|print|team)\Z")
ITEM_ROW = re.compile(
    r"jobs-(\d{1,4})-items-(\d{1,4})-(name|brief|type|hours|rate|taxcode|category|print|extra)\Z"
)
SECTION_ROW = re.compile(r"(expanded|conclusion)-(\d{1,4})-(title|content)\Z")
SECTION_KINDS = ("expanded", "conclusion")
# The item fields a page doesn't show, carried through the form as they were.
ITEM_EXTRA = ("start", "duration", "team", "actions")


def blank_item() -> dict:
    return {
        "name": "",
        "brief": "",
        "type": "hourly",
        "hours": "",
        "rate": "",
        "taxcode": "",
        "category": NO_CATEGORY,
        "print": True,
        "extra": "",
    }


def blank_job() -> dict:
    return {"name": "", "brief": "", "discount": "0", "print": True, "team": "", "items": []}


class EditorRows:
    """The jobs of items and the sections as the editor shows them (text as typed),
    from a stored proposal or from the posted form."""

    def __init__(self, jobs: list[dict], expanded: list[dict], conclusion: list[dict]):
        self.jobs = jobs
        self.sections = {"expanded": expanded, "conclusion": conclusion}

    @classmethod
    def of(cls, proposal: Proposal | None) -> "EditorRows":
        if proposal is None:
            job = blank_job()
            job["items"].append(blank_item())
            return cls([job], [], [])
        jobs = [
            {
                "name": job["name"],
                "brief": job["brief"],
                "discount": plain_number(job["discount"]),
                "print": job["print"],
                "team": job["team"],
                "items": [
                    {
                        **{key: item[key] for key in ("name", "brief", "type", "taxcode")},
                        "category": item["category"],
                        "hours": plain_number(item["hours"]),
                        "rate": item["rate"],
                        "print": item["print"],
                        "extra": json.dumps({key: item[key] for key in ITEM_EXTRA}),
                    }
                    for item in job["items"]
                ],
            }
            for job in proposal.jobs
        ]
        return cls(jobs, list(proposal.expanded), list(proposal.conclusion))

    @classmethod
    def posted(cls, data) -> "EditorRows":
        """The rows a posted form holds, in the order of their numbers. A row past the
        limits is left out: the service refuses what is too long, not this reader."""
        jobs: dict[int, dict] = {}
        items: dict[tuple[int, int], dict] = {}
        sections: dict[str, dict[int, dict]] = {kind: {} for kind in SECTION_KINDS}
        for name in data:
            if match := ITEM_ROW.match(name):
                job, item, field = int(match[1]), int(match[2]), match[3]
                row = items.setdefault((job, item), {**blank_item(), "print": False})
                jobs.setdefault(job, {**blank_job(), "print": False})
                row[field] = True if field == "print" else posted_value(field, data.get(name, ""))
            elif match := JOB_ROW.match(name):
                row = jobs.setdefault(int(match[1]), {**blank_job(), "print": False})
                field = match[2]
                row[field] = True if field == "print" else data.get(name, "")
            elif match := SECTION_ROW.match(name):
                row = sections[match[1]].setdefault(int(match[2]), {"title": "", "content": ""})
                row[match[3]] = data.get(name, "")
        ordered = {number: {**jobs[number], "items": []} for number in sorted(jobs)}
        for (job, _), row in sorted(items.items()):
            ordered[job]["items"].append(row)
        return cls(
            list(ordered.values()),
            *([sections[kind][n] for n in sorted(sections[kind])] for kind in SECTION_KINDS),
        )

    def kept(self) -> list[tuple[int, list[int]]]:
        """The jobs and items that say something, by place: a row added and left
        empty is not a mistake to refuse, and goes when the proposal is saved."""
        kept = []
        for j, job in enumerate(self.jobs):
            items = [i for i, item in enumerate(job["items"]) if not _blank_item(item)]
            if items or job["name"].strip() or job["brief"].strip():
                kept.append((j, items))
        return kept

    def for_service(self) -> dict:
        """The jobs and sections as the service takes them, empty rows left out."""
        jobs = []
        for j, items in self.kept():
            job = self.jobs[j]
            jobs.append(
                {
                    "name": job["name"],
                    "brief": job["brief"],
                    "discount": job["discount"],
                    "print": job["print"],
                    "team": job["team"],
                    "items": [_service_item(job["items"][i]) for i in items],
                }
            )
        return {
            "jobs": jobs,
            **{
                kind: [s for s in rows if s["title"].strip() or s["content"].strip()]
                for kind, rows in self.sections.items()
            },
        }

    # --- changes in place, as the editor's buttons ask for them ---

    def apply(self, op: str) -> tuple[str, str | None]:
        """Carries out `op` ("add-item-0", "up-job-2", "remove-expanded-1", ...): which
        region changed ("jobs", "expanded" or "conclusion") and the id of the element to
        focus after it (the new row's first input, the moved row's button, the list's
        Add button after a removal). An op that names no row changes nothing."""
        verb, _, rest = op.partition("-")
        what, _, numbers = rest.partition("-")
        try:
            at = [int(number) for number in numbers.split("-")] if numbers else []
        except ValueError:
            return "jobs", None
        if what in SECTION_KINDS:
            return what, _change(self.sections[what], verb, at, what, f"{what}-%s", f"add-{what}")
        if what == "job":
            return "jobs", _change(self.jobs, verb, at, what, "job-%s", "add-job")
        if what == "item" and at and 0 <= at[0] < len(self.jobs):
            job = at[0]
            return "jobs", _change(
                self.jobs[job]["items"],
                verb,
                at[1:],
                what,
                f"job-{job}-item-%s",
                f"job-{job}-add-item",
            )
        return "jobs", None


def _change(rows: list, verb: str, at: list[int], what: str, row_id: str, add_id: str):
    """`verb` on `rows` at `at`; the id to focus after (`row_id` % place, then -name,
    -up or -down)."""
    if verb == "add":
        if what == "job":
            rows.append({**blank_job(), "items": [blank_item()]})
        else:
            rows.append(blank_item() if what == "item" else {"title": "", "content": ""})
        first = "title" if what in SECTION_KINDS else "name"
        return f"{row_id % (len(rows) - 1)}-{first}"
    if not at or not 0 <= at[0] < len(rows):
        return None
    place = at[0]
    if verb == "remove":
        rows.pop(place)
        return add_id
    if verb in ("up", "down"):
        target = place - 1 if verb == "up" else place + 1
        if 0 <= target < len(rows):
            rows.insert(target, rows.pop(place))
            place = target
        # At either end its button in that direction is disabled: the other one.
        if (verb == "up" and place == 0) or (verb == "down" and place == len(rows) - 1):
            verb = "down" if verb == "up" else "up"
        return f"{row_id % place}-{verb}" if len(rows) > 1 else None
    return None


def _blank_item(item: dict) -> bool:
    return not any(str(item[key]).strip() for key in ("name", "brief", "hours", "rate"))


def plain_number(text: str) -> str:
    """2.50 → 2.5, 10.00 → 10: a stored number as people type it."""
    return format(Decimal(text).normalize(), "f")


def _service_item(row: dict) -> dict:
    item = {key: row[key] for key in ("name", "brief", "type", "hours", "rate", "taxcode")}
    item["category"] = row["category"]
    item["print"] = row["print"]
    try:
        extra = json.loads(row["extra"]) if row["extra"] else {}
    except ValueError:
        extra = {}
    if isinstance(extra, dict):
        item.update({key: extra[key] for key in ITEM_EXTRA if key in extra})
    return item


# "P12 · Rebrand", "J7 · Rebrand › Logo": a picked suggestion's code leads.
WORK_CODE = re.compile(r"\s*([PpJj]\d{1,18})\b")


CLIENT_HELP = "Type a company's or person's name and pick them, or their code (C41, I5)."


def work_label(work) -> str:
    """How a project or job reads in the invoice's "Project or job" field."""
    if isinstance(work, Job):
        return f"J{work.pk} · {work.project.title} › {work.title}"
    return f"P{work.pk} · {work.title}"


def _date_value(value: date | None, current: date | None) -> str | None:
    """The date as the services take it, or None for "leave it": a new document dated
    today is dated now, an existing one keeps its moment while its day is unchanged."""
    if value is None or value == current:
        return None
    return value.isoformat()


class InvoiceForm(forms.Form):
    """An invoice's head: client, work, date, terms, PO and discount. Its lines are
    the LinesEditor's; the rules are the service's (billing.invoicing), shown by
    add_service_errors, the lines' on `items`."""

    client = forms.CharField(
        max_length=200,
        required=False,
        help_text=CLIENT_HELP,
        widget=forms.TextInput(
            attrs={
                "list": "client-suggestions",
                "autocomplete": "off",
                "hx-get": reverse_lazy("invoices:client_suggestions"),
                "hx-trigger": "input changed delay:200ms",
                "hx-target": "#client-suggestions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )
    work = forms.CharField(
        label="Project or job",
        max_length=300,
        required=False,
        help_text="Optional: the work it bills (P12, J7). Its client is the invoice's "
        "when no client is picked.",
        widget=forms.TextInput(
            attrs={
                "list": "work-suggestions",
                "autocomplete": "off",
                "hx-get": reverse_lazy("invoices:work_suggestions"),
                "hx-trigger": "input changed delay:200ms",
                "hx-target": "#work-suggestions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                "hx-include": "#id_client",
            }
        ),
    )
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    terms = forms.CharField(
        label="Payment terms (days)",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    purchaseorder = forms.CharField(
        label="Purchase order (PO)",
        required=False,
        widget=forms.TextInput(
            attrs={"maxlength": Invoice._meta.get_field("purchaseorder").max_length}
        ),
    )
    discount = discount_field("A percentage from 0 to 100, off every line.")
    # Not drawn as a field: the lines' refusals, shown above the lines.
    items = forms.CharField(label="Lines", required=False, widget=forms.HiddenInput)

    service_field_names = {"for": "work"}

    def __init__(self, *args, invoice: Invoice | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        if invoice is not None:
            # Emptied on an existing invoice it would keep the old client without a word.
            self.fields["client"].required = True

    def clean_client(self) -> str:
        typed = self.cleaned_data["client"].strip()
        if not typed:
            return ""
        match = CLIENT_CODE.match(typed)
        if not match:
            raise forms.ValidationError(
                "Pick a company or person from the suggestions, or type their code (C41, I5)."
            )
        return match.group(1).upper()

    def clean_work(self) -> str:
        typed = self.cleaned_data["work"].strip()
        if not typed:
            return ""
        match = WORK_CODE.match(typed)
        if not match:
            raise forms.ValidationError(
                "Pick a project or job from the suggestions, or type its code (P12, J7)."
            )
        return match.group(1).upper()

    def service_values(self) -> dict:
        data = self.cleaned_data
        invoice = self.invoice
        values = {
            "terms": data["terms"],
            "purchaseorder": data["purchaseorder"],
            "discount": data["discount"],
        }
        if data["client"]:
            values["client"] = data["client"]
        if data["work"] or invoice is not None:
            values["for_code"] = data["work"]
        current = timezone.localdate(invoice.date) if invoice else timezone.localdate()
        if (moment := _date_value(data["date"], current)) is not None:
            values["date"] = moment
        return values

    @staticmethod
    def initial_for(invoice: Invoice | None, client=None) -> dict:
        if invoice is None:
            return {
                "client": client_label(client) if client else "",
                "date": timezone.localdate(),
                "terms": AccountSettings.load().default_payment_terms,
                "discount": "0",
            }
        work = invoice.job or invoice.project
        return {
            "client": client_label(invoice.client),
            "work": work_label(work) if work else "",
            "date": timezone.localdate(invoice.date),
            "terms": invoice.terms,
            "purchaseorder": invoice.purchaseorder,
            "discount": f"{invoice.discount.normalize():f}",
        }


class CreditNoteForm(forms.Form):
    """A credit note's date and discount; its lines are the LinesEditor's, its rules the
    service's."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    discount = discount_field(
        "Off every line, as on the invoice: lines credited as sold come off at its discount."
    )
    items = forms.CharField(label="Lines", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, note: CreditNote | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.note = note

    def service_values(self) -> dict:
        current = timezone.localdate(self.note.date) if self.note else timezone.localdate()
        moment = _date_value(self.cleaned_data["date"], current)
        values = {"discount": self.cleaned_data["discount"]}
        return values if moment is None else {**values, "date": moment}


class PaymentForm(forms.Form):
    """A payment against an issued invoice, in the invoice page's modal."""

    amount = AmountField(
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    )
    date = forms.DateField(
        label="Received on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    method = forms.ChoiceField(choices=Payment.Method.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, currency_symbol: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # components/form_field.html draws the symbol before the amount.
        self.fields["amount"].prefix = currency_symbol.strip()

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


SECTION_FIELD = re.compile(r"sections-(\d{1,3})-title\Z")


LINE_FIELD = re.compile(r"sections-(\d{1,3})-lines-(\d{1,4})-([a-z]+)\Z")


SHOWN_LINE_KEYS = ("title", "description", "quantity", "unitprice", "taxcode", "category")


# Kept with a line as hidden inputs when they aren't these defaults (the API may set
# them): the page doesn't edit them and mustn't lose them.
KEPT_LINE_DEFAULTS = {"type": "fixed", "take": "100", "markup": "0"}


LINE_KEYS = (*SHOWN_LINE_KEYS, *KEPT_LINE_DEFAULTS)


# What one page's form can carry: Django refuses a request with more than
# DATA_UPLOAD_MAX_NUMBER_FIELDS fields, and a line is up to nine of them.
EDITOR_SECTIONS_MAX = 20


EDITOR_LINES_MAX = min(
    DOCUMENT_LINES_MAX_ITEMS,
    ((settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 10_000) - 2 * EDITOR_SECTIONS_MAX - 20)
    // len(LINE_KEYS),
    100,
)


def fits_the_editor(sections: list) -> bool:
    """Whether stored sections fit one page's form (the API allows more)."""
    return len(sections) <= EDITOR_SECTIONS_MAX and (
        sum(len(section.get("items", [])) for section in sections) <= EDITOR_LINES_MAX
    )


TOO_BIG_FOR_THE_PAGE = (
    "%(document)s has more than this page edits (%(sections)s sections, %(lines)s lines): "
    "change it through the API."
)


def _plain(value) -> str:
    """A stored number as people type it: 10, not 1E+1."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return format(number.normalize(), "f") if number.is_finite() else str(value)


def _blank_line(taxcode: str) -> dict:
    return {
        **KEPT_LINE_DEFAULTS,
        "title": "",
        "description": "",
        "quantity": "1",
        "unitprice": "",
        "taxcode": taxcode,
        "category": NO_CATEGORY,
    }


def _is_blank(line: dict) -> bool:
    """A line nothing was typed into: left out rather than refused."""
    return not any(line.get(key, "").strip() for key in ("title", "description", "unitprice"))


@dataclass
class Preview:
    """The editor's lines priced as they stand: the totals and each line's net by
    (section, line), or the reasons they can't be priced yet."""

    totals: Totals | None = None
    nets: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class LinesEditor:
    """The sections and lines of a draft invoice or credit note, as typed (text)."""

    def __init__(self, sections: list[dict], *, taxcodes: list[TaxCode]):
        self.sections = sections
        self.taxcodes = taxcodes
        self.focus: tuple | None = None  # (section, line or None, control)
        self.refusal = ""

    @classmethod
    def load_codes(cls) -> list[TaxCode]:
        return list(TaxCode.objects.all())

    @property
    def default_taxcode(self) -> str:
        return self.taxcodes[0].code if self.taxcodes else ""

    @classmethod
    def new(cls) -> "LinesEditor":
        taxcodes = cls.load_codes()
        editor = cls([], taxcodes=taxcodes)
        editor.sections = [{"title": "", "items": [_blank_line(editor.default_taxcode)]}]
        return editor

    @classmethod
    def from_stored(cls, sections: list) -> "LinesEditor":
        """A document's stored sections (billing.totals.clean_sections' shape)."""
        editor_sections = [
            {
                "title": section.get("title", ""),
                "items": [
                    {
                        **{key: str(line.get(key, "")) for key in ("title", "description")},
                        "type": line.get("type") or KEPT_LINE_DEFAULTS["type"],
                        "taxcode": line.get("taxcode", ""),
                        "category": line.get("category") or NO_CATEGORY,
                        **{
                            key: _plain(line.get(key, default))
                            for key, default in (
                                ("quantity", "1"),
                                ("unitprice", "0"),
                                ("take", "100"),
                                ("markup", "0"),
                            )
                        },
                    }
                    for line in section.get("items", [])
                ],
            }
            for section in sections
        ]
        return cls(editor_sections, taxcodes=cls.load_codes())

    @classmethod
    def from_post(cls, data) -> "LinesEditor":
        sections: dict[int, dict] = {}
        for key in data:
            if match := SECTION_FIELD.match(key):
                sections.setdefault(int(match.group(1)), {"title": "", "lines": {}})
                sections[int(match.group(1))]["title"] = data.get(key, "")
            elif (match := LINE_FIELD.match(key)) and match.group(3) in LINE_KEYS:
                section = sections.setdefault(int(match.group(1)), {"title": "", "lines": {}})
                line = section["lines"].setdefault(int(match.group(2)), {})
                line[match.group(3)] = posted_value(match.group(3), data.get(key, ""))
        taxcodes = cls.load_codes()
        editor = cls([], taxcodes=taxcodes)
        editor.sections = [
            {
                "title": sections[number]["title"],
                "items": [
                    {**_blank_line(""), **sections[number]["lines"][index]}
                    for index in sorted(sections[number]["lines"])
                ],
            }
            for number in sorted(sections)
        ]
        return editor

    @classmethod
    def one_line(cls, title: str, taxcode: str) -> "LinesEditor":
        editor = cls([], taxcodes=cls.load_codes())
        line = {**_blank_line(taxcode or editor.default_taxcode), "title": title}
        editor.sections = [{"title": "", "items": [line]}]
        editor.focus = (0, 0, "unitprice")
        return editor

    @property
    def line_count(self) -> int:
        return sum(len(section["items"]) for section in self.sections)

    # --- the buttons ----------------------------------------------------------

    def apply(self, action: str, data) -> None:
        """Applies one button's action to the sections; sets `focus` (where the keyboard
        goes next) or `refusal` (why nothing changed)."""
        name, _, where = action.partition(":")
        try:
            numbers = [int(part) for part in where.split(":")] if where else []
        except ValueError:
            numbers = []
        handler = getattr(self, "_" + name.replace("-", "_"), None)
        if name not in ACTIONS or handler is None:
            self.refusal = "That button no longer matches the page: try again."
            return
        try:
            handler(data, *numbers)
        except (IndexError, TypeError):
            self.refusal = "That line or section is no longer there: the page shows them now."

    def _section(self, number: int) -> dict:
        if not 0 <= number < len(self.sections):
            raise IndexError(number)
        return self.sections[number]

    def _room_for_a_line(self) -> bool:
        if self.line_count >= EDITOR_LINES_MAX:
            self.refusal = (
                f"A document edited on this page can have at most {EDITOR_LINES_MAX} lines."
            )
            return False
        return True

    def _add_section(self, data) -> None:
        if len(self.sections) >= EDITOR_SECTIONS_MAX:
            self.refusal = (
                f"A document edited on this page can have at most {EDITOR_SECTIONS_MAX} sections."
            )
            return
        if not self._room_for_a_line():
            return
        self.sections.append({"title": "", "items": [_blank_line(self.default_taxcode)]})
        self.focus = (len(self.sections) - 1, None, "title")

    def _remove_section(self, data, number: int) -> None:
        self._section(number)
        del self.sections[number]
        if self.sections:
            self.focus = (min(number, len(self.sections) - 1), None, "title")
        else:
            self.focus = (None, None, "add-section")

    def _move_section(self, number: int, step: int) -> None:
        self._section(number)
        other = number + step
        if not 0 <= other < len(self.sections):
            return
        self.sections[number], self.sections[other] = self.sections[other], self.sections[number]
        self.focus = (other, None, "up" if step < 0 else "down")

    def _up_section(self, data, number: int) -> None:
        self._move_section(number, -1)

    def _down_section(self, data, number: int) -> None:
        self._move_section(number, 1)

    def _add_line(self, data, number: int) -> None:
        lines = self._section(number)["items"]
        if self._room_for_a_line():
            lines.append(_blank_line(self.default_taxcode))
            self.focus = (number, len(lines) - 1, "title")

    def _add_product(self, data, number: int) -> None:
        lines = self._section(number)["items"]
        product = _picked_product(data.get(f"sections-{number}-product", ""))
        if product is None:
            self.refusal = "Pick a product from the catalogue first."
            self.focus = (number, None, "product")
            return
        line = {
            **_blank_line(product.taxcode or self.default_taxcode),
            "type": "product",
            "title": product.name,
            "description": product.description,
            "unitprice": _plain(product.unitprice),
            "category": product.category or NO_CATEGORY,
        }
        # The empty line a new section starts with is taken rather than left behind.
        if lines and _is_blank(lines[-1]):
            lines[-1] = line
        elif self._room_for_a_line():
            lines.append(line)
        else:
            return
        self.focus = (number, len(lines) - 1, "quantity")

    def _remove_line(self, data, number: int, index: int) -> None:
        lines = self._section(number)["items"]
        if not 0 <= index < len(lines):
            raise IndexError(index)
        del lines[index]
        if lines:
            self.focus = (number, min(index, len(lines) - 1), "title")
        else:
            self.focus = (number, None, "add-line")

    def _move_line(self, number: int, index: int, step: int) -> None:
        lines = self._section(number)["items"]
        if not 0 <= index < len(lines):
            raise IndexError(index)
        other = index + step
        if not 0 <= other < len(lines):
            return
        lines[index], lines[other] = lines[other], lines[index]
        self.focus = (number, other, "up" if step < 0 else "down")

    def _up_line(self, data, number: int, index: int) -> None:
        self._move_line(number, index, -1)

    def _down_line(self, data, number: int, index: int) -> None:
        self._move_line(number, index, 1)

    # --- what the services and the page read -------------------------------------

    def service_items(self) -> list[dict]:
        """The sections as the services take them (Depot's `items`), empty lines left out."""
        return [
            {
                "title": section["title"],
                "items": [
                    {key: line.get(key, "") for key in LINE_KEYS}
                    for line in section["items"]
                    if not _is_blank(line)
                ],
            }
            for section in self.sections
        ]

    def preview(self, discount=None) -> Preview:
        """Prices the lines with the one pricing code (billing.totals), or says why it
        can't yet, each reason naming its section and line as the service would."""
        problems = []
        try:
            sections = clean_sections(self.service_items())
        except ValidationError as exc:
            sections = None
            problems += [render(error, "Lines") for error in exc.error_dict.get("items", [])]
        try:
            percentage = discount_percentage(discount)
        except ValidationError as exc:
            percentage = None
            problems += [render(error, "Discount") for error in exc.error_dict["discount"]]
        if sections is None or percentage is None:
            return Preview(problems=problems)
        nets = {}
        for number, (typed, cleaned) in enumerate(zip(self.sections, sections, strict=True)):
            kept = [index for index, line in enumerate(typed["items"]) if not _is_blank(line)]
            for index, line in zip(kept, cleaned["items"], strict=True):
                nets[(number, index)] = line_amount(line)
        return Preview(totals=document_totals(sections, percentage), nets=nets)

    def rows(self, preview: Preview | None = None) -> list[dict]:
        """The sections and lines as the template draws them: names, places, the
        control that takes the focus, each line's net."""
        codes = {taxcode.code for taxcode in self.taxcodes}
        nets = preview.nets if preview else {}
        focus_section, focus_line, focus_control = self.focus or (None, None, None)
        count = len(self.sections)
        drawn = []
        for number, section in enumerate(self.sections):
            lines = []
            for index, line in enumerate(section["items"]):
                lines.append(
                    {
                        "number": index + 1,
                        "prefix": f"sections-{number}-lines-{index}",
                        "action": f"{number}:{index}",
                        "values": line,
                        "kept": {
                            key: line.get(key, default)
                            for key, default in KEPT_LINE_DEFAULTS.items()
                            if line.get(key, default) != default
                        },
                        "unknown_taxcode": line.get("taxcode") not in codes,
                        "net": nets.get((number, index)),
                        "first": index == 0,
                        "last": index == len(section["items"]) - 1,
                        "focus": focus_control
                        if (focus_section, focus_line) == (number, index)
                        else None,
                    }
                )
            drawn.append(
                {
                    "number": number + 1,
                    "index": number,
                    "prefix": f"sections-{number}",
                    "title": section["title"],
                    "lines": lines,
                    "first": number == 0,
                    "last": number == count - 1,
                    "focus": focus_control
                    if focus_section == number and focus_line is None
                    else None,
                }
            )
        return drawn


ACTIONS = {
    "add-section",
    "remove-section",
    "up-section",
    "down-section",
    "add-line",
    "add-product",
    "remove-line",
    "up-line",
    "down-line",
}


def _picked_product(value) -> Product | None:
    try:
        pk = int(str(value).strip())
    except ValueError:
        return None
    return Product.objects.filter(pk=pk).first() if 0 < pk <= MAX_ID else None


def stored_first_taxcode(sections: list) -> str:
    """The tax code of a document's first line ("" for none): a one-line credit
    note's starting code."""
    return next((line["taxcode"] for section in sections for line in section["items"]), "")


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
            line[match.group(3)] = posted_value(match.group(3), data.get(name, ""))
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
    discount = discount_field()
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
    unitprice = DecimalAmountField(label="Unit price", decimal_places=2, max_digits=12)
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


class SendForm(forms.Form):
    """The Send dialog of an invoice, a credit note or a proposal: which of the
    client's people it goes to, which users are copied, and the message. The rules
    (someone to send to, each with an email address, the limits) are
    billing.delivery's."""

    to = forms.MultipleChoiceField(
        label="Send to", required=False, widget=forms.CheckboxSelectMultiple
    )
    bcc = forms.MultipleChoiceField(
        label="Blind copy to", required=False, widget=forms.CheckboxSelectMultiple
    )
    message = forms.CharField(
        label="Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=f"Up to {EMAIL_MESSAGE_MAX_CHARS:,} characters. The PDF is attached.",
    )

    def __init__(self, *args, people, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [
            (
                str(person.pk),
                f"{person.fullname} ({person.email})"
                if person.email
                else f"{person.fullname} (no email address)",
            )
            for person in people
        ]
        self.fields[
            "to"
        ].help_text = f"The client's people, up to {DELIVERY_RECIPIENTS_MAX} of them."
        self.fields["bcc"].choices = [
            (user.email.lower(), f"{user.name} ({user.email})" if user.name else user.email)
            for user in users
        ]

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class ExportForm(forms.Form):
    """The period of an accountants' export; billing.exports checks it."""

    date_from = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


PROJECT_CODE = re.compile(r"\s*[Pp]?(\d{1,18})\b")


class ReportFiltersForm(forms.Form):
    """The reports' period picker and filters (templates/billing/reports/_filters.html),
    read from the query string. `filters(today)` is what the report covers: a period
    that can't be worked out (a custom one without its days) is an error on the form,
    and the report shows the default period meanwhile."""

    period = forms.ChoiceField(label="Period", choices=period_choices, required=False)
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    client = forms.CharField(label="Client", required=False, max_length=120)
    project = forms.CharField(label="Project", required=False, max_length=220)
    person = forms.ModelChoiceField(
        label="Person",
        required=False,
        queryset=User.objects.filter(is_active=True).order_by("name", "email"),
        empty_label="Everyone",
    )

    def __init__(self, data=None, *, default_period: str = "last-12-months", **kwargs):
        self.default_period = default_period
        super().__init__(data, **kwargs)

    def clean_client(self):
        typed = self.cleaned_data["client"].strip()
        if not typed:
            return None
        code = CLIENT_CODE.match(typed)
        client = client_named_by(code.group(1)) if code else None
        if client is None:
            raise ValidationError("Pick a client from the suggestions (its code, e.g. C41).")
        return client

    def clean_project(self):
        typed = self.cleaned_data["project"].strip()
        if not typed:
            return None
        code = PROJECT_CODE.match(typed)
        project = Project.objects.filter(pk=int(code.group(1))).first() if code else None
        if project is None:
            raise ValidationError("Pick a project from the suggestions (its code, e.g. P12).")
        return project

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period") or self.default_period
        cleaned["period"] = period
        try:
            cleaned["span"] = resolve_period(
                period, cleaned.get("start"), cleaned.get("end"), timezone.localdate()
            )
        except ValueError as exc:
            self.add_error("start" if period == "custom" else "period", str(exc))
        return cleaned

    def filters(self) -> ReportFilters:
        """The report's filters: what the form says where it is valid, the default
        period and no filter where it isn't."""
        valid = self.is_valid()
        cleaned = self.cleaned_data if valid else {}
        span = cleaned.get("span") or resolve_period(
            self.default_period, None, None, timezone.localdate()
        )
        project = cleaned.get("project")
        return ReportFilters(
            start=span[0],
            end=span[1],
            client=cleaned.get("client"),
            project_id=project.pk if project else None,
            assigned=cleaned.get("person"),
        )

    @property
    def chosen_period(self) -> str:
        """The period the report shows: the one picked, or the default."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return self.initial.get("period") or self.default_period
