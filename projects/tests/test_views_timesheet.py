"""The timesheet pages: the weekly grid (rows, cells saved as typed, totals, weeks,
added and copied rows), the timer's buttons, and the entries list with its filters
and who sees whose time."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import signed_in_client
from projects.models import JobItem, RunningTimer, TimeEntry
from projects.tests.factories import JobFactory, ProjectFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MONDAY = date(2026, 11, 23)


@pytest.fixture
def item():
    job = JobFactory(title="Website", project=ProjectFactory(title="Acme rebrand"))
    return JobItem.objects.create(job=job, title="Wireframes", added_by=job.added_by)


def log(user, item, day=MONDAY, hours="2"):
    return TimeEntry.objects.create(
        user=user,
        date=day,
        hours=Decimal(hours),
        hours_entered=Decimal(hours),
        project_id=item.job.project_id,
        job_id=item.job_id,
        item_id=item.pk,
    )


def test_the_week_shows_its_rows_and_totals(member, member_client, item):
    log(member, item, MONDAY, "2")
    log(member, item, MONDAY + timedelta(days=2), "1.5")
    log(UserFactory(), item, MONDAY, "7")  # someone else's
    html = member_client.get("/timesheet/", {"week": "2026-11-25"}).content.decode()
    assert "Acme rebrand › Website › Wireframes" in html
    assert f'id="hours-T{item.pk}-0" value="2.00"' in html
    assert f'id="hours-T{item.pk}-2" value="1.50"' in html
    assert "<strong>3.50</strong>" in html
    assert "23 Nov – 29 Nov 2026" in html
    assert 'href="?week=2026-11-16"' in html and 'href="?week=2026-11-30"' in html


def test_a_cell_sets_the_days_hours(member, member_client, item):
    code = f"T{item.pk}"
    response = member_client.post(
        "/timesheet/cell/", {"target": code, "day": "2026-11-24", "hours": "1:30"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="1.50"' in html and 'id="week-total" hx-swap-oob="true"' in html
    assert 'aria-label="Acme rebrand › Website › Wireframes: hours on Tuesday 24 November"' in html
    assert TimeEntry.objects.get().hours == Decimal("1.50")
    member_client.post("/timesheet/cell/", {"target": code, "day": "2026-11-24", "hours": ""})
    assert not TimeEntry.objects.exists()


def test_a_refused_cell_says_why_in_place(member, member_client, item):
    log(member, item, MONDAY, "20")
    response = member_client.post(
        "/timesheet/cell/",
        {"target": f"J{item.job_id}", "day": "2026-11-23", "hours": "5"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "20.00 hours are already logged on 2026-11-23" in html
    assert 'value="5"' in html
    bad = member_client.post("/timesheet/cell/", {"target": "Z1", "day": "x", "hours": "1"})
    assert bad.status_code == 400
    far = {"target": f"J{item.job_id}", "day": "9999-12-31", "hours": "1"}
    assert member_client.post("/timesheet/cell/", far).status_code == 400
    # A week out of range shows this week rather than failing.
    assert member_client.get("/timesheet/", {"week": "9999-12-31"}).status_code == 200


def test_added_and_copied_rows(member, member_client, item):
    other = JobFactory(title="Support")
    log(member, item, MONDAY - timedelta(days=7), "3")
    html = member_client.get("/timesheet/", {"week": "2026-11-23", "rows": f"J{other.pk},Q9"})
    html = html.content.decode()
    assert "Support" in html and "Wireframes" not in html
    assert "Not added (no such open work, or not yours to log on): Q9" in html
    copied = member_client.get("/timesheet/", {"week": "2026-11-23", "copy": "1"}).content.decode()
    assert "Wireframes" in copied
    options = member_client.get("/timesheet/rows/", {"find": "wire"}).content.decode()
    assert f"rows=T{item.pk}" in options


def test_collaborators_add_only_their_jobs(item):
    cole = CollaboratorFactory(collaborator_jobs=[item.job_id])
    client = signed_in_client(cole)
    JobFactory(title="Wireless")
    options = client.get("/timesheet/rows/", {"find": "wi"}).content.decode()
    assert "Wireframes" in options and "Wireless" not in options
    other = JobFactory()
    refused = client.post(
        "/timesheet/cell/", {"target": f"J{other.pk}", "day": "2026-11-23", "hours": "1"}
    )
    assert refused.status_code == 403


@pytest.fixture
def clock(monkeypatch):
    """The server's clock pinned to today's local noon, moved on by `clock.advance`:
    a timer started in the half hour after midnight would rightly be capped there."""

    class Clock:
        now = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))

        def advance(self, **delta):
            self.now += timedelta(**delta)

    pinned = Clock()
    monkeypatch.setattr(timezone, "now", lambda: pinned.now)
    # The model's default holds the real function, taken when the model was defined
    # (and cached by the field as `_get_default`).
    monkeypatch.setattr(RunningTimer._meta.get_field("started"), "_get_default", lambda: pinned.now)
    return pinned


def test_the_timer_runs_across_reloads_and_stops_into_an_entry(member, member_client, item, clock):
    code = f"T{item.pk}"
    response = member_client.post("/timesheet/timer/start/", {"target": code}, headers=HTMX)
    assert 'data-timer-elapsed="0"' in response.content.decode()
    clock.advance(minutes=30)
    html = member_client.get("/timesheet/").content.decode()
    assert "Stop and log" in html and 'data-timer-elapsed="18' in html
    response = member_client.post("/timesheet/timer/stop/", headers=HTMX)
    assert "0.5" in response.headers["HX-Trigger"]
    assert TimeEntry.objects.get().item == item
    assert not RunningTimer.objects.exists()
    member_client.post("/timesheet/timer/start/", {"target": code})
    member_client.post("/timesheet/timer/discard/")
    assert TimeEntry.objects.count() == 1 and not RunningTimer.objects.exists()


def test_entries_for_managers_and_for_oneself(member, item, restricted_to):
    log(member, item, MONDAY, "2")
    log(member, item, MONDAY + timedelta(days=1), "1.25")
    own = restricted_to("projects", name="Olive Own")
    log(own, item, MONDAY, "3")
    manager = signed_in_client(member)
    html = manager.get("/timesheet/entries/").content.decode()
    assert html.count("Wireframes") == 3 and 'name="user"' in html
    # Newest first.
    assert html.index("Tue 24 Nov 2026") < html.index("Mon 23 Nov 2026")
    filtered = manager.get("/timesheet/entries/", {"user": own.email}).content.decode()
    assert "Olive Own" in filtered and "3.00" in filtered and "2.00" not in filtered
    assert "0 entries" not in filtered
    none = manager.get("/timesheet/entries/", {"from": "2026-12-01"}).content.decode()
    assert "No time matches." in none
    mine = signed_in_client(own).get("/timesheet/entries/", {"user": member.email})
    html = mine.content.decode()
    assert 'name="user"' not in html and html.count("Wireframes") == 1


@pytest.mark.parametrize("count", [1, 30])
def test_the_grid_and_list_read_in_a_fixed_number_of_queries(
    member, member_client, count, django_assert_max_num_queries
):
    for index in range(count):
        job = JobFactory()
        item = JobItem.objects.create(job=job, title=f"Item {index}", added_by=job.added_by)
        log(member, item, MONDAY + timedelta(days=index % 7), "0.5")
    with django_assert_max_num_queries(11):
        member_client.get("/timesheet/", {"week": "2026-11-23"})
    with django_assert_max_num_queries(11):
        member_client.get("/timesheet/entries/")
