"""Every write to the timesheet (a services room of its own: projects/services.py
holds projects and jobs): logging, changing and deleting time entries, a grid cell's
day total, and the running timer.

Rules, each in one place here:
- hours are more than 0, kept to 2 places; a person's hours on one day add up to at
  most 24 (checked under a lock on the person's row, so two entries saved at once
  can't both pass);
- the account's time rounding (minutes, 0 = none) rounds `hours` up to the interval
  when the entry is saved; `hours_entered` keeps what was typed, and a later change
  of the setting leaves saved entries as they are;
- time may be logged on a project, job, item or action in any status: a finished
  project still gets last week's late timesheets, and invoicing reads them. The
  weekly grid offers only open work to add as a new row;
- who: a person who can't use the "timesheets" area (everyone's timesheets) logs
  and sees only their own time; a collaborator only on the jobs they are given (and
  the items and actions in them);
- billed time is fixed: an entry on an invoice (billing answers which, through
  `projects.hooks.billed_time`) keeps its hours and its target and can't be deleted;
  its row is locked first, so an invoice being made at the same moment either bills
  the change or comes after the refusal. A grid cell holding billed time can be
  raised, never set below what is billed.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypedDict, Unpack

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts import webhooks
from accounts.models import AccountSettings, ApiCredential, User
from config.errors import Refusals, field_error, merge, request_error
from config.keywords import only_known
from config.limits import MAX_ID, TIME_NOTES_MAX_CHARS
from config.text import clean_values

from .hooks import billed_time
from .models import ActivityType, Job, JobAction, JobItem, Project, RunningTimer, TimeEntry
from .queries import collaborator_job_ids

DAY_HOURS = Decimal(24)
HUNDREDTH = Decimal("0.01")
TARGET_LETTERS = (Project.CODE, Job.CODE, JobItem.CODE, JobAction.CODE)

# Who acts on the timesheet: a signed-in person or a bearer token's user, an account
# credential (within its creator's access), or None for the operator.
Actor = User | ApiCredential | None


# --- who may see and log whose time ----------------------------------------------------


def sees_everyones_time(actor: Actor, *, write: bool = False) -> bool:
    if actor is None:
        return True
    if isinstance(actor, ApiCredential):
        return actor.allows("timesheets", write=write)
    return actor.can("timesheets")


def visible_entries(actor: Actor, entries=None):
    """The entries `actor` may see: everyone's with the timesheets area, otherwise
    their own, and a collaborator's own only on their jobs."""
    entries = TimeEntry.objects.all() if entries is None else entries
    if sees_everyones_time(actor):
        return entries
    if isinstance(actor, ApiCredential):
        return entries.none()
    entries = entries.filter(user=actor)
    if actor.is_collaborator:
        entries = entries.filter(job_id__in=collaborator_job_ids(actor))
    return entries


def may_log_for(actor: Actor, user: User) -> bool:
    if sees_everyones_time(actor, write=True):
        return True
    return isinstance(actor, User) and actor.pk == user.pk


def works_on(actor: Actor, target: "Target") -> bool:
    """Whether the actor may log or see time on the target: any, except for a
    collaborator, who keeps to their jobs (a project as a whole is beyond them)."""
    if isinstance(actor, User) and actor.is_collaborator:
        return target.job_id is not None and target.job_id in collaborator_job_ids(actor)
    return True


def require_time_access(actor: Actor, user: User, target: "Target | None") -> None:
    if not may_log_for(actor, user):
        raise PermissionDenied("You can only log and change your own time.")
    if target is not None and not works_on(actor, target):
        raise PermissionDenied("Collaborators can only log time on the jobs they are given.")


def require_entry_access(actor: Actor, entry: TimeEntry) -> None:
    require_time_access(actor, entry.user, Target.of(entry))


# --- targets: P…, J…, T…, A… ---------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What time is logged against, with every level above it (TimeTarget's columns)."""

    project_id: int
    job_id: int | None = None
    item_id: int | None = None
    action_id: int | None = None

    @property
    def code(self) -> str:
        if self.action_id is not None:
            return f"{JobAction.CODE}{self.action_id}"
        if self.item_id is not None:
            return f"{JobItem.CODE}{self.item_id}"
        if self.job_id is not None:
            return f"{Job.CODE}{self.job_id}"
        return f"{Project.CODE}{self.project_id}"

    def columns(self) -> dict[str, int | None]:
        return {
            "project_id": self.project_id,
            "job_id": self.job_id,
            "item_id": self.item_id,
            "action_id": self.action_id,
        }

    @classmethod
    def of(cls, row) -> "Target":
        return cls(row.project_id, row.job_id, row.item_id, row.action_id)


def resolve_target(code, field: str = "job") -> Target:
    """The target a code names (p/P, J, T or A and an id, any case), every level above
    it read in one query; a ValidationError keyed by `field` when there is none."""
    text = str(code or "").strip()
    if not text:
        raise field_error(field, "%(field)s is required.", "required")
    shown = text if len(text) <= 40 else f"{text[:40]}…"
    letter, digits = text[:1].upper(), text[1:]
    if letter not in TARGET_LETTERS or not digits.isdigit():
        raise field_error(
            field,
            "%(field)s must be a project, job, item or action code such as P1, J3, T8 or A5, "
            "not '%(code)s'.",
            "invalid",
            code=shown,
        )
    pk = int(digits) if len(digits) <= 19 else MAX_ID + 1
    found = None
    if pk <= MAX_ID:
        if letter == Project.CODE:
            found = Project.objects.filter(pk=pk).values_list("pk").first()
            found = found and Target(found[0])
        elif letter == Job.CODE:
            found = Job.objects.filter(pk=pk).values_list("project_id", "pk").first()
            found = found and Target(*found)
        elif letter == JobItem.CODE:
            row = JobItem.objects.filter(pk=pk).values_list("job__project_id", "job_id", "pk")
            found = row.first()
            found = found and Target(*found)
        else:
            row = JobAction.objects.filter(pk=pk).values_list(
                "item__job__project_id", "item__job_id", "item_id", "pk"
            )
            found = row.first()
            found = found and Target(*found)
    if not found:
        raise field_error(
            field, "%(field)s: there is no %(code)s.", "not_found", code=f"{letter}{digits}"[:41]
        )
    return found


# --- values --------------------------------------------------------------------------


def parse_hours(value, field: str = "hours") -> Decimal:
    """Hours as a number (2.5) or as hours and minutes (2:30), to 2 places, more than
    0 and at most a day."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        raise field_error(field, "%(field)s must be a number of hours.", "invalid")
    text = str(value).strip()
    try:
        if ":" in text:
            whole, minutes = text.split(":", 1)
            if not (whole.isdigit() or whole == "") or not minutes.isdigit() or len(minutes) > 2:
                raise InvalidOperation
            if int(minutes) >= 60 or len(whole) > 3:
                raise InvalidOperation
            number = Decimal(int(whole or 0)) + Decimal(int(minutes)) / 60
        else:
            if len(text) > 20:
                raise InvalidOperation
            number = Decimal(text)
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise field_error(
            field, "%(field)s must be a number of hours, such as 1.5 or 1:30.", "invalid"
        ) from None
    # Far outside a day the refusal below needs no rounding, and quantizing 1e308 to
    # cents would overflow the decimal context.
    if abs(number) <= DAY_HOURS * 2:
        number = number.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    if number <= 0:
        raise field_error(field, "%(field)s must be more than 0.", "min_value")
    if number > DAY_HOURS:
        raise field_error(field, "%(field)s must be at most 24: a day has 24.", "max_value")
    return number


def rounded_hours(hours: Decimal, interval_minutes: int) -> Decimal:
    """`hours` rounded up to the account's interval (0: as they are)."""
    if not interval_minutes:
        return hours
    minutes = hours * 60
    intervals = (minutes / interval_minutes).to_integral_value(rounding=ROUND_CEILING)
    return (intervals * interval_minutes / Decimal(60)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _whole_intervals(hours: Decimal, interval_minutes: int) -> Decimal:
    """`hours` rounded down to the account's interval (0: as they are)."""
    if not interval_minutes or hours <= 0:
        return hours
    intervals = (hours * 60 / interval_minutes).to_integral_value(rounding=ROUND_FLOOR)
    return (intervals * interval_minutes / Decimal(60)).quantize(HUNDREDTH, rounding=ROUND_FLOOR)


def _activity_type(value) -> ActivityType | None:
    if value in (None, ""):
        return None
    if isinstance(value, ActivityType):
        return value
    text = str(value).strip()
    found = None
    if text.isdigit() and len(text) <= 10:
        found = ActivityType.objects.filter(pk=int(text)).first()
    if found is None:
        raise field_error(
            "type", "%(field)s: there is no activity type %(value)s.", "not_found", value=text[:40]
        )
    return found


def _user(value) -> User:
    if isinstance(value, User):
        user = value
    else:
        text = str(value or "").strip()
        if not text:
            raise field_error("userid", "%(field)s is required.", "required")
        user = get_user_model().objects.filter(email=text.lower()).first()
        if user is None:
            raise field_error(
                "userid", "%(field)s: there is no user %(email)s.", "not_found", email=text[:100]
            )
    if not user.is_active:
        raise field_error(
            "userid", "%(field)s: %(email)s is not active.", "inactive", email=user.email
        )
    return user


# Days time may be logged on: anything outside is a typing slip (and a week past year
# 9999 can't be drawn).
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def _date(value) -> date:
    if value in (None, ""):
        raise field_error("date", "%(field)s is required.", "required")
    if isinstance(value, datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if not isinstance(value, date):
        raise field_error("date", "%(field)s must be a date.", "invalid")
    if not in_range(value):
        raise field_error(
            "date",
            "%(field)s must be between %(first)s and %(last)s.",
            "out_of_range",
            first=FIRST_DAY.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    return value


def _notes(value) -> str:
    notes = str(value or "").strip()
    if len(notes) > TIME_NOTES_MAX_CHARS:
        raise field_error(
            "notes",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=TIME_NOTES_MAX_CHARS,
        )
    return notes


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    raise field_error("isinternal", "%(field)s must be true or false.", "invalid")


# --- entries -------------------------------------------------------------------------


class TimeEntryFields(TypedDict, total=False):
    """A time entry's writable fields, as the API names their errors: `user` is
    `userid`, `target` is `job`, `activity_type` is `type`, `is_internal` is
    `isinternal`. All but `notes`, `activity_type` and `is_internal` are required
    when logging."""

    user: Any  # a User, or their email
    date: date
    hours: Decimal | str | float | int  # 1.5 or "1:30"
    target: str  # P1, J3, T8 or A5 (p1 too)
    notes: str
    activity_type: ActivityType | int | str | None
    is_internal: bool


def _lock_person(user: User) -> None:
    """Serialises writes to one person's day: whoever saves time for them waits here
    until the other's transaction ends, then counts its hours. (SQLite runs one write
    transaction at a time anyway.)"""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def logged_on(user: User, day: date, *, excluding: int | None = None) -> Decimal:
    entries = TimeEntry.objects.filter(user=user, date=day)
    if excluding is not None:
        entries = entries.exclude(pk=excluding)
    return entries.aggregate(total=Sum("hours"))["total"] or Decimal(0)


def _check_day(user: User, day: date, hours: Decimal, *, excluding: int | None = None) -> None:
    already = logged_on(user, day, excluding=excluding)
    if already + hours > DAY_HOURS:
        raise field_error(
            "hours",
            "%(field)s: %(already)s hours are already logged on %(day)s, and a day has "
            "24; at most %(left)s more can be logged.",
            "day_full",
            already=f"{already:.2f}",
            day=day.isoformat(),
            left=f"{max(DAY_HOURS - already, Decimal(0)):.2f}",
        )


@transaction.atomic
def log_time(*, actor: Actor = None, **fields: Unpack[TimeEntryFields]) -> TimeEntry:
    entry = TimeEntry()
    _write_entry(entry, fields, actor=actor, creating=True)
    webhooks.record("timesheet.created", entry.pk)
    return entry


@transaction.atomic
def update_time_entry(
    entry: TimeEntry, *, actor: Actor = None, **fields: Unpack[TimeEntryFields]
) -> TimeEntry:
    require_entry_access(actor, entry)
    _write_entry(entry, fields, actor=actor, creating=False)
    webhooks.record("timesheet.updated", entry.pk)
    return entry


def _billed_on(entry_ids: list[int]) -> dict[int, str]:
    """The billed ones among the entries, after locking their rows: whoever bills or
    changes them at the same moment waits for this transaction (SQLite: one writer)."""
    locked = list(
        TimeEntry.objects.select_for_update().filter(pk__in=entry_ids).values_list("pk", flat=True)
    )
    return billed_time(locked)


@transaction.atomic
def delete_time_entry(entry: TimeEntry, *, actor: Actor = None) -> None:
    """Refused for billed time: the invoice bills it (deleting a draft frees it)."""
    require_entry_access(actor, entry)
    billed = _billed_on([entry.pk])
    if billed:
        raise request_error(
            "This time entry is billed on %(invoice)s, so it can't be deleted.",
            "billed",
            invoice=billed[entry.pk],
        )
    _delete_entry(entry)


def _delete_entry(entry: TimeEntry) -> None:
    """Every deletion of an entry, with its webhook event."""
    row = webhooks.render_for_deletion("timesheet", entry.pk)
    entry_id = entry.pk
    entry.delete()
    webhooks.record_deleted("timesheet", entry_id, row)


def _write_entry(entry: TimeEntry, fields: dict, *, actor: Actor, creating: bool) -> None:
    fields = clean_values(only_known(fields, TimeEntryFields))
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors

    user = entry.user if not creating else None
    if creating or "user" in fields:
        user = check(_user, fields.get("user"))
    if creating or "date" in fields:
        day = check(_date, fields.get("date"))
        if day is not None:
            entry.date = day
    hours = None
    if creating or "hours" in fields:
        if fields.get("hours") in (None, ""):
            errors.update(field_error("hours", "%(field)s is required.", "required").error_dict)
        else:
            hours = check(parse_hours, fields["hours"])
    target = Target.of(entry) if not creating else None
    if creating or "target" in fields:
        target = check(resolve_target, fields.get("target"))
    if "notes" in fields:
        notes = check(_notes, fields["notes"])
        if notes is not None:
            entry.notes = notes
    if "activity_type" in fields:
        activity_type = check(_activity_type, fields["activity_type"])
        if "type" not in errors:
            entry.activity_type = activity_type
    if "is_internal" in fields:
        flag = check(_flag, fields["is_internal"])
        if flag is not None:
            entry.is_internal = flag
    if errors:
        raise ValidationError(errors)
    require_time_access(actor, user, target)
    if not creating:
        _refuse_billed_changes(entry, target, hours)
    entry.user = user
    for column, value in target.columns().items():
        setattr(entry, column, value)
    if hours is not None:
        entry.hours_entered = hours
        entry.hours = rounded_hours(hours, AccountSettings.load().timeround)
    _lock_person(user)
    _check_day(user, entry.date, entry.hours, excluding=entry.pk)
    entry.save()


def _refuse_billed_changes(entry: TimeEntry, target: Target, hours: Decimal | None) -> None:
    """A billed entry keeps its hours and what it was logged on; sending them back as
    they are (an API client returning the row it read) changes nothing and passes."""
    moved = target != Target.of(entry)
    rehoured = hours is not None and (
        rounded_hours(hours, AccountSettings.load().timeround) != entry.hours
    )
    if not (moved or rehoured):
        return
    billed = _billed_on([entry.pk])
    if billed:
        fields = [name for name, changed in (("hours", rehoured), ("job", moved)) if changed]
        raise merge(
            field_error(
                name,
                "%(field)s can't be changed: this time is billed on %(invoice)s.",
                "billed",
                invoice=billed[entry.pk],
            )
            for name in fields
        )


def _is_nothing(hours) -> bool:
    """An emptied grid cell, or one set to 0 (0, 0.0, 0:00)."""
    text = str(hours if hours is not None else "").strip()
    if not text:
        return True
    try:
        return Decimal(text.replace(":", "")) == 0
    except InvalidOperation:
        return False


@transaction.atomic
def set_day_total(*, actor: Actor, user: User, target: str, day: date, hours) -> Decimal:
    """A weekly grid cell: make the person's hours on `target` that day add up to
    `hours` (empty or 0: none). One entry is kept (the first), carrying the notes of
    any others it replaces; returns the new total. Billed entries in the cell stay as
    they are: the rest of the cell is made up around them."""
    resolved = resolve_target(target)
    require_time_access(actor, user, resolved)
    _lock_person(user)
    entries = list(
        TimeEntry.objects.select_for_update()
        .filter(user=user, date=day, **resolved.columns())
        .order_by("pk")
    )
    billed = billed_time([entry.pk for entry in entries])
    if billed:
        return _set_total_around_billed(
            entries, billed, actor=actor, user=user, target=resolved, day=day, hours=hours
        )
    if _is_nothing(hours):
        for entry in entries:
            _delete_entry(entry)
        return Decimal(0)
    if not entries:
        entry = log_time(actor=actor, user=user, date=day, hours=hours, target=resolved.code)
        return entry.hours
    return _keep_one(entries, actor=actor, hours=hours)


def _keep_one(entries: list[TimeEntry], *, actor: Actor, hours) -> Decimal:
    kept, others = entries[0], entries[1:]
    notes = "\n".join(note for note in [kept.notes, *(e.notes for e in others)] if note)
    for other in others:
        _delete_entry(other)
    update_time_entry(kept, actor=actor, hours=hours, notes=notes)
    return kept.hours


def _set_total_around_billed(
    entries: list[TimeEntry],
    billed: dict[int, str],
    *,
    actor: Actor,
    user: User,
    target: Target,
    day: date,
    hours,
) -> Decimal:
    billed_hours = sum((entry.hours for entry in entries if entry.pk in billed), Decimal(0))
    wanted = Decimal(0) if _is_nothing(hours) else parse_hours(hours)
    if wanted < billed_hours:
        raise field_error(
            "hours",
            "%(field)s can't be less than the %(billed)s hours already billed on %(invoice)s.",
            "billed",
            billed=f"{billed_hours:.2f}",
            invoice=", ".join(dict.fromkeys(billed.values())),
        )
    unbilled = [entry for entry in entries if entry.pk not in billed]
    rest = wanted - billed_hours
    if not rest:
        for entry in unbilled:
            _delete_entry(entry)
        return billed_hours
    if not unbilled:
        entry = log_time(actor=actor, user=user, date=day, hours=rest, target=target.code)
        return billed_hours + entry.hours
    return billed_hours + _keep_one(unbilled, actor=actor, hours=rest)


# --- the running timer -----------------------------------------------------------------


@dataclass
class StoppedTimer:
    entry: TimeEntry
    # Why the entry holds less than the clock ran, for the page to say: "midnight" (a
    # timer counts only on the day it was started) or "day_full" (24 h on that day).
    capped: str = ""


def _timer_hours(started: datetime, now: datetime) -> tuple[date, Decimal, str]:
    """The day a timer logs on, its hours, and why they were capped: it counts up to
    midnight of the day it was started, so one left running overnight logs that
    evening, not a 30-hour day. Up to the next hundredth of an hour (36 s), so a
    timer that ran logs something."""
    day = timezone.localdate(started)
    midnight = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    capped = ""
    if now > midnight:
        now, capped = midnight, "midnight"
    seconds = max((now - started).total_seconds(), 1)
    hours = Decimal(math.ceil(seconds / 36)) / 100
    return day, min(hours, DAY_HOURS), capped


def running_timer(user: User) -> RunningTimer | None:
    return RunningTimer.objects.filter(user=user).first()


@transaction.atomic
def start_timer(
    *, user: User, target: str, notes: str = "", activity_type=None, actor: Actor = None
) -> tuple[RunningTimer, StoppedTimer | None]:
    """Start the person's timer on `target`. One runs at a time: a running one is
    stopped first and its time logged, in the same transaction. Returns the new
    timer and what stopping the old one logged."""
    actor = user if actor is None else actor
    refusals = Refusals()
    resolved = refusals.check(resolve_target, target)
    cleaned_notes = refusals.check(_notes, clean_values({"notes": notes})["notes"])
    kind = refusals.check(_activity_type, activity_type)
    if refusals.errors:
        raise ValidationError(refusals.errors)
    require_time_access(actor, user, resolved)
    _lock_person(user)
    stopped = None
    if RunningTimer.objects.filter(user=user).exists():
        stopped = stop_timer(user=user, actor=actor)
    try:
        with transaction.atomic():
            timer = RunningTimer.objects.create(
                user=user, notes=cleaned_notes, activity_type=kind, **resolved.columns()
            )
    except IntegrityError:
        # Another start for the same person got in between (a database without row
        # locks): one timer per person, theirs stands.
        raise request_error(
            "A timer was started for you at the same moment elsewhere; reload to see it.",
            "timer_conflict",
        ) from None
    return timer, stopped


@transaction.atomic
def stop_timer(*, user: User, actor: Actor = None, now: datetime | None = None) -> StoppedTimer:
    """Stop the person's timer and log its time on the day it was started."""
    actor = user if actor is None else actor
    _lock_person(user)
    timer = RunningTimer.objects.filter(user=user).first()
    if timer is None:
        raise request_error("No timer is running.", "no_timer")
    day, hours, capped = _timer_hours(timer.started, now or timezone.now())
    interval = AccountSettings.load().timeround
    # What is left of the day, in whole rounding intervals: rounding up what's left
    # would pass 24 again.
    left = _whole_intervals(DAY_HOURS - logged_on(user, day), interval)
    if rounded_hours(hours, interval) > left:
        if left <= 0:
            raise field_error(
                "hours",
                "%(field)s: 24 hours are already logged on %(day)s; discard the timer "
                "or change that day's entries.",
                "day_full",
                day=day.isoformat(),
            )
        hours, capped = left, "day_full"
    entry = log_time(
        actor=actor,
        user=user,
        date=day,
        hours=hours,
        target=Target.of(timer).code,
        notes=timer.notes,
        activity_type=timer.activity_type,
    )
    timer.delete()
    return StoppedTimer(entry, capped)


def discard_timer(*, user: User) -> bool:
    """Stop the person's timer without logging anything; False if none was running."""
    deleted, _ = RunningTimer.objects.filter(user=user).delete()
    return bool(deleted)
