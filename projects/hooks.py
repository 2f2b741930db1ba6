"""Checks a higher layer registers for what projects keeps but doesn't own.

A job item's tax code and ledger category are billing's reference rows, and billing
sits above projects: projects stores the codes and asks billing, through this
registry, whether a code exists. Time that billing has put on an invoice is fixed:
the timesheet asks, through `billed_time`, which of the entries it is about to
change or delete are billed. Billing registers both from its `AppConfig.ready()`.
"""

from collections.abc import Callable, Iterable

# kind ("taxcode", "ledger") -> a function answering whether the code exists
_REFERENCE_CHECKS: dict[str, Callable[[str], bool]] = {}
# entry ids -> {entry id: what billed it ("invoice 2401", "draft invoice #7")}
_BILLED_TIME: list[Callable[[list[int]], dict[int, str]]] = []


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


def register_billed_time(billed: Callable[[list[int]], dict[int, str]]) -> None:
    """`billed(entry_ids)` answers which of the time entries are on an invoice, each
    with the words naming that invoice. Registering again replaces the check."""
    _BILLED_TIME[:] = [billed]


def billed_time(entry_ids: Iterable[int]) -> dict[int, str]:
    """The billed ones among `entry_ids` and what billed them; none without billing."""
    ids = [pk for pk in entry_ids if pk is not None]
    if not ids or not _BILLED_TIME:
        return {}
    return _BILLED_TIME[0](ids)
