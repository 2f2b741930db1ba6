"""Checks a higher layer registers for the references projects keep as codes.

A job item's tax code and ledger category are billing's reference rows, and billing
sits above projects: projects stores the codes and asks billing, through this
registry, whether a code exists. Billing registers from its `AppConfig.ready()`.
"""

from collections.abc import Callable

# kind ("taxcode", "ledger") -> a function answering whether the code exists
_REFERENCE_CHECKS: dict[str, Callable[[str], bool]] = {}


def register_reference_check(kind: str, exists: Callable[[str], bool]) -> None:
    _REFERENCE_CHECKS[kind] = exists


def reference_exists(kind: str, code: str) -> bool:
    """Whether `code` names a row of `kind`. Without a registered check (billing not
    installed) every code is taken as it is: there is nothing to check it against."""
    exists = _REFERENCE_CHECKS.get(kind)
    return True if exists is None else exists(code)


# Other rows numbered from the account's proposal/project counter (`nextproposalid`):
# billing's proposals, whose number the project made from one keeps. Each function
# answers the highest number its rows use, so no project takes one of them.
_SHARED_NUMBERS: list[Callable[[], int]] = []


def register_shared_numbers(highest: Callable[[], int]) -> None:
    _SHARED_NUMBERS.append(highest)


def highest_shared_number() -> int:
    """The highest number a higher layer's rows took from the counter (0 for none)."""
    return max((highest() or 0 for highest in _SHARED_NUMBERS), default=0)
