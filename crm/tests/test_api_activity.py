import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import UserFactory
from crm import services
from crm.models import Activity
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_company(db):
    return CompanyFactory(name="Depot")


def test_create_and_read_in_the_spec_shape(depot, admin_user, client_company):
    response = depot.post(
        "activity",
        {
            "title": "Called about the launch",
            "type": "C",
            "subtype": "callout",
            "addedby": admin_user.email,
            "for": f"C{client_company.pk}",
            "date": "1392076878",
            "content": "<p>Hello <b>there</b></p><p>Bye &amp; thanks</p>",
        },
    )
    assert response.status_code == 201
    row = depot.get(f"activity/{response.json()['id']}").json()["rows"][0]
    assert row["title"] == "Called about the launch"
    assert row["type"] == "C" and row["subtype"] == "callout"
    assert row["content"] == "Hello there\nBye & thanks"
    assert row["for"] == {"type": "C", "id": str(client_company.pk), "name": "Depot"}
    assert row["by"] == {"email": admin_user.email, "name": admin_user.name, "image": ""}
    assert row["added"] == "1392076878"
    assert row["replyto"] is None and row["replies"] == [] and row["extra"] == {}


def test_iso_dates_are_accepted(depot, admin_user, client_company):
    entry_id = depot.post(
        "activity",
        {
            "title": "x",
            "type": "C",
            "addedby": admin_user.email,
            "for": f"C{client_company.pk}",
            "date": "2026-03-01",
        },
    ).json()["id"]
    assert Activity.objects.get(pk=entry_id).date.date().isoformat() == "2026-03-01"


@pytest.mark.parametrize(
    "changes,errors",
    [
        ({"for": "I999"}, ["for I999 does not exist."]),
        ({"for": "X1"}, ["for X1 does not exist."]),
        ({"for": "hello"}, ["for must be an item code such as C41 or I5, not 'hello'."]),
        ({"type": "Z"}, ["type must be one of: A, B, C, K, Q."]),
        ({"subtype": "fax"}, ["subtype must be email, callin or callout."]),
        ({"type": "A", "subtype": "email"}, ["subtype is only for comments (type C)."]),
        (
            {"addedby": "ghost@studio.test"},
            ["addedby ghost@studio.test is not a user of this account."],
        ),
        ({"title": ""}, ["title is required."]),
        ({"date": "someday"}, ["date must be a date, an ISO 8601 date-time or a Unix timestamp."]),
    ],
)
def test_validation(depot, admin_user, client_company, changes, errors):
    data = {"title": "t", "type": "C", "addedby": admin_user.email, "for": f"C{client_company.pk}"}
    data.update(changes)
    response = depot.post("activity", data)
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert not Activity.objects.exists()


def test_replies_nest_under_their_entry(depot, admin_user, client_company):
    parent = depot.post(
        "activity",
        {
            "title": "Question",
            "type": "C",
            "addedby": admin_user.email,
            "for": f"C{client_company.pk}",
        },
    ).json()["id"]
    reply = depot.post(
        "activity", {"title": "Answer", "type": "C", "addedby": admin_user.email, "replyto": parent}
    )
    assert reply.status_code == 201
    body = depot.get("activity", {"for": f"C{client_company.pk}"}).json()
    assert body["total"] == 1
    row = body["rows"][0]
    assert row["id"] == parent
    assert [r["title"] for r in row["replies"]] == ["Answer"]
    assert row["replies"][0]["replyto"] == parent
    assert row["replies"][0]["for"]["id"] == str(client_company.pk)
    assert (
        depot.post(
            "activity", {"title": "x", "type": "C", "addedby": admin_user.email, "replyto": 999}
        ).status_code
        == 400
    )


def test_list_filters(depot, admin_user, client_company):
    other = UserFactory(email="other@studio.test")
    person = ContactFactory()
    services.create_activity(
        title="Invoice sent", type="B", added_by=admin_user, for_code=client_company.code
    )
    services.create_activity(
        title="Comment", type="C", added_by=other, for_code=client_company.code
    )
    services.create_activity(
        title="About a person", type="C", added_by=admin_user, for_code=person.code
    )

    def titles(**params):
        return sorted(row["title"] for row in depot.get("activity", params).json()["rows"])

    assert titles(type="B") == ["Invoice sent"]
    assert titles(type="b,c") == ["About a person", "Comment", "Invoice sent"]
    assert titles(by="other@studio.test") == ["Comment"]
    assert titles(**{"for": person.code}) == ["About a person"]
    assert depot.get("activity", {"type": "Z"}).status_code == 400
    assert depot.get("activity", {"by": "nobody@studio.test"}).status_code == 400
    assert depot.get("activity", {"for": "nonsense"}).status_code == 400


def test_update_and_delete(depot, admin_user, client_company):
    entry = services.create_activity(
        title="Draft", type="C", added_by=admin_user, for_code=client_company.code
    )
    response = depot.patch(f"activity/{entry.pk}", {"title": "Final", "content": "<i>done</i>"})
    assert response.json() == {"error": False, "id": entry.pk}
    entry.refresh_from_db()
    assert (entry.title, entry.content) == ("Final", "done")
    assert depot.delete(f"activity/{entry.pk}").status_code == 200
    assert depot.get(f"activity/{entry.pk}").status_code == 404


def test_files_attach_to_an_entry(depot, admin_user, client_company):
    entry = services.create_activity(
        title="Brief", type="C", added_by=admin_user, for_code=client_company.code
    )
    response = depot.client.post(
        f"/api/v1/activity/{entry.pk}/upload.json",
        {"_tbxFile1": SimpleUploadedFile("brief.pdf", b"%PDF-1.4 minimal")},
        headers=depot.headers,
    )
    assert response.json()["finish"] is True
    files = depot.get(f"activity/{entry.pk}").json()["rows"][0]["files"]
    assert [f["name"] for f in files] == ["brief.pdf"]
    refused = depot.client.post(
        f"/api/v1/activity/{entry.pk}/upload.json",
        {"_tbxFile1": SimpleUploadedFile("run.exe", b"MZ")},
        headers=depot.headers,
    )
    assert refused.status_code == 400


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(
    depot, admin_user, client_company, django_assert_max_num_queries, count
):
    for index in range(count):
        parent = services.create_activity(
            title=f"Entry {index}", type="C", added_by=admin_user, for_code=client_company.code
        )
        services.create_activity(title="Reply", type="C", added_by=admin_user, replyto=parent)
    with django_assert_max_num_queries(14):
        body = depot.get("activity", {"rows": 100}).json()
    assert body["total"] == count and all(len(row["replies"]) == 1 for row in body["rows"])
