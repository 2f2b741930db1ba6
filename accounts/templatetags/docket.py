from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def can(user, area: str) -> bool:
    """`{% if user|can:'settings' %}`: the same rule the views enforce."""
    return bool(getattr(user, "is_authenticated", False)) and user.can(area)


@register.filter
def money(value, symbol: str = "") -> str:
    """Two decimals, thousands separated, half-up: 1234.5 → 1,234.50."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


@register.filter
def get_value(mapping, key):
    """`{{ row|get_value:column }}`: a dict value by a variable key."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
