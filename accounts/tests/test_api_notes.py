"""The Depot `privatetasks` and `notifications` resources: the spec's shapes in JSON
and XML, filters, ordering, pages, writes, errors naming fields, who sees what, and
query counts."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from accounts import services
from accounts.models import Notification, NotificationRecipient, PrivateTask
from accounts.tests.factories import UserFactory
from conftest import as_php_form, credential_client, without_field_detail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

DAY = date(2013, 7, 16)
DAY_EPOCH = 1373932800  # the spec's example: 2013-07-16 00:00 UTC


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def task(user, text="Call doctor", day=DAY, **fields):
    return PrivateTask.objects.create(user=user, text=text, date=day, **fields)


def texts(client, **params):
    response = client.get("privatetasks", params)
    assert response.status_code == 200, response.content
    return [row["text"] for row in response.json()["rows"]]


@pytest.fixture
def depot_person():
    return UserFactory(email="hello@depothq.com", name="Depot")


# --- private tasks: shapes ----------------------------------------------------------


def test_a_task_row_has_the_spec_shape(depot, depot_person):
    one = task(depot_person)
    body = depot.get("privatetasks").json()
    row = {
        "id": one.pk,
        "date": DAY_EPOCH,
        "text": "Call doctor",
        "user": {"email": "hello@depothq.com", "name": "Depot"},
        "done": False,
    }
    assert body == {"error": False, "rows": [row], "total": 1}
    assert depot.get(f"privatetasks/{one.pk}").json() == {"error": False, "rows": [row]}


def test_a_task_in_xml(depot, depot_person):
    one = task(depot_person)
    text = re.sub(r">\s+<", "><", depot.get("privatetasks", fmt="xml").content.decode())
    assert (
        f"<rows><item><date>{DAY_EPOCH}</date><done>false</done><id>{one.pk}</id>"
        "<text>Call doctor</text><user><email>hello@depothq.com</email><name>Depot</name>"
        "</user></item></rows><total>1</total>" in text
    )


# --- private tasks: who sees what --------------------------------------------------


def test_a_person_sees_only_their_own(member, member_api, depot_person):
    task(member, "mine")
    theirs = task(depot_person, "theirs")
    assert texts(member_api) == ["mine"]
    assert texts(member_api, user="MEMBER@studio.test") == ["mine"]
    refused = member_api.get("privatetasks", {"user": "hello@depothq.com"})
    assert refused.status_code == 401
    assert refused.json()["msg"] == "You may only see your own private tasks."
    for call in (
        member_api.get(f"privatetasks/{theirs.pk}"),
        member_api.patch(f"privatetasks/{theirs.pk}", {"done": "1"}),
        member_api.delete(f"privatetasks/{theirs.pk}"),
    ):
        assert call.status_code == 404
    assert PrivateTask.objects.filter(pk=theirs.pk, done=False).exists()


def test_an_administrator_token_sees_only_their_own_too(admin_user, admin_api, member):
    task(member, "member's")
    assert texts(admin_api) == []


def test_a_collaborator_has_tasks_of_their_own(collaborator, collaborator_api):
    response = collaborator_api.post(
        "privatetasks", {"text": "Send invoice", "date": "2026-12-01", "user": collaborator.email}
    )
    assert response.status_code == 201
    assert texts(collaborator_api) == ["Send invoice"]


def test_credentials_see_everyone_and_filter_by_user(depot, member, depot_person):
    task(member, "member's")
    task(depot_person, "depot's")
    assert sorted(texts(depot)) == ["depot's", "member's"]
    assert texts(depot, user="member@studio.test") == ["member's"]
    assert texts(depot, user="nobody@studio.test") == []
    response = depot.get("privatetasks", {"user": "not an email"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["user must be a valid email address."]


def test_credentials_need_the_users_scope(member):
    task(member)
    contacts_only = credential_client(["contacts:write"])
    response = contacts_only.get("privatetasks")
    assert response.status_code == 401
    assert response.json()["msg"] == "These credentials do not have the users:read scope."
    reader = credential_client(["users:read"])
    assert reader.get("privatetasks").status_code == 200
    response = reader.post("privatetasks", {"text": "x", "date": "1", "user": member.email})
    assert response.status_code == 401
    assert response.json()["msg"] == "These credentials do not have the users:write scope."


def test_bad_credentials_are_403(outsider):
    assert outsider.get("privatetasks").status_code == 403
    assert outsider.get("notifications").status_code == 403


# --- private tasks: filters, ordering, pages ----------------------------------------


def test_from_and_to_pick_days(depot, member):
    for offset in range(5):
        task(member, f"day {offset}", DAY + timedelta(days=offset))
    assert texts(depot, **{"from": epoch(DAY) + 86400}) == ["day 1", "day 2", "day 3", "day 4"]
    assert texts(depot, to=epoch(DAY) + 2 * 86400 + 3600) == ["day 0", "day 1", "day 2"]
    assert texts(depot, **{"from": epoch(DAY) + 86400, "to": epoch(DAY) + 86400}) == ["day 1"]
    response = depot.get("privatetasks", {"from": "yesterday"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["from must be a whole number."]


def test_ordering_and_pages(depot, member):
    task(member, "b", DAY)
    task(member, "a", DAY + timedelta(days=2))
    task(member, "c", DAY + timedelta(days=1))
    assert texts(depot) == ["b", "c", "a"]
    assert texts(depot, orderasc="false") == ["a", "c", "b"]
    assert texts(depot, order="text") == ["a", "b", "c"]
    body = depot.get("privatetasks", {"rows": 2, "start": 1}).json()
    assert [row["text"] for row in body["rows"]] == ["c", "a"] and body["total"] == 3
    response = depot.get("privatetasks", {"order": "colour"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["order must be one of: date, done, id, text, user."]


@pytest.mark.parametrize("count", [1, 50])
def test_the_task_list_stays_flat(depot, django_assert_max_num_queries, count):
    people = [UserFactory(), UserFactory()]
    for index in range(count):
        task(people[index % 2], f"t{index}")
    # credential, its last use, the page, the count
    with django_assert_max_num_queries(4):
        body = depot.get("privatetasks", {"rows": 100}).json()
    assert len(body["rows"]) == count == body["total"]


# --- private tasks: writes ---------------------------------------------------------


def test_add_update_and_delete(member, member_api):
    response = member_api.post(
        "privatetasks", {"text": "Call doctor", "date": str(DAY_EPOCH), "user": member.email}
    )
    assert response.status_code == 201
    task_id = response.json()["id"]
    assert response.json() == {"error": False, "id": task_id}
    one = PrivateTask.objects.get(pk=task_id)
    assert (one.text, one.date, one.user) == ("Call doctor", DAY, member)
    response = member_api.patch(f"privatetasks/{task_id}", {"text": "Call dentist", "done": "1"})
    assert response.json() == {"error": False, "id": task_id}
    one.refresh_from_db()
    assert (one.text, one.done, one.date) == ("Call dentist", True, DAY)
    assert member_api.delete(f"privatetasks/{task_id}").json() == {"error": False, "id": task_id}
    assert not PrivateTask.objects.exists()
    assert member_api.delete(f"privatetasks/{task_id}").status_code == 404


def test_what_was_read_can_be_sent_back(member, member_api):
    one = task(member)
    row = member_api.get(f"privatetasks/{one.pk}").json()["rows"][0]
    response = member_api.patch(f"privatetasks/{one.pk}", {**row, "text": "Again"}, as_json=True)
    assert response.status_code == 200, response.content
    one.refresh_from_db()
    assert one.text == "Again"


def test_a_credential_adds_a_task_for_anyone(depot, member):
    response = depot.post(
        "privatetasks", {"text": "x", "date": "2026-12-01", "user": member.email}, as_json=True
    )
    assert response.status_code == 201
    assert PrivateTask.objects.get().user == member


def test_validation_errors_name_their_fields(member, member_api):
    response = member_api.post("privatetasks", {"text": " "})
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": ["text is required.", "date is required.", "user is required."],
    }
    response = member_api.post(
        "privatetasks", {"text": "x" * 501, "date": "soon", "user": member.email, "colour": "red"}
    )
    assert response.json()["errors"] == [
        "colour is not a field Docket knows here (known: text, date, user, done)."
    ]
    response = member_api.post(
        "privatetasks", {"text": "x" * 501, "date": "soon", "user": member.email}
    )
    assert response.json()["errors"] == [
        "text must be at most 500 characters.",
        "date must be a date (YYYY-MM-DD) or a Unix timestamp.",
    ]
    response = member_api.post(
        "privatetasks", {"text": "x", "date": "2026-12-01", "user": "hello@depothq.com"}
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "user": ["user must be your own email (member@studio.test): you post as yourself."]
    }
    assert not PrivateTask.objects.exists()


# --- notifications ------------------------------------------------------------------


@pytest.fixture
def team():
    return (
        UserFactory(email="hello@depothq.com", name="Depot"),
        UserFactory(email="zoe@studio.test", name="Zoe"),
    )


def notification(users, title="Notification title", when=None, **fields):
    fields = {"link": "job/3", "content": "Notification content", **fields}
    note = services.notify("teamadd", title=title, users=users, **fields)
    if when is not None:
        Notification.objects.filter(pk=note.pk).update(date=when)
        note.refresh_from_db()
    return note


def test_a_notification_row_has_the_spec_shape(depot, team):
    depot_user, zoe = team
    note = notification(team, when=datetime.fromtimestamp(1384170422, tz=UTC))
    services.mark_notification_read(note, depot_user)
    services.delete_notification_for(note, depot_user)
    row = {
        "id": note.pk,
        "type": "teamadd",
        "date": "1384170422",
        "title": "Notification title",
        "link": "job/3",
        "content": "Notification content",
        "readby": [{"id": "hello@depothq.com", "name": "Depot"}],
        "deletedby": [{"id": "hello@depothq.com", "name": "Depot"}],
        "users": [
            {"id": "hello@depothq.com", "name": "Depot"},
            {"id": "zoe@studio.test", "name": "Zoe"},
        ],
    }
    assert depot.get("notifications").json() == {"error": False, "rows": [row], "total": 1}
    assert depot.get(f"notifications/{note.pk}").json() == {"error": False, "rows": [row]}


def test_a_notification_in_xml(depot, team):
    note = notification(team[:1], when=datetime.fromtimestamp(1384170422, tz=UTC))
    text = re.sub(r">\s+<", "><", depot.get("notifications", fmt="xml").content.decode())
    assert (
        "<item><content>Notification content</content><date>1384170422</date><deletedby />"
        f"<id>{note.pk}</id><link>job/3</link><readby /><title>Notification title</title>"
        "<type>teamadd</type><users><item><id>hello@depothq.com</id><name>Depot</name></item>"
        "</users></item>" in text
    )


def test_a_person_sees_their_own_notifications(member, member_api, team):
    mine = notification([member, team[0]], "mine")
    theirs = notification(team, "theirs")
    body = member_api.get("notifications").json()
    assert [row["title"] for row in body["rows"]] == ["mine"]
    # A standard user may see who else it was for.
    assert len(body["rows"][0]["users"]) == 2
    assert member_api.get(f"notifications/{theirs.pk}").status_code == 404
    assert member_api.patch(f"notifications/{theirs.pk}", {"readby": member.email}).status_code == (
        404
    )
    assert member_api.get("notifications", {"user": team[0].email}).status_code == 401
    assert member_api.get(f"notifications/{mine.pk}").status_code == 200


def test_a_collaborator_sees_only_themselves_among_the_people(collaborator, collaborator_api, team):
    notification([collaborator, *team])
    row = collaborator_api.get("notifications").json()["rows"][0]
    assert row["users"] == [{"id": collaborator.email, "name": collaborator.name}]


def test_notification_filters_ordering_and_pages(depot, team):
    base = datetime(2026, 11, 1, 12, tzinfo=UTC)
    for offset in range(4):
        notification(team[:1] if offset % 2 else team, f"n{offset}", base + timedelta(days=offset))

    def titles(**params):
        response = depot.get("notifications", params)
        assert response.status_code == 200, response.content
        return [row["title"] for row in response.json()["rows"]]

    assert titles() == ["n0", "n1", "n2", "n3"]
    assert titles(orderasc="false", rows=2) == ["n3", "n2"]
    assert titles(user="zoe@studio.test") == ["n0", "n2"]
    start = int((base + timedelta(days=1)).timestamp())
    assert titles(**{"from": start, "to": start + 86400}) == ["n1", "n2"]
    assert depot.get("notifications", {"rows": 1, "start": 3}).json()["total"] == 4
    assert depot.get("notifications", {"order": "colour"}).status_code == 400
    assert depot.get("notifications", {"to": "later"}).json()["fields"] == {
        "to": ["to must be a whole number."]
    }


def test_to_takes_in_the_whole_second_a_row_shows(depot, team):
    # A row's date is whole seconds; the moment stored has a fraction, and `to` set to
    # the date a client read must still find that row.
    when = datetime(2026, 11, 1, 12, 0, 5, 750000, tzinfo=UTC)
    notification(team, "n", when)
    shown = int(depot.get("notifications").json()["rows"][0]["date"])
    assert depot.get("notifications", {"from": shown, "to": shown}).json()["total"] == 1
    assert depot.get("notifications", {"to": shown - 1}).json()["total"] == 0
    assert depot.get("notifications", {"from": shown + 1}).json()["total"] == 0


def test_patch_marks_read_and_deleted_for_one_person(depot, team):
    depot_user, zoe = team
    note = notification(team)
    response = depot.patch(f"notifications/{note.pk}", {"readby": zoe.email})
    assert response.json() == {"error": False, "id": note.pk}
    copies = {c.user_id: c for c in NotificationRecipient.objects.all()}
    assert copies[zoe.pk].read is not None and copies[depot_user.pk].read is None
    depot.patch(f"notifications/{note.pk}", {"deletedby": depot_user.email}, as_json=True)
    copies = {c.user_id: c for c in NotificationRecipient.objects.all()}
    assert copies[depot_user.pk].deleted is not None and copies[zoe.pk].deleted is None


def test_a_notification_row_sent_back_changes_nothing(depot, member, member_api, team):
    # Its readby/deletedby lists say who had read or deleted it when it was read;
    # sent back as they were (in JSON or JSON-encoded by the PHP kit), they mark no one.
    depot_user, zoe = team
    note = notification([member, *team])
    services.mark_notification_read(note, zoe)
    before = list(NotificationRecipient.objects.order_by("pk").values_list("read", "deleted"))
    row = depot.get(f"notifications/{note.pk}").json()["rows"][0]
    assert depot.patch(f"notifications/{note.pk}", row, as_json=True).status_code == 200
    assert depot.patch(f"notifications/{note.pk}", as_php_form(row)).status_code == 200
    mine = member_api.get(f"notifications/{note.pk}").json()["rows"][0]
    assert member_api.patch(f"notifications/{note.pk}", mine, as_json=True).status_code == 200
    after = list(NotificationRecipient.objects.order_by("pk").values_list("read", "deleted"))
    assert after == before
    # An email beside the lists still marks that person.
    response = depot.patch(
        f"notifications/{note.pk}", {**row, "readby": member.email}, as_json=True
    )
    assert response.status_code == 200
    assert NotificationRecipient.objects.get(notification=note, user=member).read is not None


def test_patch_refusals(depot, member, member_api, team):
    note = notification([member, *team])
    outsider = UserFactory(email="out@studio.test")
    response = depot.patch(f"notifications/{note.pk}", {"readby": outsider.email})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "readby": ["readby out@studio.test is not one of the people this notification is for."]
    }
    response = depot.patch(f"notifications/{note.pk}", {"readby": "nobody@studio.test"})
    assert response.json()["fields"] == {
        "readby": ["readby nobody@studio.test is not a user these credentials may act for."]
    }
    response = depot.patch(f"notifications/{note.pk}", {"deletedby": "nonsense"})
    assert response.json()["errors"] == ["deletedby must be a valid email address."]
    response = depot.patch(f"notifications/{note.pk}", {})
    assert response.status_code == 400
    assert response.json()["errors"] == ["Send readby or deletedby (or both): the email of a user."]
    response = member_api.patch(f"notifications/{note.pk}", {"readby": team[0].email})
    assert response.json()["fields"]["readby"] == [
        "readby must be your own email (member@studio.test): you post as yourself."
    ]
    assert member_api.patch(f"notifications/{note.pk}", {"readby": member.email}).status_code == 200
    assert depot.patch("notifications/999999", {"readby": member.email}).status_code == 404
    assert not NotificationRecipient.objects.filter(read__isnull=False).exclude(user=member)


def test_notifications_cannot_be_deleted(depot, member_api, member):
    note = notification([member])
    for client in (depot, member_api):
        response = client.delete(f"notifications/{note.pk}")
        assert response.status_code == 405
        assert response["Allow"] == "GET, PATCH"
        assert response.json()["error"] is True
        assert "deleted automatically after 3 months" in response.json()["msg"]
    assert Notification.objects.filter(pk=note.pk).exists()
    assert b"<error>true</error>" in depot.delete(f"notifications/{note.pk}", fmt="xml").content


def test_unknown_ids_are_404(depot):
    assert depot.get("notifications/424242").json() == {
        "error": True,
        "msg": "No notification with id 424242.",
    }
    assert depot.get("privatetasks/424242").status_code == 404
    assert depot.patch("privatetasks/424242", {"done": "1"}).status_code == 404


@pytest.mark.parametrize("count", [1, 50])
def test_the_notification_list_stays_flat(depot, django_assert_max_num_queries, count, team):
    for index in range(count):
        note = notification(team, f"n{index}")
        services.mark_notification_read(note, team[index % 2])
    # credential, its last use, the page's ids, its rows, its people, the count
    with django_assert_max_num_queries(6):
        body = depot.get("notifications", {"rows": 100}).json()
    assert len(body["rows"]) == count == body["total"]
    assert all(len(row["users"]) == 2 and len(row["readby"]) == 1 for row in body["rows"])
