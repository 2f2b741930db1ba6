"""Recurring invoices (Depot's periodicals): every write to them, their schedule, and
the worker's round that turns each due period into an issued invoice.

A periodical repeats every `repeatinterval` days, weeks, months or years from
`first`, until `last` (or for ever). Period n falls on first + n × the interval,
counted from `first` and never from the last run, so a worker that was down catches
up on every period it missed, and months keep `first`'s day where the month has it
(a schedule from 31 January falls on 28 February, then 31 March).

Each period's invoice is made through `billing.invoicing`, with the periodical's
client, lines, discount, terms, purchase order and delivery, dated that period, and
issued at once; sending it is left to whatever sends an issued invoice. One invoice
per period, whatever happens: each is made in its own transaction under a lock on
the periodical's row, and the unique (periodical, period) constraint refuses a
second one should two workers ever get past the lock.

The worker invoices, in order, the periods that have come (date ≤ today, and ≤
`last`) after the last one it made, and never a period that ended before the
periodical was added: a schedule sent with a `first` years ago starts with the
period running now rather than issuing an invoice for every year since; a schedule
changed after it has run makes its next invoice no sooner than one interval after
the last one.
"""

import calendar
import logging
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from config.errors import Refusals, field_error, field_message
from config.keywords import only_known
from config.limits import PERIODICAL_REPEAT_INTERVAL_MAX
from config.parsing import parse_date, parse_int
from config.text import clean_values
from crm.models import Company
from projects.services import client_from_code, discount_percentage

from . import invoicing
from .models import Invoice, Periodical
from .queries import with_runs
from .totals import check_sent_total, clean_sections, document_totals

logger = logging.getLogger(__name__)

TITLE_MAX_CHARS = Periodical._meta.get_field("title").max_length
Repeat = Periodical.Repeat
# Depot's default when a periodical is added without `repeat`.
DEFAULT_REPEAT = Repeat.YEAR
UNIT_WORDS = {
    Repeat.DAY: ("day", "days"),
    Repeat.WEEK: ("week", "weeks"),
    Repeat.MONTH: ("month", "months"),
    Repeat.YEAR: ("year", "years"),
}


class PeriodicalFields(TypedDict, total=False):
    """A recurring invoice's fields by their Depot names. `client`, `items` and
    `added_by` are required on create; `total`, when sent, must be the items' total."""

    title: str
    client: str  # C41 or I5
    items: list | str
    total: Any
    discount: Decimal | str | int | None
    terms: int | str | None  # days; None: the account's default
    repeat: str  # D, W, M or Y
    repeatinterval: int | str
    first: date | str | int | None  # None: today
    last: date | str | int | None  # None: for ever
    purchaseorder: str
    sendemail: bool | str
    emailto: list[int] | str | None
    emailbcc: list[str] | str | None
    emailmessage: str
    added_by: Any


# --- the schedule -------------------------------------------------------------------


def _months_after(day: date, months: int) -> date:
    """`day` moved on by `months`, on the same day of the month or the month's last
    day when it is shorter. Past the calendar's end: OverflowError."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= date.max.year:
        raise OverflowError
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _moved(day: date, repeat: str, steps: int) -> date | None:
    """`day` moved on by `steps` days, weeks, months or years; None past the
    calendar's end."""
    try:
        if repeat == Repeat.DAY:
            return day + timedelta(days=steps)
        if repeat == Repeat.WEEK:
            return day + timedelta(weeks=steps)
        if repeat == Repeat.MONTH:
            return _months_after(day, steps)
        return _months_after(day, steps * 12)
    except OverflowError:
        return None


def period_date(periodical: Periodical, index: int) -> date | None:
    """The date of period `index` (0 is `first`), or None past the calendar's end.
    Always counted from `first`: the 31st stays the 31st after a short month."""
    return _moved(periodical.first, periodical.repeat, periodical.repeatinterval * index)


def _index_on_or_after(periodical: Periodical, day: date) -> int:
    """The first period whose date is `day` or later (dates only grow with the index)."""
    first = periodical.first
    if day <= first:
        return 0
    if periodical.repeat in (Repeat.DAY, Repeat.WEEK):
        unit = periodical.repeatinterval * (7 if periodical.repeat == Repeat.WEEK else 1)
        return -(-(day - first).days // unit)
    unit = periodical.repeatinterval * (12 if periodical.repeat == Repeat.YEAR else 1)
    # Period `index` falls in a month no later than `day`'s, so at most a step short.
    index = ((day.year - first.year) * 12 + day.month - first.month) // unit
    while (found := period_date(periodical, index)) is not None and found < day:
        index += 1
    return index


def schedule(periodical: Periodical, start: date) -> Iterator[date]:
    """The periods' dates from `start` on (`start` itself if it is one), in order,
    up to `last`."""
    index = _index_on_or_after(periodical, start)
    while (day := period_date(periodical, index)) is not None:
        if periodical.last is not None and day > periodical.last:
            return
        yield day
        index += 1


def run_dates(periodical: Periodical, start: date, count: int) -> list[date]:
    """The first `count` period dates on or after `start`."""
    return list(islice(schedule(periodical, start), count))


def billing_starts(periodical: Periodical) -> date:
    """The first period the worker may invoice: `first`, or for a periodical added
    after it, the period that was running on the day it was added."""
    added_on = timezone.localdate(periodical.added)
    if added_on <= periodical.first:
        return periodical.first
    index = _index_on_or_after(periodical, added_on)
    if period_date(periodical, index) != added_on:
        index -= 1  # the period before it was still running on that day
    return period_date(periodical, max(index, 0)) or periodical.first


def upcoming(periodical: Periodical, count: int, *, last_made: date | None = None) -> list[date]:
    """The dates of the next `count` invoices the worker will make, in order: any
    already due come first (the page shows them as due now).

    After `last_made`, the next invoice is at least one interval later: on an
    unchanged schedule that is simply the next period, and a schedule changed after
    it ran (`first` moved a few days on) can't bill the same month twice."""
    start = billing_starts(periodical)
    if last_made is not None:
        after = _moved(last_made, periodical.repeat, periodical.repeatinterval)
        if after is None:
            return []
        start = max(start, after)
    return run_dates(periodical, start, count)


def next_due(periodical: Periodical, today: date, *, last_made: date | None) -> date | None:
    """The period the worker invoices next, if its day has come."""
    dates = upcoming(periodical, 1, last_made=last_made)
    return dates[0] if dates and dates[0] <= today else None


def repeat_words(repeat: str, interval: int) -> str:
    """ "Every month", "Every 2 weeks"."""
    one, many = UNIT_WORDS.get(repeat, ("period", "periods"))
    return f"Every {one}" if interval == 1 else f"Every {interval} {many}"


# --- writes -------------------------------------------------------------------------


def _title(value) -> str:
    title = str(value or "").strip()
    if len(title) > TITLE_MAX_CHARS:
        raise field_error(
            "title",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=TITLE_MAX_CHARS,
        )
    return title


def _repeat(value) -> str:
    if value in (None, ""):
        return DEFAULT_REPEAT
    repeat = str(value).strip().upper()
    if repeat not in Repeat.values:
        raise field_error(
            "repeat",
            "%(field)s must be D (day), W (week), M (month) or Y (year).",
            "invalid_choice",
        )
    return repeat


def _interval(value) -> int:
    if value in (None, ""):
        return 1
    try:
        interval = parse_int(value)
    except ValueError:
        interval = 0
    if not 1 <= interval <= PERIODICAL_REPEAT_INTERVAL_MAX:
        raise field_error(
            "repeatinterval",
            "%(field)s must be a whole number from 1 to %(limit)s.",
            "out_of_range",
            limit=PERIODICAL_REPEAT_INTERVAL_MAX,
        )
    return interval


def _day(value, field: str) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(value)
    except ValueError as problem:
        raise field_error(
            field, "%(field)s %(problem)s.", "invalid", problem=str(problem)
        ) from None


def planned(*, repeat, repeatinterval, first, last, added: datetime | None = None) -> Periodical:
    """An unsaved periodical with this schedule, to show its dates while it is being
    written: the writes' own rules, a ValidationError naming each wrong field."""
    refusals = Refusals()
    check = refusals.check
    periodical = Periodical(
        repeat=check(_repeat, repeat),
        repeatinterval=check(_interval, repeatinterval),
        first=timezone.localdate() if first in (None, "") else check(_day, first, "first"),
        last=None if last in (None, "") else check(_day, last, "last"),
        added=added or timezone.now(),
    )
    _check_ends(periodical, refusals.errors)
    if refusals.errors:
        raise ValidationError(refusals.errors)
    return periodical


def _check_ends(periodical: Periodical, errors: dict) -> None:
    if (
        "first" not in errors
        and "last" not in errors
        and periodical.first is not None
        and periodical.last is not None
        and periodical.last < periodical.first
    ):
        errors["last"] = field_message(
            "last",
            "%(field)s must be on or after the first date (%(first)s), or empty for never.",
            "before_first",
            first=periodical.first.isoformat(),
        )


def _sections(value) -> list[dict]:
    sections = clean_sections(value if value not in (None, "") else [])
    if not any(section["items"] for section in sections):
        # The worker issues what it makes: an invoice of nothing would be a number
        # taken for no money.
        raise field_error("items", "%(field)s must have at least one line.", "required")
    return sections


def _write_periodical(periodical: Periodical, fields: dict, *, creating: bool) -> None:
    fields = clean_values(only_known(fields, PeriodicalFields))
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors

    if creating or "title" in fields:
        title = check(_title, fields.get("title"))
        if title is not None:
            periodical.title = title
    if creating or "client" in fields:
        client = check(client_from_code, fields.get("client"), field="client")
        if client is not None:
            periodical.client_company, periodical.client_contact = (
                (client, None) if isinstance(client, Company) else (None, client)
            )
    if creating or "items" in fields:
        sections = check(_sections, fields.get("items"))
        if sections is not None:
            periodical.items = sections
    if creating or "discount" in fields:
        discount = check(discount_percentage, fields.get("discount"))
        if discount is not None:
            periodical.discount = discount
    if creating or "terms" in fields:
        terms = check(invoicing.terms_days, fields.get("terms"))
        if terms is not None:
            periodical.terms = terms
    if creating or "repeat" in fields:
        repeat = check(_repeat, fields.get("repeat"))
        if repeat is not None:
            periodical.repeat = repeat
    if creating or "repeatinterval" in fields:
        interval = check(_interval, fields.get("repeatinterval"))
        if interval is not None:
            periodical.repeatinterval = interval
    if creating or "first" in fields:
        first = fields.get("first")
        first = timezone.localdate() if first in (None, "") else check(_day, first, "first")
        if first is not None:
            periodical.first = first
    if "last" in fields:
        last = fields["last"]
        last = None if last in (None, "") else check(_day, last, "last")
        if last is not None or fields["last"] in (None, ""):
            periodical.last = last
    if "purchaseorder" in fields:
        order = check(invoicing.purchase_order, fields["purchaseorder"])
        if order is not None:
            periodical.purchaseorder = order
    invoicing.write_email_fields(periodical, fields, check, errors)
    if creating or "added_by" in fields:
        user = check(invoicing.document_author, fields.get("added_by"))
        if user is not None:
            periodical.added_by = user
    _check_ends(periodical, errors)
    if errors:
        raise ValidationError(errors)

    totals = document_totals(periodical.items, periodical.discount)
    if fields.get("total") is not None:
        check_sent_total(fields["total"], totals)
    for name, amount in totals.money_fields().items():
        setattr(periodical, name, amount)
    periodical.save()


@transaction.atomic
def create_periodical(**fields: Unpack[PeriodicalFields]) -> Periodical:
    periodical = Periodical()
    _write_periodical(periodical, fields, creating=True)
    return periodical


@transaction.atomic
def update_periodical(periodical: Periodical, **fields: Unpack[PeriodicalFields]) -> Periodical:
    """Changes apply to the invoices still to come; those made keep what they had.
    The lock waits for a worker making one of its invoices."""
    periodical = Periodical.objects.select_for_update().get(pk=periodical.pk)
    _write_periodical(periodical, fields, creating=False)
    return periodical


@transaction.atomic
def delete_periodical(periodical: Periodical) -> None:
    """No more invoices; those it made stay, issued, without it."""
    locked = Periodical.objects.select_for_update().filter(pk=periodical.pk).first()
    if locked is not None:
        locked.delete()


# --- the worker's round -------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _invoice_period(periodical: Periodical, day: date) -> Invoice:
    client = periodical.client
    invoice = invoicing.create_invoice(
        client=f"{client.CODE}{client.pk}",
        items=periodical.items,
        discount=periodical.discount,
        terms=periodical.terms,
        purchaseorder=periodical.purchaseorder,
        date=_start_of(day),
        sendemail=periodical.sendemail,
        emailto=periodical.email_to,
        emailbcc=periodical.email_bcc,
        emailmessage=periodical.email_message,
        added_by=periodical.added_by,
        periodical=periodical,
        period=day,
    )
    return invoicing.issue_invoice(invoice)


def _last_made(periodical_id: int) -> date | None:
    return Invoice.objects.filter(periodical_id=periodical_id).aggregate(last=Max("period"))["last"]


def _catch_up(periodical_id: int, today: date) -> int:
    """Every due period of one periodical, oldest first, each in its own transaction
    under the periodical's lock. A refusal (a tax code or a recipient gone since) is
    logged and stops this periodical only: its later periods would fail the same way,
    and it is tried again on the next round."""
    made = 0
    while True:
        day = None
        try:
            with transaction.atomic():
                periodical = (
                    Periodical.objects.select_for_update(of=("self",))
                    .select_related("client_company", "client_contact", "added_by")
                    .filter(pk=periodical_id)
                    .first()
                )
                if periodical is None:
                    return made
                day = next_due(periodical, today, last_made=_last_made(periodical_id))
                if day is None:
                    return made
                _invoice_period(periodical, day)
        except IntegrityError:
            # Already made (another worker got past the lock): the constraint said no.
            # Anything else the database refused stops this periodical, logged.
            if not Invoice.objects.filter(periodical_id=periodical_id, period=day).exists():
                logger.exception("Recurring invoice %s: period %s refused", periodical_id, day)
                return made
            continue
        except ValidationError as refusal:
            logger.warning(
                "Recurring invoice %s: the invoice for %s could not be made: %s",
                periodical_id,
                day,
                "; ".join(refusal.messages),
            )
            return made
        made += 1


def invoice_due_periods(now: datetime | None = None) -> int:
    """The worker's round: for every periodical, an issued invoice for each period
    that has come and has none yet. Returns how many were made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    made = 0
    candidates = with_runs(Periodical.objects.filter(first__lte=today).order_by("pk"))
    for periodical in candidates.iterator():
        if next_due(periodical, today, last_made=periodical.last_made) is not None:
            made += _catch_up(periodical.pk, today)
    return made
