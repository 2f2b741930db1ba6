"""The query string of a list: `rows`, `start`, `order` and `orderasc` as the spec
defines them, and the typed filters resources share (true/false flags, whole numbers,
epoch timestamps), each refused with a sentence that names the parameter."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from config.parsing import parse_bool, parse_int

from .counts import counted_total
from .errors import ApiValidationError


@dataclass
class ListParams:
    rows: int
    start: int
    order: str
    ascending: bool
    # The request whose page may have read the table's kept total (RowSpec.rows).
    request: object = field(default=None, repr=False, compare=False)

    @property
    def order_prefix(self) -> str:
        return "" if self.ascending else "-"

    def page(self, queryset):
        return queryset[self.start : self.start + self.rows]

    def total(self, matching, shown: int) -> int:
        """The envelope's `total`: every row `matching` holds, not just the page. A page
        that came back short already says it, unless it is empty past the first page
        (the rows may end anywhere before `start`); a whole counted table has its
        number kept (config.api.counts); otherwise the database counts."""
        if shown < self.rows and (shown or not self.start):
            return self.start + shown
        kept = counted_total(matching, self.request)
        return kept if kept is not None else matching.count()


MAX_ROWS = 1000


def list_params(
    request,
    orderings: dict[str, str | tuple],
    default_order: str,
    *,
    default_ascending: bool = True,
) -> ListParams:
    """`rows`, `start`, `order`, `orderasc` as the spec defines them. `orderings` maps
    each order key clients may send to the model field(s) it sorts by; any other key
    is a 400 rather than a crash or a silent default. `default_ascending` is the
    resource's `orderasc` when none is sent (invoices and payments: newest first)."""
    query = request.GET
    rows, start, errors = _paging(query)
    order = query.get("order") or default_order
    if order not in orderings:
        errors.append(("order", f"order must be one of: {', '.join(sorted(orderings))}."))
    ascending = default_ascending
    if "orderasc" in query:
        try:
            ascending = parse_bool(query["orderasc"])
        except ValueError:
            errors.append(("orderasc", "orderasc must be true or false."))
    if errors:
        raise ApiValidationError.by_field(errors)
    return ListParams(rows=rows, start=start, order=order, ascending=ascending, request=request)


def _paging(query) -> tuple[int, int, list[tuple[str, str]]]:
    errors = []
    rows, start = 10, 0
    try:
        rows = parse_int(query.get("rows", 10))
        if rows < 1:
            raise ValueError
        rows = min(rows, MAX_ROWS)
    except ValueError:
        errors.append(("rows", f"rows must be a whole number between 1 and {MAX_ROWS}."))
    try:
        start = parse_int(query.get("start", 0))
        if start < 0:
            raise ValueError
        # Past any real table, and within the database's 64-bit OFFSET.
        start = min(start, 2**62)
    except ValueError:
        errors.append(("start", "start must be a whole number of at least 0."))
    return rows, start, errors


def query_paging(request) -> tuple[int, int]:
    """`rows` and `start` alone, for answers that page something other than a
    queryset's rows (the reports page their groups)."""
    rows, start, errors = _paging(request.GET)
    if errors:
        raise ApiValidationError.by_field(errors)
    return rows, start


def order_queryset(queryset, params: ListParams, orderings: dict[str, str | tuple]):
    fields = orderings[params.order]
    if isinstance(fields, str):
        fields = (fields,)
    # The primary key last keeps pages stable when the sort key has ties.
    ordering = [params.order_prefix + name for name in fields]
    ordering.append(params.order_prefix + "pk")
    return queryset.order_by(*ordering)


def query_flags(request, defaults: dict[str, bool]) -> dict[str, bool]:
    """True/false switches (`hidenotes`, ...), each its default when absent or empty."""
    flags, errors = {}, []
    for name, default in defaults.items():
        raw = request.GET.get(name)
        if raw is None or raw == "":
            flags[name] = default
            continue
        try:
            flags[name] = parse_bool(raw)
        except ValueError:
            errors.append((name, f"{name} must be true or false."))
    if errors:
        raise ApiValidationError.by_field(errors)
    return flags


def query_bool(request, name: str) -> bool | None:
    """An optional true/false filter: None when absent."""
    if request.GET.get(name) in (None, ""):
        return None
    return query_flags(request, {name: False})[name]


def query_int(request, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    try:
        return parse_int(raw)
    except ValueError:
        raise ApiValidationError(f"{name} must be a whole number.", field=name) from None


def query_epoch(request, name: str) -> datetime | None:
    """An epoch timestamp filter (`lastupdated`) as an aware datetime."""
    seconds = query_int(request, name)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ApiValidationError(f"{name} is out of range.", field=name) from None
