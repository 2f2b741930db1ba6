"""Job items and actions through projects.services: defaults, each refusal naming
its field, ordering, deletion refused while something holds the row, the reference
checks billing registers, and the notifications the writes send."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from projects import hooks, services
from projects.models import JobAction, JobItem, TimeEntry
from projects.tests.factories import (
    JobActionFactory,
    JobFactory,
    JobItemFactory,
    ProjectFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db


def fields_of(exc: ValidationError) -> set[str]:
    return set(exc.value.error_dict)


def notified(kind: str) -> list[tuple[str, list[str]]]:
    return [
        (n.title, sorted(n.users.values_list("email", flat=True)), n.link)
        for n in Notification.objects.filter(type=kind).order_by("id")
    ]


# --- items ------------------------------------------------------------------------


def test_an_item_takes_its_defaults_and_goes_last_in_its_job():
    job = JobFactory()
    author = UserFactory()
    first = services.create_job_item(title="Design", job=job, added_by=author)
    second = services.create_job_item(
        title="Build", job=job.pk, added_by=author, hours="7.5", rate=60, type="FIXED"
    )
    today = timezone.localdate()
    assert (first.status, first.type, first.hours, first.rate) == ("O", "hourly", 0, 0)
    assert (first.start, first.deadline) == (today, today + timedelta(days=7))
    assert (first.order, second.order) == (1, 2)
    assert (second.type, second.hours, second.rate) == ("fixed", Decimal("7.50"), 60)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"status": "Z"}, "status"),
        ({"type": "daily"}, "type"),
        ({"job": 99999}, "job"),
        ({"job": "abc"}, "job"),
        ({"hours": "-1"}, "hours"),
        ({"hours": "100001"}, "hours"),
        ({"hours": "lots"}, "hours"),
        ({"rate": "-0.01"}, "rate"),
        ({"team": "ghost@nowhere.test"}, "team"),
        ({"start": "monday"}, "start"),
        ({"order": -1}, "order"),
        ({"taxcode": "x" * 21}, "taxcode"),
        ({"description": "x" * 100_001}, "description"),
    ],
)
def test_each_refusal_names_its_field(fields, field):
    item = JobItemFactory(title="Kept")
    with pytest.raises(ValidationError) as exc:
        services.update_job_item(item, **fields)
    assert fields_of(exc) == {field}
    item.refresh_from_db()
    assert item.title == "Kept"


def test_create_names_every_missing_field():
    with pytest.raises(ValidationError) as exc:
        services.create_job_item()
    assert fields_of(exc) == {"title", "job", "addedby"}


def test_tax_code_and_ledger_are_checked_by_the_registered_hook(monkeypatch):
    monkeypatch.setattr(hooks, "_REFERENCE_CHECKS", {})
    item = JobItemFactory()
    services.update_job_item(item, taxcode="ANY", ledger="4000")  # nothing to check against
    known = {"taxcode": {"T1"}, "ledger": {"4000"}}
    for kind, codes in known.items():
        hooks.register_reference_check(kind, codes.__contains__)
    services.update_job_item(item, taxcode="T1", ledger="4000")
    with pytest.raises(ValidationError) as exc:
        services.update_job_item(item, taxcode="T9", ledger="9999")
    assert fields_of(exc) == {"taxcode", "ledger"}
    assert "no tax code with the code T9" in str(exc.value)
    services.update_job_item(item, taxcode="", ledger=None)
    item.refresh_from_db()
    assert (item.taxcode, item.ledger) == ("", "")


def test_moving_an_item_to_another_job_places_it_last_there():
    item = JobItemFactory()
    other = JobFactory()
    JobItemFactory(job=other)
    services.update_job_item(item, job=other)
    item.refresh_from_db()
    assert (item.job, item.order) == (other, 2)


def test_reorder_puts_the_items_in_the_order_given():
    job = JobFactory()
    a, b, c = (JobItemFactory(job=job) for _ in range(3))
    services.reorder_job_items(job, [c.pk, a.pk, b.pk])
    assert list(job.items.order_by("order").values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]
    services.move_job_item(b, -1)
    assert list(job.items.order_by("order").values_list("pk", flat=True)) == [c.pk, b.pk, a.pk]
    services.move_job_item(c, -1)  # already first: stays
    assert list(job.items.order_by("order").values_list("pk", flat=True)) == [c.pk, b.pk, a.pk]


@pytest.mark.parametrize("shape", ["missing", "repeated", "foreign", "junk"])
def test_reorder_refuses_a_list_that_is_not_the_jobs_items(shape):
    job = JobFactory()
    a, b = JobItemFactory(job=job), JobItemFactory(job=job)
    ids = {
        "missing": [a.pk],
        "repeated": [a.pk, a.pk, b.pk],
        "foreign": [a.pk, b.pk, JobItemFactory().pk],
        "junk": [a.pk, "b"],
    }[shape]
    with pytest.raises(ValidationError) as exc:
        services.reorder_job_items(job, ids)
    assert fields_of(exc) == {"items"}
    assert list(job.items.order_by("order").values_list("pk", flat=True)) == [a.pk, b.pk]


def test_an_item_with_actions_or_time_is_not_deleted():
    item = JobItemFactory(title="Held")
    action = JobActionFactory(item=item)
    with pytest.raises(ValidationError) as exc:
        services.delete_job_item(item)
    assert exc.value.messages == ["Held can't be deleted while it has 1 job action."]
    TimeEntryFactory(item=item)
    with pytest.raises(ValidationError) as exc:
        services.delete_job_item(item)
    assert exc.value.messages == ["Held can't be deleted while it has 1 job action, 1 time entry."]
    action.item = JobItemFactory()
    action.save()
    TimeEntry.objects.all().delete()
    services.delete_job_item(item)
    assert not JobItem.objects.filter(pk=item.pk).exists()


def test_a_job_and_a_project_with_time_are_not_deleted():
    project = ProjectFactory(title="Timed")
    TimeEntryFactory(item=None, job=None, project=project)
    with pytest.raises(ValidationError) as exc:
        services.delete_project(project)
    assert exc.value.messages == ["Timed can't be deleted while it has 1 time entry."]
    item = JobItemFactory(job=JobFactory(title="Busy"))
    with pytest.raises(ValidationError) as exc:
        services.delete_job(item.job)
    assert exc.value.messages == ["Busy can't be deleted while it has 1 job item."]


# --- actions ----------------------------------------------------------------------


def test_an_action_defaults_to_unfinished_and_due_in_a_week():
    item = JobItemFactory()
    dee = UserFactory(email="dee@studio.test")
    action = services.create_job_action(
        title="Call", item=item.pk, assigned_to="DEE@studio.test", added_by=item.added_by
    )
    assert (action.status, action.assigned_to, action.completed) == ("U", dee, None)
    assert action.deadline == timezone.localdate() + timedelta(days=7)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"title": ""}, "title"),
        ({"status": "O"}, "status"),
        ({"item": 99999}, "item"),
        ({"assigned_to": "ghost@nowhere.test"}, "assignedto"),
        ({"deadline": "soon"}, "deadline"),
    ],
)
def test_each_action_refusal_names_its_field(fields, field):
    action = JobActionFactory(title="Kept")
    with pytest.raises(ValidationError) as exc:
        services.update_job_action(action, **fields)
    assert fields_of(exc) == {field}


def test_completing_sets_completed_and_reopening_clears_it():
    action = JobActionFactory()
    services.update_job_action(action, status="c")
    action.refresh_from_db()
    assert action.status == "C" and action.completed is not None
    services.update_job_action(action, status="U")
    action.refresh_from_db()
    assert action.completed is None


def test_an_action_with_time_is_not_deleted():
    action = JobActionFactory(title="Logged")
    TimeEntryFactory(item=action.item, action=action)
    with pytest.raises(ValidationError) as exc:
        services.delete_job_action(action)
    assert exc.value.messages == ["Logged can't be deleted while it has 1 time entry."]
    free = JobActionFactory()
    services.delete_job_action(free)
    assert not JobAction.objects.filter(pk=free.pk).exists()


# --- notifications ----------------------------------------------------------------


def test_only_people_newly_on_a_team_are_told_and_never_the_actor():
    boss, dee, sam = (UserFactory(email=f"{n}@studio.test") for n in ("boss", "dee", "sam"))
    project = services.create_project(
        title="Site",
        status="O",
        for_code=f"C{ProjectFactory().client_company.pk}",
        added_by=boss,
        team=[boss.pk, dee.pk],
    )
    services.update_project(project, actor=boss, team=[boss.pk, dee.pk, sam.pk])
    job = services.create_job(
        title="Build", status="O", project=project, added_by=boss, team=[dee.email]
    )
    item = services.create_job_item(title="Code", job=job, added_by=dee, team=[boss.pk, dee.pk])
    assert notified("teamadd") == [
        (
            "You were added to the team of the project Site",
            ["dee@studio.test"],
            f"project/{project.pk}",
        ),
        (
            "You were added to the team of the project Site",
            ["sam@studio.test"],
            f"project/{project.pk}",
        ),
        (
            "You were added to the team of the job Build",
            ["dee@studio.test"],
            f"job/{job.pk}",
        ),
        (
            "You were added to the team of the item Code",
            ["boss@studio.test"],
            f"item/{item.pk}",
        ),
    ]


def test_the_assignee_is_told_and_the_owner_hears_of_completion():
    owner, dee, sam = (UserFactory(email=f"{n}@studio.test") for n in ("owner", "dee", "sam"))
    item = JobItemFactory(title="Code")
    action = services.create_job_action(
        title="Review",
        item=item,
        assigned_to=dee,
        added_by=owner,
        deadline=date(2030, 1, 2),
    )
    services.update_job_action(action, actor=owner, title="Review it")  # same assignee
    services.update_job_action(action, actor=owner, assigned_to=sam.email)
    services.update_job_action(action, actor=owner, assigned_to=owner.email)  # self: silent
    link = f"action/{action.pk}"
    assert notified("actionassigned") == [
        ("Action assigned to you: Review", ["dee@studio.test"], link),
        ("Action assigned to you: Review it", ["sam@studio.test"], link),
    ]
    assert Notification.objects.filter(type="actionassigned").first().content == (
        "Due 02 Jan 2030, on Code."
    )
    services.update_job_action(action, actor=sam, status="C")
    services.update_job_action(action, actor=sam, status="C")  # already completed
    assert notified("actioncompleted") == [
        ("Action completed: Review it", ["owner@studio.test"], link)
    ]
    services.update_job_action(action, actor=owner, status="U")
    services.update_job_action(action, actor=owner, status="C")  # the owner themself
    assert len(notified("actioncompleted")) == 1


def test_time_follows_a_moved_job_item_or_action():
    from projects.models import Job, Project
    from projects.queries import with_hours

    item = JobItemFactory()
    action = JobActionFactory(item=item)
    on_item = TimeEntryFactory(item=item, hours=2)
    on_action = TimeEntryFactory(item=item, action=action, hours=1)
    other_item = JobItemFactory()
    services.update_job_action(action, item=other_item)
    on_action.refresh_from_db()
    assert (on_action.item, on_action.job, on_action.project) == (
        other_item,
        other_item.job,
        other_item.job.project,
    )
    other_job = JobFactory()
    services.update_job_item(item, job=other_job)
    on_item.refresh_from_db()
    assert (on_item.job, on_item.project) == (other_job, other_job.project)
    other_project = ProjectFactory()
    services.update_job(other_job, project=other_project)
    on_item.refresh_from_db()
    assert on_item.project == other_project
    logged = with_hours(Project.objects.filter(pk=other_project.pk), "project").get()
    assert logged.hours_logged == 2
    job = with_hours(Job.objects.filter(pk=other_item.job_id), "job").get()
    assert job.hours_logged == 1
