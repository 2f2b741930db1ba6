"""Writes for billing's reference data: tax codes, ledger categories, charge rates, and
the products catalogue."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from config.errors import field_error, field_message
from config.limits import DOCUMENT_LINE_DESCRIPTION_MAX_CHARS
from config.money import to_cents
from config.records import delete_unless_used
from config.text import clean_text, required_text, text_problem

from .models import ChargeRate, LedgerCategory, Product, TaxCode
from .totals import AMOUNT_LIMIT


def _clean_text(value, field: str, model) -> str:
    return required_text(value, field, max_length=model._meta.get_field(field).max_length)


def _clean_decimal(value, field: str) -> Decimal:
    not_a_number = field_error(field, "%(field)s must be a number.", "not_a_number")
    try:
        number = Decimal(str(value).strip())
    except Exception:
        raise not_a_number from None
    if not number.is_finite():
        raise not_a_number
    return number


def clean_tax_code(code, name, rate) -> dict:
    rate = _clean_decimal(rate, "rate")
    if not Decimal(0) <= rate <= Decimal(1):
        raise field_error(
            "rate", "%(field)s must be a fraction from 0 to 1 (0.2 means 20%%).", "out_of_range"
        )
    if rate != rate.quantize(Decimal("0.0001")):
        raise field_error("rate", "%(field)s can have at most 4 decimal places.", "precision")
    return {
        "code": _clean_text(code, "code", TaxCode),
        "name": _clean_text(name, "name", TaxCode),
        "rate": rate,
    }


def clean_ledger(code, name) -> dict:
    return {
        "code": _clean_text(code, "code", LedgerCategory),
        "name": _clean_text(name, "name", LedgerCategory),
    }


def clean_charge_rate(name, rate) -> dict:
    rate = _clean_decimal(rate, "rate")
    if rate < 0 or rate >= Decimal("1e10"):
        raise field_error("rate", "%(field)s must be an amount of 0 or more.", "out_of_range")
    return {"name": _clean_text(name, "name", ChargeRate), "rate": to_cents(rate)}


def _description(value) -> str:
    if isinstance(value, dict | list | tuple):
        raise field_error(
            "description", "%(field)s must be text, not a list or an object.", "not_text"
        )
    text = clean_text("" if value is None else str(value)).strip()
    if problem := text_problem(text):
        raise field_error("description", "%(field)s %(problem)s.", "unstorable", problem=problem)
    if len(text) > DOCUMENT_LINE_DESCRIPTION_MAX_CHARS:
        raise field_error(
            "description",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=DOCUMENT_LINE_DESCRIPTION_MAX_CHARS,
        )
    return text


def _code_of(model, value, field: str) -> str:
    """A tax code's or a ledger's code, which must exist; empty for none."""
    code = "" if value is None else str(value).strip()
    if code and not model.objects.filter(code=code).exists():
        raise field_error(field, "%(field)s %(code)s does not exist.", "not_found", code=code[:40])
    return code


def clean_product(name, description, unitprice, taxcode, category) -> dict:
    """A product as the catalogue keeps it: its price to the cent (below a line's
    limit), and a tax code and a ledger that exist, so a line made from it prices."""
    price = _clean_decimal(unitprice, "unitprice")
    if not 0 <= price < AMOUNT_LIMIT:
        raise field_error(
            "unitprice",
            "%(field)s must be an amount from 0 up to %(limit)s.",
            "out_of_range",
            limit=f"{AMOUNT_LIMIT:,.0f}",
        )
    if price != to_cents(price):
        raise field_error("unitprice", "%(field)s can have at most 2 decimal places.", "precision")
    return {
        "name": _clean_text(name, "name", Product),
        "description": _description(description),
        "unitprice": price,
        "taxcode": _code_of(TaxCode, taxcode, "taxcode"),
        "category": _code_of(LedgerCategory, category, "category"),
    }


def _others(model, instance):
    rows = model.objects.all()
    if instance is not None and instance.pk:
        rows = rows.exclude(pk=instance.pk)
    return rows


@transaction.atomic
def _save_one(model, instance, values: dict, unique_field: str, unique_name: bool = False):
    """Save one row; `unique_field` must be unique, and so must the name (ignoring
    case) when `unique_name`: two tax codes both called "Standard VAT" can't be told
    apart on an invoice line."""
    others = _others(model, instance)
    taken = field_error(
        unique_field, "%(field)s %(value)s is already in use.", "taken", value=values[unique_field]
    )
    if others.filter(**{unique_field: values[unique_field]}).exists():
        raise taken
    if unique_name and others.filter(name__iexact=values["name"]).exists():
        raise field_error(
            "name", "%(field)s “%(value)s” is already in use.", "taken", value=values["name"]
        )
    if instance is None:
        last = model.objects.order_by("-position").values_list("position", flat=True).first()
        instance = model(position=(last or 0) + 1)
    for key, value in values.items():
        setattr(instance, key, value)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:  # another request took the same code a moment ago
        raise taken from None
    return instance


def save_tax_code(instance: TaxCode | None, *, code, name, rate) -> TaxCode:
    return _save_one(TaxCode, instance, clean_tax_code(code, name, rate), "code", unique_name=True)


def save_ledger(instance: LedgerCategory | None, *, code, name) -> LedgerCategory:
    return _save_one(LedgerCategory, instance, clean_ledger(code, name), "code", unique_name=True)


def save_charge_rate(instance: ChargeRate | None, *, name, rate) -> ChargeRate:
    return _save_one(ChargeRate, instance, clean_charge_rate(name, rate), "name")


def save_product(
    instance: Product | None, *, name, unitprice, description="", taxcode="", category=""
) -> Product:
    values = clean_product(name, description, unitprice, taxcode, category)
    return _save_one(Product, instance, values, "name", unique_name=True)


def delete_reference_row(instance) -> None:
    delete_unless_used(instance)


def _replace_all(model, rows: list, cleaner, key_field: str, unique_name: bool = False) -> None:
    """Make the table hold exactly `rows`, in that order, keeping rows whose key
    matches so anything that refers to them keeps pointing at the same row. With
    `unique_name`, two rows may not share a name either (ignoring case)."""
    if not isinstance(rows, list):
        raise field_error("value", "%(field)s must be a JSON list.", "not_a_list")
    errors, cleaned, seen, names = [], [], set(), set()

    def row_error(index: int, problem: str) -> None:
        errors.append(
            field_message(
                "value",
                "%(field)s item %(index)s: %(problem)s",
                "row",
                index=index,
                problem=problem,
            )
        )

    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append(
                field_message(
                    "value",
                    "%(field)s item %(index)s must be an object.",
                    "not_an_object",
                    index=index,
                )
            )
            continue
        try:
            values = cleaner(row)
        except ValidationError as exc:
            for message in exc.messages:
                row_error(index, message)
            continue
        if values[key_field] in seen:
            row_error(index, f"{key_field} {values[key_field]} is repeated.")
            continue
        if unique_name and values["name"].casefold() in names:
            row_error(index, f"name “{values['name']}” is repeated.")
            continue
        seen.add(values[key_field])
        names.add(values["name"].casefold())
        cleaned.append(values)
    if errors:
        raise ValidationError({"value": errors})
    with transaction.atomic():
        existing = {getattr(obj, key_field): obj for obj in model.objects.select_for_update()}
        for position, values in enumerate(cleaned, start=1):
            obj = existing.pop(values[key_field], None) or model()
            for key, value in values.items():
                setattr(obj, key, value)
            obj.position = position
            obj.save()
        for obj in existing.values():
            delete_reference_row(obj)


def _unwrap_rows(value):
    # Depot's own examples wrap the list in an object; accept {"anything": [...]} too.
    if isinstance(value, dict) and len(value) == 1:
        (value,) = value.values()
    return value


def replace_tax_codes(rows) -> None:
    _replace_all(
        TaxCode,
        _unwrap_rows(rows),
        # The spec's example names the code "id" in one row; take either.
        lambda row: clean_tax_code(
            row.get("code", row.get("id")), row.get("name"), row.get("rate")
        ),
        "code",
        unique_name=True,
    )


def replace_ledgers(rows) -> None:
    _replace_all(
        LedgerCategory,
        _unwrap_rows(rows),
        lambda row: clean_ledger(row.get("code", row.get("id")), row.get("name")),
        "code",
        unique_name=True,
    )


def replace_charge_rates(rows) -> None:
    _replace_all(
        ChargeRate,
        _unwrap_rows(rows),
        lambda row: clean_charge_rate(row.get("name"), row.get("rate")),
        "name",
    )
