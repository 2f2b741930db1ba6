"""The Depot `activity` resource: the journal."""

from datetime import UTC, datetime, timedelta
from xml.dom import minidom

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import without_field_detail
from crm import services
from crm.models import Activity, ActivityFile
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory

# The rate limit has tests of its own; here it would only add a statement to
# the query counts and refuse the longer request runs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


@pytest.fixture
def client_company(db):
    return CompanyFactory(name="Depot")


@pytest.fixture
def valid(admin_user, client_company):
    return {
        "title": "t",
        "type": "C",
        "addedby": admin_user.email,
        "for": f"C{client_company.pk}",
    }


def titles(depot, **params):
    response = depot.get("activity", params)
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["rows"]]


def attach(depot, entry_id, name, content):
    return depot.client.post(
        f"/api/v1/activity/{entry_id}/upload.json",
        {"_tbxFile1": SimpleUploadedFile(name, content)},
        headers=depot.headers,
    )


# --- create and read --------------------------------------------------------------


def test_create_and_read_in_the_spec_shape(depot, admin_user, client_company):
    response = depot.post(
        "activity",
        {
            "title": "Called about the launch",
            "type": "C",
            "subtype": "callout",
            "addedby": admin_user.email.upper(),
            "for": f"C{client_company.pk}",
            "date": "1392076878",
            "content": "<p>Hello <b>there</b></p>",
        },
    )
    assert response.status_code == 201
    entry = Activity.objects.get()
    assert response.json() == {"error": False, "id": entry.pk}
    assert depot.get(f"activity/{entry.pk}").json() == {
        "error": False,
        "rows": [
            {
                "id": entry.pk,
                "title": "Called about the launch",
                "type": "C",
                "subtype": "callout",
                "content": "Hello there",
                "for": {"type": "C", "id": str(client_company.pk), "name": "Depot"},
                "by": {"email": admin_user.email, "name": admin_user.name, "image": ""},
                "added": "1392076878",
                "extra": {},
                "files": [],
                "replyto": None,
                "replies": [],
            }
        ],
    }


def test_xml_shape(depot, admin_user, client_company):
    entry = services.create_activity(
        title="Sent Invoice 10",
        type="A",
        added_by=admin_user,
        for_code=client_company.code,
        date=datetime.fromtimestamp(1392076878, tz=UTC),
        content="Hello",
    )
    body = depot.get("activity", fmt="xml").content.decode()
    assert body == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<response>\n"
        "   <error>false</error>\n"
        "   <rows>\n"
        "      <item>\n"
        "         <added>1392076878</added>\n"
        "         <by>\n"
        f"            <email>{admin_user.email}</email>\n"
        "            <image />\n"
        f"            <name>{admin_user.name}</name>\n"
        "         </by>\n"
        "         <content>Hello</content>\n"
        "         <extra />\n"
        "         <files />\n"
        "         <for>\n"
        f"            <id>{client_company.pk}</id>\n"
        "            <name>Depot</name>\n"
        "            <type>C</type>\n"
        "         </for>\n"
        f"         <id>{entry.pk}</id>\n"
        "         <replies />\n"
        '         <replyto null="true" />\n'
        '         <subtype null="true" />\n'
        "         <title>Sent Invoice 10</title>\n"
        "         <type>A</type>\n"
        "      </item>\n"
        "   </rows>\n"
        "   <total>1</total>\n"
        "</response>\n"
    )


@pytest.mark.parametrize(
    "content,expected",
    [
        ("<p>Hello <b>there</b></p>", "Hello there"),
        ("<p>One</p><p>Two &amp; three</p>", "One\nTwo & three"),
        ("Line<br />break", "Line\nbreak"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_content_is_stripped_of_html(depot, valid, content, expected):
    entry_id = depot.post("activity", {**valid, "content": content}).json()["id"]
    assert depot.get(f"activity/{entry_id}").json()["rows"][0]["content"] == expected


@pytest.mark.parametrize(
    "content,expected",
    [
        ("&lt;script&gt;alert(1)&lt;/script&gt;Hi", "Hi"),
        ("&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Hi", "Hi"),
        ("&amp;amp;lt;script&amp;amp;gt;alert(1)&amp;amp;lt;/script&amp;amp;gt;", ""),
        ("&#60;script&#62;alert(1)&#x3C;/script&#x3E;Hi", "Hi"),
        ("<<script>script>alert(1)<</script>/script>Hi", "Hi"),
        ('<img src=x onerror="alert(1)">Photo', "Photo"),
        ("&lt;img src=x onerror=alert(1)&gt;Photo", "Photo"),
        ('<a href="javascript:alert(1)">Click</a>', "Click"),
        ('&lt;a href="javascript:alert(1)"&gt;Click&lt;/a&gt;', "Click"),
        ("&lt;svg/onload=alert(1)&gt;", ""),
        ("1 &lt; 2 &amp;&amp; 3 &gt; 2 <3", "1 < 2 && 3 > 2 <3"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_content_never_comes_back_as_markup(depot, valid, content, expected, fmt):
    entry_id = depot.post("activity", {**valid, "content": content}).json()["id"]
    response = depot.get(f"activity/{entry_id}", fmt=fmt)
    if fmt == "json":
        assert response.json()["rows"][0]["content"] == expected
    else:
        text = minidom.parseString(response.content).getElementsByTagName("content")[0]
        assert (text.firstChild.data if text.firstChild else "") == expected


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("1392076878", datetime(2014, 2, 11, 0, 1, 18, tzinfo=UTC)),
        ("2014-02-11T00:01:18Z", datetime(2014, 2, 11, 0, 1, 18, tzinfo=UTC)),
        ("2014-02-11T01:01:18+01:00", datetime(2014, 2, 11, 0, 1, 18, tzinfo=UTC)),
    ],
)
def test_dates_as_epoch_or_iso(depot, valid, raw, expected):
    entry_id = depot.post("activity", {**valid, "date": raw}).json()["id"]
    assert Activity.objects.get(pk=entry_id).date == expected
    assert depot.get(f"activity/{entry_id}").json()["rows"][0]["added"] == str(
        int(expected.timestamp())
    )


def test_a_plain_date_stays_on_its_day(depot, valid):
    entry_id = depot.post("activity", {**valid, "date": "2026-03-01"}).json()["id"]
    assert Activity.objects.get(pk=entry_id).date.date().isoformat() == "2026-03-01"


def test_date_defaults_to_now(depot, valid):
    before = datetime.now(tz=UTC) - timedelta(seconds=2)
    entry_id = depot.post("activity", valid).json()["id"]
    assert Activity.objects.get(pk=entry_id).date >= before


@pytest.mark.parametrize("kind", ["A", "B", "C", "K", "Q", "c"])
def test_every_type_is_accepted(depot, valid, kind):
    entry_id = depot.post("activity", {**valid, "type": kind}).json()["id"]
    assert Activity.objects.get(pk=entry_id).type == kind.upper()


@pytest.mark.parametrize("subtype", ["email", "callin", "callout", "CallIn"])
def test_comment_subtypes(depot, valid, subtype):
    entry_id = depot.post("activity", {**valid, "subtype": subtype}).json()["id"]
    assert depot.get(f"activity/{entry_id}").json()["rows"][0]["subtype"] == subtype.lower()


def test_for_can_be_a_person_a_user_or_lower_case(depot, valid, admin_user):
    person = ContactFactory(firstname="Irene", lastname="Adler")
    entry_id = depot.post("activity", {**valid, "for": f"i{person.pk}"}).json()["id"]
    row = depot.get(f"activity/{entry_id}").json()["rows"][0]
    assert row["for"] == {"type": "I", "id": str(person.pk), "name": "Irene Adler"}
    entry_id = depot.post("activity", {**valid, "for": f"U{admin_user.pk}"}).json()["id"]
    assert depot.get(f"activity/{entry_id}").json()["rows"][0]["for"]["name"] == "Alex Admin"


def test_a_bearer_user_can_write_the_journal(bearer_for, valid, restricted_to):
    user = restricted_to("contacts")
    assert bearer_for(user).post("activity", {**valid, "addedby": user.email}).status_code == 201


@pytest.mark.parametrize(
    "changes,errors",
    [
        ({"for": "I999"}, ["for I999 does not exist."]),
        ({"for": "X1"}, ["for X1 does not exist."]),
        ({"for": "hello"}, ["for must be an item code such as C41 or I5, not 'hello'."]),
        ({"for": "C"}, ["for must be an item code such as C41 or I5, not 'C'."]),
        ({"for": "C99999999999999999999"}, ["for C99999999999999999999 does not exist."]),
        ({"for": ""}, ["for is required."]),
        ({"type": "Z"}, ["type must be one of: A, B, C, K, Q."]),
        ({"type": ""}, ["type is required."]),
        ({"subtype": "fax"}, ["subtype must be email, callin or callout."]),
        ({"type": "A", "subtype": "email"}, ["subtype is only for comments (type C)."]),
        ({"type": "B", "subtype": "callin"}, ["subtype is only for comments (type C)."]),
        (
            {"addedby": "ghost@studio.test"},
            ["addedby ghost@studio.test is not a user these credentials may act for."],
        ),
        ({"addedby": "not an email"}, ["addedby must be a valid email address."]),
        ({"addedby": ""}, ["addedby is required."]),
        ({"title": ""}, ["title is required."]),
        ({"title": "x" * 251}, ["title must be at most 250 characters."]),
        ({"title": "a\x00"}, ["title must not contain NUL characters."]),
        ({"date": "someday"}, ["date must be a date, an ISO 8601 date-time or a Unix timestamp."]),
        ({"date": "99999999999999999999"}, ["date is out of range."]),
        ({"date": "9999-12-31T23:59:59-05:00"}, ["date is out of range."]),
        ({"date": "0001-01-01T00:00:00+05:00"}, ["date is out of range."]),
        ({"replyto": "999"}, ["replyto 999 is not a journal entry."]),
        ({"replyto": "abc"}, ["replyto must be a whole number."]),
        (
            {"replyto": "99999999999999999999"},
            ["replyto 99999999999999999999 is not a journal entry."],
        ),
    ],
)
def test_validation(depot, valid, changes, errors):
    response = depot.post("activity", {**valid, **changes})
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": errors,
    }
    assert not Activity.objects.exists()


def test_missing_required_fields_are_all_named(depot):
    response = depot.post("activity", {})
    assert response.json()["errors"] == [
        "title is required.",
        "type is required.",
        "addedby is required.",
    ]
    response = depot.post("activity", {"title": "t", "type": "C", "addedby": "admin@studio.test"})
    assert response.status_code == 400


# --- replies ----------------------------------------------------------------------


def test_replies_nest_under_their_entry(depot, admin_user, client_company):
    other = CompanyFactory()
    parent = depot.post(
        "activity",
        {
            "title": "Question",
            "type": "C",
            "addedby": admin_user.email,
            "for": f"C{client_company.pk}",
            "date": "1392076000",
        },
    ).json()["id"]
    first = depot.post(
        "activity",
        {
            "title": "Answer",
            "type": "C",
            "addedby": admin_user.email,
            "replyto": parent,
            "date": "1392076100",
        },
    )
    assert first.status_code == 201
    # `for` may be repeated as long as it is the parent's item.
    second = depot.post(
        "activity",
        {
            "title": "Thanks",
            "type": "C",
            "addedby": admin_user.email,
            "replyto": str(parent),
            "for": f"C{client_company.pk}",
            "date": "1392076200",
        },
        as_json=True,
    )
    assert second.status_code == 201
    body = depot.get("activity", {"for": f"C{client_company.pk}"}).json()
    assert body["total"] == 1
    row = body["rows"][0]
    assert row["id"] == parent and row["replyto"] is None
    assert [r["title"] for r in row["replies"]] == ["Answer", "Thanks"]
    reply = row["replies"][0]
    assert reply["replyto"] == parent
    assert reply["for"] == {"type": "C", "id": str(client_company.pk), "name": "Depot"}
    assert "replies" not in reply
    # The reply on its own.
    alone = depot.get(f"activity/{first.json()['id']}").json()["rows"][0]
    assert alone["replyto"] == parent and alone["replies"] == []
    # A reply can't be about something else.
    elsewhere = depot.post(
        "activity",
        {
            "title": "x",
            "type": "C",
            "addedby": admin_user.email,
            "replyto": parent,
            "for": other.code,
        },
    )
    assert elsewhere.status_code == 400
    assert elsewhere.json()["errors"] == [
        "for must be the same item as the entry being replied to."
    ]


def test_a_reply_to_a_reply_goes_under_the_first_entry(depot, admin_user, valid):
    root = depot.post("activity", valid).json()["id"]
    reply = depot.post("activity", {**valid, "title": "r1", "replyto": root}).json()["id"]
    deeper = depot.post("activity", {**valid, "title": "r2", "replyto": reply}).json()["id"]
    assert Activity.objects.get(pk=deeper).replyto_id == root
    row = depot.get("activity").json()["rows"][0]
    assert [r["title"] for r in row["replies"]] == ["r1", "r2"]


def test_replyto_may_be_the_entry_object_in_json(depot, valid):
    root = depot.post("activity", valid).json()["id"]
    response = depot.post(
        "activity", {**valid, "title": "r", "replyto": {"id": root, "title": "t"}}, as_json=True
    )
    assert response.status_code == 201
    assert Activity.objects.get(pk=response.json()["id"]).replyto_id == root


def test_an_entry_with_replies_cannot_become_a_reply(depot, valid):
    first = depot.post("activity", valid).json()["id"]
    second = depot.post("activity", valid).json()["id"]
    depot.post("activity", {**valid, "replyto": second})
    response = depot.patch(f"activity/{second}", {"replyto": first})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "replyto can't be set on an entry that has replies of its own."
    ]
    assert depot.patch(f"activity/{second}", {"replyto": second}).json()["errors"] == [
        "replyto can't be the entry itself."
    ]


def test_moving_an_entry_takes_its_replies(depot, valid, client_company):
    person = ContactFactory()
    root = depot.post("activity", valid).json()["id"]
    depot.post("activity", {**valid, "replyto": root})
    assert depot.patch(f"activity/{root}", {"for": person.code}).status_code == 200
    assert set(Activity.objects.values_list("for_type", "for_id")) == {("I", person.pk)}
    assert depot.get("activity", {"for": person.code}).json()["total"] == 1


def test_deleting_an_entry_deletes_its_replies(depot, valid):
    root = depot.post("activity", valid).json()["id"]
    depot.post("activity", {**valid, "replyto": root})
    assert depot.delete(f"activity/{root}").json() == {"error": False, "id": root}
    assert not Activity.objects.exists()


# --- lists ------------------------------------------------------------------------


@pytest.fixture
def journal(admin_user, client_company):
    other = UserFactory(email="other@studio.test")
    person = ContactFactory()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    invoice = services.create_activity(
        title="Invoice sent", type="B", added_by=admin_user, for_code=client_company.code, date=base
    )
    comment = services.create_activity(
        title="Comment",
        type="C",
        added_by=other,
        for_code=client_company.code,
        date=base + timedelta(days=1),
    )
    about = services.create_activity(
        title="About a person",
        type="C",
        added_by=admin_user,
        for_code=person.code,
        date=base + timedelta(days=2),
    )
    services.create_activity(
        title="Reply", type="C", added_by=other, replyto=invoice, date=base + timedelta(days=3)
    )
    return {"person": person, "other": other, "entries": [invoice, comment, about]}


def test_list_shows_root_entries_newest_first(depot, journal):
    body = depot.get("activity").json()
    assert body["total"] == 3
    assert [row["title"] for row in body["rows"]] == ["About a person", "Comment", "Invoice sent"]
    assert [r["title"] for r in body["rows"][2]["replies"]] == ["Reply"]


def test_list_paging_and_total(depot, journal):
    body = depot.get("activity", {"rows": 1, "start": 1}).json()
    assert [row["title"] for row in body["rows"]] == ["Comment"]
    assert body["total"] == 3


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"order": "date"}, ["Invoice sent", "Comment", "About a person"]),
        ({"order": "date", "orderasc": "false"}, ["About a person", "Comment", "Invoice sent"]),
        ({"orderasc": "true"}, ["Invoice sent", "Comment", "About a person"]),
        ({"order": "title"}, ["About a person", "Comment", "Invoice sent"]),
        ({"order": "name", "orderasc": "false"}, ["Invoice sent", "Comment", "About a person"]),
        ({"order": "type"}, ["Invoice sent", "Comment", "About a person"]),
        ({"order": "id"}, ["Invoice sent", "Comment", "About a person"]),
    ],
)
def test_ordering(depot, journal, params, expected):
    assert titles(depot, **params) == expected


def test_type_filter_takes_a_comma_list(depot, journal):
    assert titles(depot, type="B") == ["Invoice sent"]
    assert titles(depot, type="b, c") == ["About a person", "Comment", "Invoice sent"]
    assert titles(depot, type="C") == ["About a person", "Comment"]
    assert titles(depot, type="A,K,Q") == []


def test_for_filter(depot, journal, client_company):
    assert titles(depot, **{"for": journal["person"].code}) == ["About a person"]
    assert titles(depot, **{"for": f"c{client_company.pk}"}) == ["Comment", "Invoice sent"]
    assert titles(depot, **{"for": "I999"}) == []
    assert titles(depot, **{"for": "C99999999999999999999"}) == []


def test_by_filter(depot, journal):
    assert titles(depot, by="OTHER@studio.test") == ["Comment"]
    assert titles(depot, by="admin@studio.test") == ["About a person", "Invoice sent"]


def test_filters_combine(depot, journal, client_company):
    assert titles(depot, type="C", by="admin@studio.test") == ["About a person"]
    assert titles(depot, type="B", **{"for": client_company.code}) == ["Invoice sent"]


@pytest.mark.parametrize(
    "params,errors",
    [
        ({"type": "Z"}, ["type must be a comma separated list of: A, B, C, K, Q."]),
        ({"type": "C,X"}, ["type must be a comma separated list of: A, B, C, K, Q."]),
        ({"by": "nobody"}, ["by must be a valid email address."]),
        ({"for": "nonsense"}, ["for must be an item code such as C41 or I5, not 'nonsense'."]),
        ({"order": "colour"}, ["order must be one of: added, date, id, name, title, type."]),
        ({"rows": "-5"}, ["rows must be a whole number between 1 and 1000."]),
    ],
)
def test_bad_list_parameters_are_400(depot, journal, params, errors):
    response = depot.get("activity", params)
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": errors,
    }


# --- update and delete ------------------------------------------------------------


def test_update_changes_only_what_is_sent(depot, admin_user, client_company):
    entry = services.create_activity(
        title="Draft",
        type="C",
        subtype="email",
        added_by=admin_user,
        for_code=client_company.code,
        content="keep",
    )
    response = depot.patch(f"activity/{entry.pk}", {"title": "Final"})
    assert response.json() == {"error": False, "id": entry.pk}
    entry.refresh_from_db()
    assert (entry.title, entry.content, entry.subtype, entry.type) == (
        "Final",
        "keep",
        "email",
        "C",
    )
    depot.patch(f"activity/{entry.pk}", {"content": "<i>done</i>", "subtype": ""})
    entry.refresh_from_db()
    assert (entry.content, entry.subtype) == ("done", "")


def test_update_validation(depot, admin_user, client_company):
    entry = services.create_activity(
        title="Draft", type="C", subtype="email", added_by=admin_user, for_code=client_company.code
    )
    response = depot.patch(f"activity/{entry.pk}", {"type": "A"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["subtype is only for comments (type C)."]
    assert depot.patch(f"activity/{entry.pk}", {"for": "I999"}).json()["errors"] == [
        "for I999 does not exist."
    ]
    assert depot.patch(f"activity/{entry.pk}", {"title": ""}).status_code == 400
    entry.refresh_from_db()
    assert (entry.type, entry.title) == ("C", "Draft")
    assert depot.patch(f"activity/{entry.pk}", {"type": "A", "subtype": ""}).status_code == 200


def test_update_author(depot, admin_user, client_company):
    entry = ActivityFactory(about=client_company)
    depot.patch(f"activity/{entry.pk}", {"addedby": admin_user.email})
    entry.refresh_from_db()
    assert entry.added_by == admin_user


def test_unknown_entry_is_404_saying_which_id(depot):
    for response in (
        depot.get("activity/999"),
        depot.patch("activity/999", {"title": "x"}),
        depot.delete("activity/999"),
        depot.post("activity/999/upload", {}),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No activity item with id 999."}


# --- files ------------------------------------------------------------------------


def test_files_attach_to_an_entry(depot, admin_user, client_company):
    entry = services.create_activity(
        title="Brief", type="C", added_by=admin_user, for_code=client_company.code
    )
    pdf = attach(depot, entry.pk, "brief.pdf", b"%PDF-1.4 minimal")
    assert pdf.status_code == 200
    assert pdf.json()["finish"] is True and pdf.json()["error"] is False
    txt = attach(depot, entry.pk, "notes.txt", b"call back on Monday")
    assert txt.status_code == 200
    files = depot.get(f"activity/{entry.pk}").json()["rows"][0]["files"]
    attachments = list(ActivityFile.objects.order_by("id"))
    assert files == [
        {
            "id": attachments[0].pk,
            "name": "brief.pdf",
            "size": 16,
            "url": pdf.json()["upload_name"],
        },
        {
            "id": attachments[1].pk,
            "name": "notes.txt",
            "size": 19,
            "url": txt.json()["upload_name"],
        },
    ]
    assert attachments[1].file.read() == b"call back on Monday"


def test_chunked_file_upload(depot, valid):
    entry_id = depot.post("activity", valid).json()["id"]
    content = b"%PDF-1.4 " + b"x" * 300
    headers = {
        **depot.headers,
        "X-File-Id": "doc",
        "X-File-Name": "spec.pdf",
        "X-File-Size": str(len(content)),
        "X-File-Resume": "false",
    }
    url = f"/api/v1/activity/{entry_id}/upload.json"
    for start in (0, 100, 200):
        response = depot.client.post(
            url,
            content[start : start + 100],
            content_type="application/octet-stream",
            headers=headers,
        )
        assert response.json() == {"error": False, "id": "doc", "finish": False}
    response = depot.client.post(
        url, content[300:], content_type="application/octet-stream", headers=headers
    )
    assert response.json()["finish"] is True
    assert ActivityFile.objects.get().file.read() == content


@pytest.mark.parametrize(
    "name,content",
    [("run.exe", b"MZ\x90"), ("fake.pdf", b"MZ\x90"), ("binary.txt", b"a\x00b")],
)
def test_dangerous_files_are_refused(depot, valid, name, content):
    entry_id = depot.post("activity", valid).json()["id"]
    response = attach(depot, entry_id, name, content)
    assert response.status_code == 400
    assert response.json()["error"] is True
    assert not ActivityFile.objects.exists()


def test_deleting_an_entry_removes_its_files(depot, valid, django_capture_on_commit_callbacks):
    import os

    entry_id = depot.post("activity", valid).json()["id"]
    attach(depot, entry_id, "a.txt", b"hello")
    path = ActivityFile.objects.get().file.path
    with django_capture_on_commit_callbacks(execute=True):
        depot.delete(f"activity/{entry_id}")
    assert not ActivityFile.objects.exists() and not os.path.exists(path)


# --- who may call -----------------------------------------------------------------


def test_permissions(bearer_for, valid, restricted_to):
    from django.test import Client

    collaborator = bearer_for(CollaboratorFactory())
    assert collaborator.get("activity").status_code == 401
    assert collaborator.post("activity", valid).status_code == 401
    restricted = bearer_for(restricted_to("reports"))
    assert restricted.get("activity").status_code == 401
    assert Client().get("/api/v1/activity.json").status_code == 403
    assert not Activity.objects.exists()


# --- query counts -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(
    depot, admin_user, client_company, django_assert_max_num_queries, count
):
    person = ContactFactory()
    for index in range(count):
        about = client_company if index % 2 == 0 else person
        parent = services.create_activity(
            title=f"Entry {index}", type="C", added_by=admin_user, for_code=about.code
        )
        services.create_activity(title="Reply", type="C", added_by=admin_user, replyto=parent)
        services.attach_file(parent, SimpleUploadedFile("a.txt", b"x"))
    # credential, last used, count, page + authors, files, replies + authors,
    # replies' files, then one name query per item type (companies, people)
    with django_assert_max_num_queries(9):
        body = depot.get("activity", {"rows": 100}).json()
    assert body["total"] == count
    assert all(len(row["replies"]) == 1 and len(row["files"]) == 1 for row in body["rows"])
