"""Money rounding, in one place: Decimal to the cent, half up (DESIGN §4)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """0.125 → 0.13, -0.125 → -0.13 (half away from zero, as accountants round)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
