"""The timesheet services: logging, rounding, the 24-hour day, targets, who may log
whose time, a grid cell's day total, and the running timer."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AccountSettings
from accounts.tests.factories import CollaboratorFactory, RestrictedUserFactory, UserFactory
from config.errors import render
from projects import timesheet
from projects.models import JobAction, JobItem, RunningTimer, TimeEntry
from projects.tests.factories import ActivityTypeFactory, JobFactory, ProjectFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 23)


def make_item(job=None, **fields):
    job = job or JobFactory()
    return JobItem.objects.create(job=job, title="Design", added_by=job.added_by, **fields)


def make_action(item=None):
    item = item or make_item()
    return JobAction.objects.create(item=item, title="Sketch", added_by=item.added_by)


def log(user, hours="1.5", target=None, **fields):
    target = target or f"J{JobFactory().pk}"
    return timesheet.log_time(user=user, date=DAY, hours=hours, target=target, **fields)


def set_rounding(minutes: int) -> None:
    account = AccountSettings.load()
    account.timeround = minutes
    account.save()


# --- targets --------------------------------------------------------------------------


def test_every_level_above_the_target_is_stored():
    action = make_action()
    item, job = action.item, action.item.job
    entry = log(UserFactory(), target=f"a{action.pk}")
    assert (entry.project_id, entry.job_id, entry.item_id, entry.action_id) == (
        job.project_id,
        job.pk,
        item.pk,
        action.pk,
    )
    entry = log(UserFactory(), target=f"T{item.pk}")
    assert (entry.job_id, entry.item_id, entry.action_id) == (job.pk, item.pk, None)
    # Depot's own example writes a project's code in lower case.
    entry = log(UserFactory(), target=f"p{job.project_id}")
    assert (entry.project_id, entry.job_id) == (job.project_id, None)


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        ("", "job is required."),
        (
            "X4",
            "job must be a project, job, item or action code such as P1, J3, T8 or A5, not 'X4'.",
        ),
        ("J", "job must be a project, job, item or action code such as P1, J3, T8 or A5, not 'J'."),
        ("J999999", "job: there is no J999999."),
        ("T" + "9" * 30, "job: there is no T" + "9" * 30 + "."),
    ],
)
def test_an_unknown_target_is_refused_naming_job(code, sentence):
    with pytest.raises(ValidationError) as caught:
        timesheet.log_time(user=UserFactory(), date=DAY, hours="1", target=code)
    assert _rendered(caught.value)["job"] == [sentence]


def _rendered(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [render(e, field) for e in errors] for field, errors in exc.error_dict.items()}


def test_every_wrong_field_is_named_at_once():
    with pytest.raises(ValidationError) as caught:
        timesheet.log_time(
            user="nobody@studio.test", date=None, hours="lots", target="J0", activity_type="x"
        )
    assert sorted(caught.value.error_dict) == ["date", "hours", "job", "type", "userid"]


# --- hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("1.5", "1.50"), ("2:30", "2.50"), (":45", "0.75"), ("0.333", "0.33"), (3, "3.00")],
)
def test_hours_are_kept_to_two_places(typed, kept):
    entry = log(UserFactory(), hours=typed)
    assert entry.hours == entry.hours_entered == Decimal(kept)


@pytest.mark.parametrize(
    "typed", ["0", "-1", "0.001", "25", "abc", "1:75", "NaN", "Infinity", "1e308", "-1e308", 1e308]
)
def test_hours_out_of_a_day_are_refused(typed):
    with pytest.raises(ValidationError) as caught:
        log(UserFactory(), hours=typed)
    assert list(caught.value.error_dict) == ["hours"]


def test_rounding_rounds_up_and_keeps_what_was_typed():
    set_rounding(15)
    entry = log(UserFactory(), hours="1.1")
    assert entry.hours_entered == Decimal("1.10")
    assert entry.hours == Decimal("1.25")
    exact = log(UserFactory(), hours="0.5")
    assert exact.hours == Decimal("0.50")


def test_changing_the_rounding_leaves_saved_entries_alone():
    set_rounding(15)
    entry = log(UserFactory(), hours="0.1")
    set_rounding(60)
    entry.refresh_from_db()
    assert (entry.hours, entry.hours_entered) == (Decimal("0.25"), Decimal("0.10"))
    # Editing something else keeps the rounding it was saved with ...
    timesheet.update_time_entry(entry, notes="Call")
    entry.refresh_from_db()
    assert entry.hours == Decimal("0.25")
    # ... new hours take today's.
    timesheet.update_time_entry(entry, hours="0.1")
    assert entry.hours == Decimal("1.00")


def test_a_day_holds_24_hours_per_person():
    person = UserFactory()
    log(person, hours="20")
    log(UserFactory(), hours="20")  # someone else's day is their own
    with pytest.raises(ValidationError) as caught:
        log(person, hours="4.5")
    assert _rendered(caught.value) == {
        "hours": [
            "hours: 20.00 hours are already logged on 2026-11-23, and a day has 24; at most "
            "4.00 more can be logged."
        ]
    }
    log(person, hours="4")
    assert timesheet.logged_on(person, DAY) == Decimal(24)


def test_changing_an_entry_counts_the_day_without_its_old_hours():
    person = UserFactory()
    entry = log(person, hours="20")
    timesheet.update_time_entry(entry, hours="24")
    assert entry.hours == Decimal(24)


def test_rounded_hours_count_towards_the_day():
    set_rounding(60)
    person = UserFactory()
    log(person, hours="23.5")  # 24 once rounded
    with pytest.raises(ValidationError):
        log(person, hours="0.1")


# --- other fields ---------------------------------------------------------------------


def test_notes_type_and_internal_flag():
    kind = ActivityTypeFactory(name="Design")
    entry = log(UserFactory(), notes="  Logo ideas ", activity_type=str(kind.pk), is_internal=True)
    assert (entry.notes, entry.activity_type, entry.is_internal) == ("Logo ideas", kind, True)


def test_unknown_user_and_type_are_named():
    with pytest.raises(ValidationError) as caught:
        timesheet.log_time(
            user="ghost@studio.test", date=DAY, hours="1", target="P1", activity_type="77"
        )
    rendered = _rendered(caught.value)
    assert rendered["userid"] == ["userid: there is no user ghost@studio.test."]
    assert rendered["type"] == ["type: there is no activity type 77."]
    assert "job" in rendered


def test_time_is_logged_on_finished_work_too():
    job = JobFactory(status="F", project=ProjectFactory(status="F"))
    assert log(UserFactory(), target=f"J{job.pk}").job == job


@pytest.mark.parametrize("day", [date(1969, 12, 31), date(3000, 1, 1)])
def test_dates_out_of_range_are_refused(day):
    with pytest.raises(ValidationError) as caught:
        timesheet.log_time(user=UserFactory(), date=day, hours="1", target=f"J{JobFactory().pk}")
    assert _rendered(caught.value)["date"] == ["date must be between 1970-01-01 and 2999-12-31."]


def test_notes_have_a_limit():
    with pytest.raises(ValidationError) as caught:
        log(UserFactory(), notes="x" * 5001)
    assert list(caught.value.error_dict) == ["notes"]


# --- who ------------------------------------------------------------------------------


def test_without_the_timesheets_area_people_log_only_their_own_time():
    own = RestrictedUserFactory(permissions=["projects"])
    log(own, actor=own)
    with pytest.raises(PermissionDenied):
        log(UserFactory(), actor=own)
    manager = RestrictedUserFactory(permissions=["timesheets"])
    log(UserFactory(), actor=manager)


def test_collaborators_log_time_only_on_their_jobs():
    theirs, other = JobFactory(), JobFactory()
    item = make_item(theirs)
    cole = CollaboratorFactory(collaborator_jobs=[theirs.pk])
    log(cole, actor=cole, target=f"J{theirs.pk}")
    log(cole, actor=cole, target=f"T{item.pk}")
    for target in (f"J{other.pk}", f"P{theirs.project_id}"):
        with pytest.raises(PermissionDenied):
            log(cole, actor=cole, target=target)
    visible = timesheet.visible_entries(cole)
    assert visible.count() == 2


def test_moving_someone_elses_entry_is_refused():
    mine = RestrictedUserFactory(permissions=["projects"])
    entry = log(UserFactory())
    with pytest.raises(PermissionDenied):
        timesheet.update_time_entry(entry, actor=mine, hours="2")
    with pytest.raises(PermissionDenied):
        timesheet.delete_time_entry(entry, actor=mine)
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


# --- a grid cell ----------------------------------------------------------------------


def test_a_cell_sets_the_days_total_for_its_row():
    person, job = UserFactory(), JobFactory()
    code = f"J{job.pk}"
    assert timesheet.set_day_total(actor=person, user=person, target=code, day=DAY, hours="2")
    first = TimeEntry.objects.get()
    log(person, hours="1", target=code, notes="Second")
    timesheet.set_day_total(actor=person, user=person, target=code, day=DAY, hours="1:30")
    entry = TimeEntry.objects.get()
    assert entry.pk == first.pk
    assert (entry.hours, entry.notes) == (Decimal("1.50"), "Second")
    timesheet.set_day_total(actor=person, user=person, target=code, day=DAY, hours="")
    assert not TimeEntry.objects.exists()


# --- the timer ------------------------------------------------------------------------


def test_stopping_a_timer_logs_its_time():
    person, job = UserFactory(), JobFactory()
    timer, stopped = timesheet.start_timer(user=person, target=f"J{job.pk}", notes="Call")
    assert stopped is None
    timer.started = timezone.make_aware(datetime(2026, 11, 23, 10, 0))
    timer.save()
    result = timesheet.stop_timer(user=person, now=timer.started + timedelta(minutes=90))
    assert result.entry.hours == Decimal("1.50")
    assert (result.entry.job, result.entry.notes, result.capped) == (job, "Call", "")
    assert not RunningTimer.objects.exists()


def test_a_short_timer_still_logs_a_hundredth_and_rounds_per_settings():
    person = UserFactory()
    timesheet.start_timer(user=person, target=f"J{JobFactory().pk}")
    assert timesheet.stop_timer(user=person).entry.hours == Decimal("0.01")
    set_rounding(15)
    timesheet.start_timer(user=person, target=f"J{JobFactory().pk}")
    assert timesheet.stop_timer(user=person).entry.hours == Decimal("0.25")


def test_starting_another_timer_stops_the_running_one():
    person = UserFactory()
    first, second = JobFactory(), JobFactory()
    timesheet.start_timer(user=person, target=f"J{first.pk}")
    timer, stopped = timesheet.start_timer(user=person, target=f"J{second.pk}")
    assert stopped.entry.job == first
    assert RunningTimer.objects.get() == timer and timer.job == second


def test_a_timer_left_overnight_counts_until_midnight_of_its_day():
    person = UserFactory()
    timer, _ = timesheet.start_timer(user=person, target=f"J{JobFactory().pk}")
    evening = timezone.make_aware(datetime(2026, 11, 23, 21, 0))
    timer.started = evening
    timer.save()
    result = timesheet.stop_timer(user=person, now=evening + timedelta(hours=30))
    assert result.entry.date == DAY
    assert result.entry.hours == Decimal("3.00")
    assert result.capped == "midnight"


def test_a_timer_fills_at_most_what_is_left_of_the_day():
    person = UserFactory()
    log(person, hours="22")
    timer, _ = timesheet.start_timer(user=person, target=f"J{JobFactory().pk}")
    timer.started = timezone.make_aware(datetime(2026, 11, 23, 9, 0))
    timer.save()
    result = timesheet.stop_timer(user=person, now=timer.started + timedelta(hours=5))
    assert (result.entry.hours, result.capped) == (Decimal("2.00"), "day_full")


def test_a_capped_timer_stays_within_the_day_when_rounding():
    set_rounding(15)
    person = UserFactory()
    log(person, hours="22.1")  # 22.25 once rounded: 1.75 left, 7 whole quarters
    timer, _ = timesheet.start_timer(user=person, target=f"J{JobFactory().pk}")
    timer.started = timezone.make_aware(datetime(2026, 11, 23, 9, 0))
    timer.save()
    result = timesheet.stop_timer(user=person, now=timer.started + timedelta(hours=3))
    assert (result.entry.hours, result.capped) == (Decimal("1.75"), "day_full")
    assert timesheet.logged_on(person, DAY) == Decimal(24)


def test_a_timer_on_a_full_day_is_refused_and_kept():
    person = UserFactory()
    log(person, hours="24")
    timer, _ = timesheet.start_timer(user=person, target=f"J{JobFactory().pk}")
    timer.started = timezone.make_aware(datetime(2026, 11, 23, 9, 0))
    timer.save()
    with pytest.raises(ValidationError) as caught:
        timesheet.stop_timer(user=person, now=timer.started + timedelta(hours=1))
    assert _rendered(caught.value)["hours"][0].startswith("hours: 24 hours are already logged")
    assert RunningTimer.objects.filter(user=person).exists()


def test_stop_and_discard_without_a_timer():
    person = UserFactory()
    with pytest.raises(ValidationError):
        timesheet.stop_timer(user=person)
    assert timesheet.discard_timer(user=person) is False
    timesheet.start_timer(user=person, target=f"J{JobFactory().pk}")
    assert timesheet.discard_timer(user=person) is True
    assert not TimeEntry.objects.exists()


def test_a_collaborator_times_only_their_jobs():
    cole = CollaboratorFactory(collaborator_jobs=[])
    with pytest.raises(PermissionDenied):
        timesheet.start_timer(user=cole, target=f"J{JobFactory().pk}")
