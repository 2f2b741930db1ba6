"""Money rounding, in one place: Decimal to the cent, half up (DESIGN §4); and money
as a person types it."""

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# 1,234 or 12,345,678.90: commas only between groups of three, as pages show money.
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_CURRENCY_SYMBOLS = "£$€¥"


def to_cents(amount: Decimal) -> Decimal:
    """0.125 → 0.13, -0.125 → -0.13 (half away from zero, as accountants round)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def typed_amount(text: str) -> str:
    """An amount as a person types or pastes it from a page, as the services read
    numbers: "£1,234.50" → "1234.50". Only a currency symbol in front and commas
    between groups of three digits go; anything else ("12,5", "1,23") is left as it is,
    for the service to refuse by name."""
    text = text.strip()
    if text and text[0] in _CURRENCY_SYMBOLS:
        text = text[1:].strip()
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    return text
