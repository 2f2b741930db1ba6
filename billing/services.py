"""Writes for billing's reference data: tax codes, ledger categories, charge rates."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from config.money import to_cents

from .models import ChargeRate, LedgerCategory, TaxCode


def _clean_text(value, label: str, max_length: int) -> str:
    if isinstance(value, dict | list | tuple):
        raise ValidationError(f"{label} must be text, not a list or an object.")
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationError(f"{label} is required.")
    if len(text) > max_length:
        raise ValidationError(f"{label} must be at most {max_length} characters.")
    return text


def _clean_decimal(value, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except Exception:
        raise ValidationError(f"{label} must be a number.") from None
    if not number.is_finite():
        raise ValidationError(f"{label} must be a number.")
    return number


def clean_tax_code(code, name, rate) -> dict:
    rate = _clean_decimal(rate, "rate")
    if not Decimal(0) <= rate <= Decimal(1):
        raise ValidationError("rate must be a fraction from 0 to 1 (0.2 means 20%).")
    if rate != rate.quantize(Decimal("0.0001")):
        raise ValidationError("rate can have at most 4 decimal places.")
    return {
        "code": _clean_text(code, "code", 20),
        "name": _clean_text(name, "name", 100),
        "rate": rate,
    }


def clean_ledger(code, name) -> dict:
    return {"code": _clean_text(code, "code", 20), "name": _clean_text(name, "name", 100)}


def clean_charge_rate(name, rate) -> dict:
    rate = _clean_decimal(rate, "rate")
    if rate < 0 or rate >= Decimal("1e10"):
        raise ValidationError("rate must be an amount of 0 or more.")
    return {"name": _clean_text(name, "name", 100), "rate": to_cents(rate)}


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
    if others.filter(**{unique_field: values[unique_field]}).exists():
        raise ValidationError(
            {unique_field: f"{unique_field} {values[unique_field]} is already in use."}
        )
    if unique_name and others.filter(name__iexact=values["name"]).exists():
        raise ValidationError({"name": f"name “{values['name']}” is already in use."})
    if instance is None:
        last = model.objects.order_by("-position").values_list("position", flat=True).first()
        instance = model(position=(last or 0) + 1)
    for key, value in values.items():
        setattr(instance, key, value)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:  # another request took the same code a moment ago
        raise ValidationError(
            {unique_field: f"{unique_field} {values[unique_field]} is already in use."}
        ) from None
    return instance


def save_tax_code(instance: TaxCode | None, *, code, name, rate) -> TaxCode:
    return _save_one(TaxCode, instance, clean_tax_code(code, name, rate), "code", unique_name=True)


def save_ledger(instance: LedgerCategory | None, *, code, name) -> LedgerCategory:
    return _save_one(LedgerCategory, instance, clean_ledger(code, name), "code", unique_name=True)


def save_charge_rate(instance: ChargeRate | None, *, name, rate) -> ChargeRate:
    return _save_one(ChargeRate, instance, clean_charge_rate(name, rate), "name")


def delete_reference_row(instance) -> None:
    """Tax codes, ledgers and rates that documents use are protected by their foreign
    keys; the ProtectedError surfaces as a validation error naming what uses it."""
    from django.db.models import ProtectedError

    try:
        instance.delete()
    except ProtectedError as exc:
        raise ValidationError(
            f"{instance} is used by {len(exc.protected_objects)} record(s) and can't be deleted."
        ) from exc


def _replace_all(model, rows: list, cleaner, key_field: str, unique_name: bool = False) -> None:
    """Make the table hold exactly `rows`, in that order, keeping rows whose key
    matches so anything that refers to them keeps pointing at the same row. With
    `unique_name`, two rows may not share a name either (ignoring case)."""
    if not isinstance(rows, list):
        raise ValidationError("value must be a JSON list.")
    errors, cleaned, seen, names = [], [], set(), set()
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append(f"value item {index} must be an object.")
            continue
        try:
            values = cleaner(row)
        except ValidationError as exc:
            errors.extend(f"value item {index}: {message}" for message in exc.messages)
            continue
        if values[key_field] in seen:
            errors.append(f"value item {index}: {key_field} {values[key_field]} is repeated.")
            continue
        if unique_name and values["name"].casefold() in names:
            errors.append(f"value item {index}: name “{values['name']}” is repeated.")
            continue
        seen.add(values[key_field])
        names.add(values["name"].casefold())
        cleaned.append(values)
    if errors:
        raise ValidationError(errors)
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
