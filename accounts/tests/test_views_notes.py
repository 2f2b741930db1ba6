"""The header's unread badge, the notifications page and "My day" on the dashboard:
each person sees and changes only their own."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import NotificationRecipient, PrivateTask
from accounts.tests.factories import UserFactory
from conftest import signed_in_client

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def tell(user, title="Added to Website redesign", link="projects/12", **fields):
    return services.notify("teamadd", title=title, users=[user], link=link, **fields)


# --- the badge ------------------------------------------------------------------------


def test_every_page_fetches_the_badge_without_counting_itself(member_client):
    html = member_client.get("/").content.decode()
    assert 'href="/notifications/"' in html
    assert 'hx-get="/notifications/badge/"' in html
    assert 'hx-trigger="load, every 60s, notificationsChanged from:body"' in html


def test_the_badge_counts_unread(member, member_client):
    assert "badge-red" not in member_client.get("/notifications/badge/").content.decode()
    for n in range(3):
        tell(member, f"n{n}")
    services.mark_notification_read(tell(member, "read"), member)
    services.delete_notification_for(tell(member, "deleted"), member)
    tell(UserFactory(), "someone else's")
    html = member_client.get("/notifications/badge/", headers=HTMX).content.decode()
    assert '<span class="badge badge-red">3</span>' in html
    # It keeps polling, but no longer on load.
    assert 'hx-trigger="every 60s, notificationsChanged from:body"' in html


def test_the_badge_is_cheap_and_does_not_touch_the_session(
    member, member_client, django_assert_num_queries
):
    tell(member)
    member_client.get("/")  # the session is settled
    with django_assert_num_queries(3):  # the session, the user, the count
        response = member_client.get("/notifications/badge/", headers=HTMX)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_the_badge_only_answers_get(member_client):
    assert member_client.post("/notifications/badge/").status_code == 405


# --- the notifications page --------------------------------------------------------------


def test_the_list_shows_unread_first_and_links_what_it_knows(member, member_client):
    read = tell(member, "Old news")
    services.mark_notification_read(read, member)
    tell(member, "Mystery", link="somewhere/else")
    fresh = tell(member, "Fresh")
    tell(UserFactory(), "Not mine")
    html = member_client.get("/notifications/").content.decode()
    assert html.index("Fresh") < html.index("Mystery") < html.index("Old news")
    assert "Not mine" not in html
    assert f'href="/notifications/{fresh.pk}/open/"' in html
    assert "somewhere/else" in html  # an unknown link is shown, not followed


def test_opening_a_notification_reads_it_and_goes_to_its_target(member, member_client):
    note = tell(member, link="projects/12")
    response = member_client.get(f"/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/projects/12/"
    assert NotificationRecipient.objects.get(user=member).read is not None
    unknown = tell(member, link="job/999999")
    response = member_client.get(f"/notifications/{unknown.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_a_link_outside_the_readers_areas_is_plain_text(restricted_user, restricted_client):
    note = tell(restricted_user, link="projects/12")
    html = restricted_client.get("/notifications/").content.decode()
    assert f"/notifications/{note.pk}/open/" not in html and "projects/12" in html


def test_mark_one_read_mark_all_and_delete(member, member_client):
    # Texts no random token on the page (CSRF, nonces) can hold by chance, as "n1" could.
    first, second, third = (tell(member, f"Harbour reminder number {n}") for n in range(3))
    response = member_client.post(
        f"/notifications/{first.pk}/read/", headers={**HTMX, "HX-Target": "notifications"}
    )
    assert response.status_code == 200
    assert "notificationsChanged" in response["HX-Trigger"]
    assert '<section class="card notifications" id="notifications">' in response.content.decode()
    assert "<html" not in response.content.decode()
    unread = NotificationRecipient.objects.filter(user=member, read__isnull=True)
    assert unread.count() == 2
    member_client.post("/notifications/read/", headers={**HTMX, "HX-Target": "notifications"})
    assert unread.count() == 0
    response = member_client.post(f"/notifications/{second.pk}/delete/")
    assert response.status_code == 302
    html = member_client.get("/notifications/").content.decode()
    assert "Harbour reminder number 1" not in html
    assert "Harbour reminder number 2" in html


def test_someone_elses_notification_is_404(member_client):
    other = tell(UserFactory())
    for url in (f"/notifications/{other.pk}/read/", f"/notifications/{other.pk}/delete/"):
        assert member_client.post(url).status_code == 404
    assert member_client.get(f"/notifications/{other.pk}/open/").status_code == 404
    assert NotificationRecipient.objects.get().read is None


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_stays_flat(member, member_client, django_assert_max_num_queries, count):
    for n in range(count):
        tell(member, f"n{n}")
    member_client.get("/notifications/")  # the account's settings row exists
    # the session, the user, the count, the page, the account's settings
    with django_assert_max_num_queries(5):
        response = member_client.get("/notifications/")
    assert response.content.decode().count('class="notification unread"') == min(count, 25)


# --- my day -----------------------------------------------------------------------------


def test_my_day_lists_todays_own_tasks(member, member_client):
    today = timezone.localdate()
    PrivateTask.objects.create(user=member, date=today, text="Call the printer")
    PrivateTask.objects.create(user=member, date=today + timedelta(days=1), text="Tomorrow's")
    PrivateTask.objects.create(user=UserFactory(), date=today, text="Someone else's")
    html = member_client.get("/").content.decode()
    assert "My day" in html and "Call the printer" in html
    assert "Tomorrow's" not in html and "Someone else's" not in html


def test_another_day_as_a_partial(member, member_client):
    day = date(2026, 12, 24)
    PrivateTask.objects.create(user=member, date=day, text="Wrap presents")
    response = member_client.get("/?day=2026-12-24", headers={**HTMX, "HX-Target": "my-day"})
    html = response.content.decode()
    assert "Wrap presents" in html and "<html" not in html
    assert "Thursday 24 December" in html
    assert "/?day=2026-12-23" in html and "/?day=2026-12-25" in html
    # A day that isn't one shows today.
    assert member_client.get("/?day=someday").status_code == 200


def test_add_tick_and_delete(member, member_client):
    headers = {**HTMX, "HX-Target": "my-day"}
    response = member_client.post(
        "/tasks/add/?day=2026-12-24", {"text": "Wrap presents"}, headers=headers
    )
    assert response.status_code == 200 and "Wrap presents" in response.content.decode()
    task = PrivateTask.objects.get()
    assert (task.user, task.date) == (member, date(2026, 12, 24))
    response = member_client.post(f"/tasks/{task.pk}/done/", headers=headers)
    task.refresh_from_db()
    assert task.done and 'class="private-task done"' in response.content.decode()
    member_client.post(f"/tasks/{task.pk}/done/", headers=headers)
    task.refresh_from_db()
    assert not task.done
    response = member_client.post(f"/tasks/{task.pk}/delete/", headers=headers)
    assert response.status_code == 200 and not PrivateTask.objects.exists()


def test_a_refused_task_shows_why_inline(member_client):
    headers = {**HTMX, "HX-Target": "my-day"}
    response = member_client.post("/tasks/add/", {"text": "  "}, headers=headers)
    html = response.content.decode()
    assert "Task is required." in html and "autofocus" in html
    response = member_client.post("/tasks/add/", {"text": "x" * 501}, headers=headers)
    assert "Task must be at most 500 characters." in response.content.decode()
    assert not PrivateTask.objects.exists()


def test_someone_elses_task_is_404(member_client):
    other = PrivateTask.objects.create(user=UserFactory(), date=date.today(), text="theirs")
    assert member_client.post(f"/tasks/{other.pk}/done/").status_code == 404
    assert member_client.post(f"/tasks/{other.pk}/delete/").status_code == 404
    assert PrivateTask.objects.get().done is False


def test_collaborators_have_their_day_too(collaborator):
    client = signed_in_client(collaborator)
    client.post("/tasks/add/", {"text": "Invoice Acme"})
    assert PrivateTask.objects.get().user == collaborator
    assert "Invoice Acme" in client.get("/").content.decode()
