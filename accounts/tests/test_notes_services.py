"""Private tasks and notifications: the services' rules, the reads the pages share
and the daily purge."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from accounts import queries, services
from accounts.models import Notification, NotificationRecipient, PrivateTask
from accounts.tasks import purge_old_notifications
from accounts.tests.factories import UserFactory
from config.errors import render

pytestmark = pytest.mark.django_db


def refusals(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [render(e, field) for e in errors] for field, errors in exc.error_dict.items()}


# --- private tasks ----------------------------------------------------------------


def test_a_private_task_is_written_for_its_owner(member):
    task = services.create_private_task(
        actor=member, text="  Call the printer ", date=date(2026, 12, 1), user=member
    )
    task.refresh_from_db()
    assert (task.text, task.date, task.done, task.user) == (
        "Call the printer",
        date(2026, 12, 1),
        False,
        member,
    )
    services.update_private_task(task, actor=member, done=True, date=date(2026, 12, 2))
    task.refresh_from_db()
    assert task.done and task.date == date(2026, 12, 2)
    services.delete_private_task(task, actor=member)
    assert not PrivateTask.objects.exists()


def test_every_refusal_names_its_field(member):
    with pytest.raises(ValidationError) as caught:
        services.create_private_task(actor=member, text=" ", date=None, user=None)
    assert refusals(caught.value) == {
        "text": ["text is required."],
        "date": ["date is required."],
        "user": ["user is required."],
    }
    with pytest.raises(ValidationError) as caught:
        services.create_private_task(
            actor=member, text="x" * 501, date="tomorrow", user=member, done="maybe"
        )
    assert refusals(caught.value) == {
        "text": ["text must be at most 500 characters."],
        "date": ["date must be a date."],
        "done": ["done must be true or false."],
    }
    with pytest.raises(ValidationError) as caught:
        services.create_private_task(actor=member, text="a\x00b", date=date.today(), user=member)
    assert list(caught.value.error_dict) == ["text"]


def test_a_task_is_only_for_its_owner(member, admin_user):
    other = UserFactory()
    with pytest.raises(ValidationError) as caught:
        services.create_private_task(actor=member, text="x", date=date.today(), user=other)
    assert refusals(caught.value)["user"] == [
        "user must be your own email: a private task is only for you."
    ]
    task = services.create_private_task(actor=other, text="x", date=date.today(), user=other)
    # An administrator too: private means private.
    for who in (member, admin_user):
        with pytest.raises(PermissionDenied):
            services.update_private_task(task, actor=who, done=True)
        with pytest.raises(PermissionDenied):
            services.delete_private_task(task, actor=who)


def test_an_inactive_user_gets_no_tasks(member):
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError) as caught:
        services.create_private_task(text="x", date=date.today(), user=gone)
    assert "not an active user" in refusals(caught.value)["user"][0]


def test_a_misspelt_field_is_a_type_error(member):
    with pytest.raises(TypeError):
        services.create_private_task(actor=member, txt="x", date=date.today(), user=member)


def test_the_day_lists_open_tasks_first(member):
    today = date(2026, 12, 1)
    done = PrivateTask.objects.create(user=member, date=today, text="done", done=True)
    first = PrivateTask.objects.create(user=member, date=today, text="first")
    PrivateTask.objects.create(user=member, date=today + timedelta(days=1), text="tomorrow")
    PrivateTask.objects.create(user=UserFactory(), date=today, text="someone else's")
    assert list(queries.private_tasks_on(member, today)) == [first, done]


# --- notifications ----------------------------------------------------------------


@pytest.fixture
def two_people():
    return UserFactory(email="ann@studio.test"), UserFactory(email="ben@studio.test")


def test_reading_and_deleting_are_each_persons_own(two_people):
    ann, ben = two_people
    note = services.notify("teamadd", title="Added to Website", users=[ann, ben], link="job/3")
    assert queries.unread_notification_count(ann) == 1
    services.mark_notification_read(note, ann)
    first_read = NotificationRecipient.objects.get(user=ann).read
    services.mark_notification_read(note, ann)
    assert NotificationRecipient.objects.get(user=ann).read == first_read
    assert queries.unread_notification_count(ann) == 0
    assert queries.unread_notification_count(ben) == 1
    services.delete_notification_for(note, ben)
    copy = NotificationRecipient.objects.get(user=ben)
    assert copy.deleted is not None and copy.read is not None
    assert queries.unread_notification_count(ben) == 0
    assert list(queries.notifications_for_page(ben)) == []
    assert list(queries.notifications_for_page(ann)) == [note]


def test_only_a_recipient_reads_or_deletes(two_people):
    ann, ben = two_people
    note = services.notify("teamadd", title="x", users=[ann])
    with pytest.raises(ValidationError) as caught:
        services.update_notification(note, read_by=ben)
    assert refusals(caught.value) == {
        "readby": ["readby ben@studio.test is not one of the people this notification is for."]
    }
    with pytest.raises(ValidationError) as caught:
        services.update_notification(note, deleted_by=ben)
    assert list(caught.value.error_dict) == ["deletedby"]


def test_the_page_lists_unread_first_then_newest(two_people):
    ann, _ = two_people
    now = timezone.now()
    old_unread = services.notify("teamadd", title="old unread", users=[ann])
    Notification.objects.filter(pk=old_unread.pk).update(date=now - timedelta(days=3))
    read = services.notify("teamadd", title="read", users=[ann])
    services.mark_notification_read(read, ann)
    new_unread = services.notify("teamadd", title="new unread", users=[ann])
    listed = list(queries.notifications_for_page(ann))
    assert listed == [new_unread, old_unread, read]
    assert [n.read_at is None for n in listed] == [True, True, False]


def test_mark_all_read(two_people):
    ann, ben = two_people
    for n in range(3):
        services.notify("teamadd", title=f"n{n}", users=[ann, ben])
    assert services.mark_all_notifications_read(ann) == 3
    assert queries.unread_notification_count(ann) == 0
    assert queries.unread_notification_count(ben) == 3


def test_the_unread_count_is_one_query(two_people, django_assert_num_queries):
    ann, _ = two_people
    services.notify("teamadd", title="x", users=[ann])
    with django_assert_num_queries(1):
        assert queries.unread_notification_count(ann) == 1


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 5, 31, 9, tzinfo=UTC), datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2026, 2, 15, tzinfo=UTC), datetime(2025, 11, 15, tzinfo=UTC)),
        (datetime(2024, 5, 30, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2026, 12, 31, tzinfo=UTC), datetime(2026, 9, 30, tzinfo=UTC)),
    ],
)
def test_three_calendar_months_back(moment, expected):
    assert services.months_before(moment, 3) == expected


def test_the_purge_deletes_what_is_older_than_three_months(two_people):
    ann, ben = two_people
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    old = services.notify("teamadd", title="old", users=[ann, ben])
    edge = services.notify("teamadd", title="just kept", users=[ann])
    Notification.objects.filter(pk=old.pk).update(date=datetime(2026, 8, 30, 11, tzinfo=UTC))
    Notification.objects.filter(pk=edge.pk).update(date=datetime(2026, 8, 30, 12, tzinfo=UTC))
    assert services.purge_old_notifications(now) == 1
    assert list(Notification.objects.all()) == [edge]
    assert NotificationRecipient.objects.count() == 1


def test_the_worker_purges_daily(two_people):
    ann, _ = two_people
    old = services.notify("teamadd", title="old", users=[ann])
    Notification.objects.filter(pk=old.pk).update(date=timezone.now() - timedelta(days=100))
    kept = services.notify("teamadd", title="new", users=[ann])
    due = [task.name for task in HUEY.read_periodic(datetime(2030, 1, 1, 3, 23))]
    assert "purge_old_notifications" in due
    assert [task.name for task in HUEY.read_periodic(datetime(2030, 1, 1, 4, 23))].count(
        "purge_old_notifications"
    ) == 0
    purge_old_notifications()  # immediate mode in the tests: runs now
    assert list(Notification.objects.all()) == [kept]
