"""Documents' lines and their money, in one place (DESIGN §4).

Pages, the API, tasks and (next) the PDFs and e-invoices all price a document here:
`clean_sections` turns what a client sent into the stored sections (every line
checked, its tax rate looked up and kept with it), and `document_totals` prices
stored sections. A line's rate is frozen with the line, so an issued document prices
the same for ever even if the tax code's rate changes later. A proposal's jobs of
items are checked by its own service (billing.proposals) with the same `LineChecks`,
and priced here by `proposal_totals`.

    net   = round(quantity × unitprice × take/100 × (1 + markup/100))
    subtotal = Σ nets;  discount = round(subtotal × discount/100)
    total = subtotal − discount
    tax   = Σ over tax codes of round(that code's nets × (1 − discount/100) × rate)
    grandtotal = total + tax
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from config.errors import field_error, merge
from config.limits import (
    DOCUMENT_LINE_DESCRIPTION_MAX_CHARS,
    DOCUMENT_LINE_TITLE_MAX_CHARS,
    DOCUMENT_LINES_MAX_ITEMS,
    DOCUMENT_SECTIONS_MAX_ITEMS,
)
from config.money import to_cents
from config.parsing import load_json
from config.text import clean_text, text_problem

from .models import LedgerCategory, TaxCode

HUNDRED = Decimal(100)
ZERO = Decimal(0)
LINE_TYPES = ("hourly", "fixed", "external", "product")
# Depot writes "-" for a line without a ledger category.
NO_CATEGORY = "-"
# Quantities and unit prices: up to four places (0.0125 h, a 0.1234 unit price),
# and below a billion, so a line's net fits the money columns.
QUANTITY_PLACES = Decimal("0.0001")
AMOUNT_LIMIT = Decimal("1e9")
MARKUP_LIMIT = Decimal(1000)


@dataclass(frozen=True)
class TaxShare:
    code: str
    rate: Decimal
    net: Decimal  # the code's nets after the document's discount
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    total: Decimal
    tax: Decimal
    grandtotal: Decimal
    taxes: tuple[TaxShare, ...]

    def money_fields(self) -> dict[str, Decimal]:
        """What a document stores beside its lines."""
        return {"total": self.total, "tax": self.tax, "grandtotal": self.grandtotal}


def line_net(quantity: Decimal, unitprice: Decimal, take: Decimal, markup: Decimal) -> Decimal:
    return to_cents(quantity * unitprice * take / HUNDRED * (1 + markup / HUNDRED))


def price(lines: Iterable[tuple[Decimal, str, Decimal]], discount: Decimal) -> Totals:
    """Totals of (net, tax code, rate) lines under a document discount (a percentage)."""
    subtotal = ZERO
    by_code: dict[str, tuple[Decimal, Decimal]] = {}
    for net, code, rate in lines:
        subtotal += net
        so_far, _ = by_code.get(code, (ZERO, rate))
        by_code[code] = (so_far + net, rate)
    discount_amount = to_cents(subtotal * discount / HUNDRED)
    keep = 1 - discount / HUNDRED
    taxes = tuple(
        TaxShare(code, rate, to_cents(net * keep), to_cents(net * keep * rate))
        for code, (net, rate) in by_code.items()
    )
    total = subtotal - discount_amount
    tax = sum((share.tax for share in taxes), ZERO)
    return Totals(subtotal, discount_amount, total, tax, total + tax, taxes)


def document_totals(sections: list, discount: Decimal = ZERO) -> Totals:
    """Price stored sections (as `clean_sections` made them)."""
    return price(
        (
            (
                line_net(
                    Decimal(line["quantity"]),
                    Decimal(line["unitprice"]),
                    Decimal(line["take"]),
                    Decimal(line["markup"]),
                ),
                line["taxcode"],
                Decimal(line["taxrate"]),
            )
            for section in sections
            for line in section["items"]
        ),
        Decimal(discount),
    )


def job_item_terms(kind: str, hours: Decimal, rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(quantity, unitprice, markup) of the line billing a fixed-price or external job
    item. A fixed item is its quantity (kept in `hours`) at its price (`rate`); an
    external cost is what was spent (kept in `hours`, Depot's "hours/quantity") with
    its markup percentage (`rate`, Depot's "markup for external costs") on top."""
    if kind == "external":
        return Decimal(1), Decimal(hours), Decimal(rate)
    return Decimal(hours), Decimal(rate), ZERO


def line_amount(line: Mapping) -> Decimal:
    """One stored line's net, for pages and PDFs that show it."""
    return line_net(
        Decimal(line["quantity"]),
        Decimal(line["unitprice"]),
        Decimal(line["take"]),
        Decimal(line["markup"]),
    )


# --- proposals: jobs of items, hours × rate ---------------------------------------
#
# A proposal's item is priced as hours (or a fixed item's quantity) × rate. A job's own
# discount comes off its items' nets before the proposal's discount: per tax code,
# rounded to the cent once per job (two 0.05 items under 10 % give 0.09, not 0.10), so
# tax is still worked out once per code over the whole proposal.


def document_layout(sections: list, discount=0) -> dict:
    """A stored invoice's or credit note's sections with each line's net, and its
    totals, priced as the service priced them when it stored them: what its page and
    its PDF lay out."""
    return {
        "sections": [
            {
                "title": section["title"],
                "lines": [
                    {
                        **line,
                        "net": line_amount(line),
                        "part": Decimal(line["take"]) != 100,
                        # An external cost's markup: shown, or its net wouldn't add up.
                        "marked_up": Decimal(line["markup"]) != 0,
                    }
                    for line in section["items"]
                ],
            }
            for section in sections
        ],
        "totals": document_totals(sections, discount),
    }


def item_net(item: Mapping) -> Decimal:
    """A stored proposal item's net: hours × rate, to the cent."""
    return line_net(Decimal(item["hours"]), Decimal(item["rate"]), HUNDRED, ZERO)


def _job_lines(job: Mapping) -> list[tuple[Decimal, str, Decimal]]:
    keep = 1 - Decimal(job["discount"]) / HUNDRED
    by_code: dict[str, tuple[Decimal, Decimal]] = {}
    for item in job["items"]:
        so_far, rate = by_code.get(item["taxcode"], (ZERO, Decimal(item["taxrate"])))
        by_code[item["taxcode"]] = (so_far + item_net(item), rate)
    return [(to_cents(net * keep), code, rate) for code, (net, rate) in by_code.items()]


def job_net(job: Mapping) -> Decimal:
    """A stored job's items' nets after the job's own discount."""
    return sum((net for net, _, _ in _job_lines(job)), ZERO)


def proposal_totals(jobs: list, discount: Decimal = ZERO) -> Totals:
    """Price a proposal's stored jobs (as billing.proposals cleaned them) under the
    proposal's discount. `subtotal` is after the jobs' own discounts."""
    return price((line for job in jobs for line in _job_lines(job)), Decimal(discount))


def public_sections(sections: list) -> list[dict]:
    """Stored sections in Depot's shape: numbers as numbers, the frozen rate left out."""
    return [
        {
            "title": section["title"],
            "items": [
                {
                    "type": line["type"],
                    "title": line["title"],
                    "description": line["description"],
                    "quantity": Decimal(line["quantity"]),
                    "unitprice": Decimal(line["unitprice"]),
                    "take": Decimal(line["take"]),
                    "taxcode": line["taxcode"],
                    "markup": Decimal(line["markup"]),
                    "category": line["category"],
                }
                for line in section["items"]
            ],
        }
        for section in sections
    ]


class LineChecks:
    """Checks a document's lines, collecting every problem with where it is (an
    invoice's sections here, a proposal's jobs in billing.proposals)."""

    def __init__(self, field: str):
        self.field = field
        self.errors: list[ValidationError] = []
        self.rates = dict(TaxCode.objects.values_list("code", "rate"))
        self.ledgers = set(LedgerCategory.objects.values_list("code", flat=True))

    def refuse(self, where: str, sentence: str, **params) -> None:
        self.errors.append(
            field_error(self.field, f"%(field)s: {where}: {sentence}", "invalid_line", **params)
        )

    def text(self, where: str, line: Mapping, key: str, limit: int, *, required=False) -> str:
        value = line.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.refuse(where, f"{key} must be text.")
            return ""
        value = clean_text(str(value)).strip()
        if problem := text_problem(value):
            self.refuse(where, f"{key} {problem}")
        elif len(value) > limit:
            self.refuse(where, f"{key} must be at most %(limit)s characters.", limit=limit)
        elif required and not value:
            self.refuse(where, f"{key} is required.")
        return value

    def number(
        self,
        where: str,
        line: Mapping,
        key: str,
        default,
        *,
        low=ZERO,
        high=AMOUNT_LIMIT,
        places: Decimal = QUANTITY_PLACES,
    ) -> Decimal:
        value = line.get(key, default)
        if value is None or value == "":
            value = default
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value).strip())
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            self.refuse(where, f"{key} must be a number.")
            return ZERO
        if not low <= number <= high:
            words = f"from {low} to {high}" if high != AMOUNT_LIMIT else f"of {low} or more"
            self.refuse(where, f"{key} must be a number {words}.")
            return ZERO
        if number != number.quantize(places):
            digits = -places.as_tuple().exponent
            self.refuse(where, f"{key} can have at most {digits} decimal places.")
            return ZERO
        # Kept as people write it: 50 and 2.5, never 5E+1 or 2.5000.
        return Decimal(format(number.normalize(), "f")) if number else ZERO

    def codes(self, where: str, line: Mapping) -> tuple[str, str]:
        """The line's tax code (required, one that exists) and ledger category (one
        that exists, or "-" for none)."""
        taxcode = str(line.get("taxcode") or "").strip()
        if taxcode not in self.rates:
            if taxcode:
                self.refuse(where, "tax code '%(code)s' does not exist.", code=taxcode[:40])
            else:
                self.refuse(where, "taxcode is required.")
        category = str(line.get("category") or "").strip() or NO_CATEGORY
        if category != NO_CATEGORY and category not in self.ledgers:
            self.refuse(where, "ledger category '%(code)s' does not exist.", code=category[:40])
        return taxcode, category

    def rate_of(self, taxcode: str) -> str:
        """The code's rate as it is now, frozen with the line that names it."""
        return str(self.rates.get(taxcode, ZERO))

    def line(self, where: str, line) -> dict | None:
        if not isinstance(line, Mapping):
            self.refuse(where, "must be an object with a title, quantity and unitprice.")
            return None
        kind = str(line.get("type") or "fixed").strip().lower()
        if kind not in LINE_TYPES:
            self.refuse(where, "type must be one of %(types)s.", types=", ".join(LINE_TYPES))
        taxcode, category = self.codes(where, line)
        return {
            "type": kind,
            "title": self.text(where, line, "title", DOCUMENT_LINE_TITLE_MAX_CHARS, required=True),
            "description": self.text(
                where, line, "description", DOCUMENT_LINE_DESCRIPTION_MAX_CHARS
            ),
            "quantity": str(self.number(where, line, "quantity", 1)),
            "unitprice": str(self.number(where, line, "unitprice", None)),
            "take": str(self.number(where, line, "take", 100, high=HUNDRED)),
            "taxcode": taxcode,
            "taxrate": self.rate_of(taxcode),
            "markup": str(self.number(where, line, "markup", 0, high=MARKUP_LIMIT)),
            "category": category,
        }


def clean_sections(value, *, field: str = "items") -> list[dict]:
    """The stored form of a document's sections, from a JSON string or a list.

    Every problem is reported at once, each naming its section and line ("items:
    section 2, line 1: tax code '009' does not exist."). A bare list of lines (no
    sections) is taken as one untitled section."""
    if isinstance(value, str):
        try:
            value = load_json(value)
        except ValueError:
            raise field_error(
                field, "%(field)s must be JSON: a list of sections.", "invalid"
            ) from None
    if not isinstance(value, list):
        raise field_error(field, "%(field)s must be a list of sections.", "invalid")
    if value and all(isinstance(item, Mapping) and "items" not in item for item in value):
        value = [{"title": "", "items": value}]
    if len(value) > DOCUMENT_SECTIONS_MAX_ITEMS:
        raise field_error(
            field,
            "%(field)s can have at most %(limit)s sections.",
            "too_many",
            limit=DOCUMENT_SECTIONS_MAX_ITEMS,
        )
    lines = LineChecks(field)
    sections = []
    count = 0
    for number, section in enumerate(value, start=1):
        where = f"section {number}"
        if not isinstance(section, Mapping) or not isinstance(section.get("items", []), list):
            lines.refuse(where, "must be an object with a title and a list of items.")
            continue
        title = lines.text(where, section, "title", DOCUMENT_LINE_TITLE_MAX_CHARS)
        items = section.get("items") or []
        count += len(items)
        if count > DOCUMENT_LINES_MAX_ITEMS:
            raise field_error(
                field,
                "%(field)s can have at most %(limit)s lines in all.",
                "too_many",
                limit=DOCUMENT_LINES_MAX_ITEMS,
            )
        cleaned = [
            lines.line(f"{where}, line {index}", item) for index, item in enumerate(items, start=1)
        ]
        sections.append({"title": title, "items": [line for line in cleaned if line]})
    if lines.errors:
        raise merge(lines.errors)
    return sections


def check_sent_total(sent, totals: Totals, *, field: str = "total") -> None:
    """Depot's `total` check: what the client sent must be the computed total."""
    try:
        number = Decimal(str(sent).strip())
        matches = number.is_finite() and to_cents(number) == totals.total
    except (InvalidOperation, ValueError):
        matches = False
    if not matches:
        raise field_error(
            field,
            "%(field)s does not match the items (expected %(expected)s).",
            "total_mismatch",
            expected=f"{totals.total:.2f}",
        )
