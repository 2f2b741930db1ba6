"""The Depot `proposals` resource: the row's shape as in the spec's JSON and XML
examples, filters, ordering, pages, writes, errors naming fields, permissions by
scope and query counts."""

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from billing import proposals
from billing.models import Proposal
from billing.tests.factories import ProposalFactory, TaxCodeFactory
from billing.tests.test_proposals_services import SPEC_JOBS
from conftest import as_php_form, credential_client, without_field_detail
from crm.tests.factories import CompanyFactory, ContactFactory

# The rate limit has tests of its own; here it would only add a statement to
# the query counts.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


@pytest.fixture(autouse=True)
def vat():
    TaxCodeFactory(code="001", rate=D("0.2"))


@pytest.fixture
def acme():
    return CompanyFactory(name="Joe Bloggs Inc")


def payload(company, **fields):
    return {
        "title": "Proposal title",
        "status": "P",
        "client": f"C{company.pk}",
        "user": "admin@studio.test",
        **fields,
    }


def names(client, **params):
    response = client.get("proposals", params)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["rows"]]


def spec_proposal(admin_user, acme, **fields):
    values = {
        "title": "Proposal title",
        "client": acme.code,
        "overview": "An overview goes here...",
        "jobs": SPEC_JOBS,
        "added_by": admin_user,
    }
    return proposals.create_proposal(**{**values, **fields})


# --- shapes -----------------------------------------------------------------------


def test_a_row_has_the_spec_shape(admin_api, admin_user, acme):
    proposal = spec_proposal(admin_user, acme)
    body = admin_api.get("proposals").json()
    item = {
        "hours": "315.00",
        "name": "Line item 1",
        "brief": "",
        "rate": "50.00",
        "taxcode": "001",
        "actions": [],
        "type": "hourly",
        "start": "TBC",
        "duration": 0,
        "team": "",
        "print": True,
        "category": "-",
    }
    assert body == {
        "error": False,
        "rows": [
            {
                "id": proposal.pk,
                "client": {"type": "C", "id": str(acme.pk), "name": "Joe Bloggs Inc"},
                "status": "P",
                "name": "Proposal title",
                "overview": "An overview goes here...",
                "expanded": [],
                "conclusion": [],
                "jobs": [
                    {
                        "name": "Job title goes here",
                        "brief": "",
                        "discount": 0,
                        "print": False,
                        "items": [
                            item,
                            {**item, "hours": "196.00", "name": "Line item 2"},
                            {**item, "hours": "238.00", "name": "Line item 3"},
                            {**item, "hours": "196.00", "name": "Line item 4"},
                            {
                                **item,
                                "hours": "0.00",
                                "name": "Line item 5",
                                "type": "fixed",
                                "print": False,
                            },
                        ],
                        "team": "",
                    }
                ],
                "discount": 0,
                "total": 47250,
                "tax": 9450,
                "grandtotal": 56700,
                "printtotal": True,
                "pdf": None,
                "created": int(proposal.added.timestamp()),
                "submitdate": 0,
                "user": {"email": "admin@studio.test", "name": "Alex Admin"},
            }
        ],
        "total": 1,
    }
    assert admin_api.get(f"proposals/{proposal.pk}").json() == {
        "error": False,
        "rows": body["rows"],
    }


def test_xml_has_the_spec_shape(admin_api, admin_user, acme):
    proposal = spec_proposal(admin_user, acme)
    response = admin_api.get("proposals", fmt="xml")
    assert response.status_code == 200
    text = re.sub(r">\s+<", "><", response.content.decode())
    assert f"<client><id>{acme.pk}</id><name>Joe Bloggs Inc</name><type>C</type></client>" in text
    assert f"<conclusion /><created>{int(proposal.added.timestamp())}</created>" in text
    assert "<discount>0</discount><expanded /><grandtotal>56700</grandtotal>" in text
    assert (
        "<item><actions /><brief /><category>-</category><duration>0</duration>"
        "<hours>315.00</hours><name>Line item 1</name><print>true</print><rate>50.00</rate>"
        "<start>TBC</start><taxcode>001</taxcode><team /><type>hourly</type></item>"
    ) in text
    assert "</items><name>Job title goes here</name><print>false</print><team /></item>" in text
    assert '<pdf null="true" /><printtotal>true</printtotal><status>P</status>' in text
    assert "<submitdate>0</submitdate><tax>9450</tax><total>47250</total>" in text
    assert "<user><email>admin@studio.test</email><name>Alex Admin</name></user>" in text
    assert text.rstrip().endswith("<total>1</total></response>")


def test_a_person_as_client_sections_a_date_and_issue_history(admin_api, admin_user):
    person = ContactFactory(fullname="Sam Solo")
    proposal = proposals.create_proposal(
        title="For Sam",
        client=person.code,
        expanded=[{"Scope": "Five pages"}],
        submitdate=date(2026, 5, 1),
        jobs=[
            {
                "name": "Job",
                "items": [{"name": "A", "rate": 1, "taxcode": "001", "start": "2026-05-04"}],
            }
        ],
        added_by=admin_user,
    )
    row = admin_api.get(f"proposals/{proposal.pk}").json()["rows"][0]
    assert row["client"] == {"type": "I", "id": str(person.pk), "name": "Sam Solo"}
    assert row["expanded"] == [{"title": "Scope", "content": "Five pages"}]
    assert row["submitdate"] == int(datetime(2026, 5, 1, tzinfo=UTC).timestamp())
    assert row["jobs"][0]["items"][0]["start"] == str(
        int(datetime(2026, 5, 4, tzinfo=UTC).timestamp())
    )
    assert "issuehistory" not in row
    row = admin_api.get(f"proposals/{proposal.pk}", {"issuehistory": "true"}).json()["rows"][0]
    assert row["issuehistory"] == []


# --- filters, order, pages --------------------------------------------------------


def test_title_and_status_filters(admin_api):
    ProposalFactory(title="Brewery website", status="P")
    ProposalFactory(title="Brewery labels", status="A")
    ProposalFactory(title="Annual report", status="X")
    assert names(admin_api, title="BREWERY") == ["Brewery labels", "Brewery website"]
    assert names(admin_api, status="x") == ["Annual report"]
    assert names(admin_api, status="P,A") == ["Brewery labels", "Brewery website"]
    assert len(names(admin_api)) == 3


def test_ordering_and_pages(admin_api, admin_user, acme):
    for title, hours in (("Bravo", 3), ("alpha", 1), ("Charlie", 2)):
        proposals.create_proposal(
            title=title,
            client=acme.code,
            jobs=[
                {
                    "name": "J",
                    "items": [{"name": "I", "hours": hours, "rate": 10, "taxcode": "001"}],
                }
            ],
            added_by=admin_user,
        )
    assert names(admin_api) == ["alpha", "Bravo", "Charlie"]
    assert names(admin_api, order="total") == ["alpha", "Charlie", "Bravo"]
    assert names(admin_api, order="grandtotal", orderasc="false") == ["Bravo", "Charlie", "alpha"]
    assert names(admin_api, order="title", orderasc="false") == ["Charlie", "Bravo", "alpha"]
    body = admin_api.get("proposals", {"order": "total", "rows": 1, "start": 1}).json()
    assert [row["name"] for row in body["rows"]] == ["Charlie"]
    assert body["total"] == 3
    ids = [row["id"] for row in admin_api.get("proposals", {"order": "id"}).json()["rows"]]
    assert ids == sorted(ids)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "O"}, "status"),
        ({"order": "colour"}, "order"),
        ({"rows": "0"}, "rows"),
        ({"start": "-1"}, "start"),
        ({"orderasc": "maybe"}, "orderasc"),
        ({"issuehistory": "maybe"}, "issuehistory"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(admin_api, params, field):
    response = admin_api.get("proposals", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True and body["msg"] == "Validation errors"
    assert list(body["fields"]) == [field]
    assert body["errors"][0].startswith(field)


# --- writes -----------------------------------------------------------------------


def test_create_answers_201_with_the_next_number_and_prices_the_items(admin_api, admin_user, acme):
    account = AccountSettings.load()
    account.nextproposalid = 158
    account.save()
    response = admin_api.post(
        "proposals",
        payload(
            acme,
            overview="An overview",
            items=json.dumps(SPEC_JOBS),
            expanded=json.dumps([{"Scope": "Five pages"}]),
            conclusion=json.dumps([{"title": "Thanks", "content": "Yours"}]),
            submitdate="1769904000",
            discount="10",
            printtotal="false",
        ),
    )
    assert response.status_code == 201, response.content
    assert response.json() == {"error": False, "id": 158}
    proposal = Proposal.objects.get()
    assert proposal.pk == 158 and AccountSettings.load().nextproposalid == 159
    assert (proposal.title, proposal.status, proposal.client) == ("Proposal title", "P", acme)
    assert proposal.added_by == admin_user and proposal.submitdate == date(2026, 2, 1)
    assert (proposal.total, proposal.tax, proposal.grandtotal) == (
        D("42525.00"),
        D("8505.00"),
        D("51030.00"),
    )
    assert proposal.printtotal is False and proposal.overview == "An overview"
    assert proposal.conclusion == [{"title": "Thanks", "content": "Yours"}]


def test_create_in_json_and_xml(admin_api, acme):
    response = admin_api.post("proposals", payload(acme, items=SPEC_JOBS), as_json=True)
    assert response.status_code == 201, response.content
    assert Proposal.objects.get().grandtotal == D("56700")
    response = admin_api.post("proposals", payload(acme), fmt="xml")
    assert response.status_code == 201
    assert f"<id>{Proposal.objects.order_by('-id')[0].pk}</id>" in response.content.decode()


def test_required_fields_are_named(admin_api):
    response = admin_api.post("proposals", {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"title", "status", "client", "user"}
    assert not Proposal.objects.exists()


def test_an_item_problem_names_its_job_and_item(admin_api, acme):
    jobs = [
        {
            "name": "Design",
            "items": [
                {"name": "Concepts", "hours": 1, "rate": 10, "taxcode": "001"},
                {"name": "Proofs", "hours": 1, "rate": 10, "taxcode": "009"},
            ],
        }
    ]
    response = admin_api.post("proposals", payload(acme, items=json.dumps(jobs)))
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": ["jobs: job 1, item 2: tax code '009' does not exist."],
    }
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"status": "O"}, "status"),
        ({"client": "C99999"}, "client"),
        ({"client": "P1"}, "client"),
        ({"client": {"type": "C"}}, "client"),
        ({"discount": "150"}, "discount"),
        ({"submitdate": "someday"}, "submitdate"),
        ({"printtotal": "perhaps"}, "printtotal"),
        ({"expanded": "[1, 2]"}, "expanded"),
        ({"items": "[{"}, "items"),
        ({"items": '{"name": "x"}'}, "jobs"),
        ({"title": "x" * 201}, "title"),
        ({"overview": "x" * 20_001}, "overview"),
        ({"total": "1"}, "total"),
        ({"user": "nobody@studio.test"}, "user"),
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field(admin_api, admin_user, acme, fields, field):
    proposal = spec_proposal(admin_user, acme, title="Kept")
    response = admin_api.patch(f"proposals/{proposal.pk}", fields, as_json=True)
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["fields"]) == [field]
    assert field in body["errors"][0]
    proposal.refresh_from_db()
    assert proposal.title == "Kept"


def test_an_unknown_field_is_a_400_naming_it(admin_api, acme):
    response = admin_api.post("proposals", payload(acme, colour="red"))
    assert response.status_code == 400
    assert without_field_detail(response)["errors"][0].startswith(
        "colour is not a field Docket knows here"
    )
    assert not Proposal.objects.exists()


def test_update_accepts_and_changes_only_what_is_sent(admin_api, admin_user, acme):
    proposal = spec_proposal(admin_user, acme, discount=5)
    response = admin_api.patch(f"proposals/{proposal.pk}", {"status": "A", "title": "Won"})
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": proposal.pk}
    proposal.refresh_from_db()
    assert (proposal.status, proposal.title, proposal.discount) == ("A", "Won", D("5"))
    assert proposal.grandtotal == D("53865.00")
    admin_api.patch(f"proposals/{proposal.pk}", {"items": "", "submitdate": "0"})
    proposal.refresh_from_db()
    assert proposal.jobs == [] and proposal.total == 0 and proposal.submitdate is None


def test_what_a_get_returns_can_be_sent_back(admin_api, admin_user, acme):
    proposal = spec_proposal(admin_user, acme, submitdate=date(2026, 5, 1))
    row = admin_api.get(f"proposals/{proposal.pk}").json()["rows"][0]
    row["name"] = "Renamed"
    response = admin_api.patch(f"proposals/{proposal.pk}", row, as_json=True)
    assert response.status_code == 200, response.content
    after = admin_api.get(f"proposals/{proposal.pk}").json()["rows"][0]
    assert after == {**row, "name": "Renamed"}


def test_what_a_get_returns_can_be_sent_back_in_a_form_body(admin_api, admin_user, acme):
    proposal = spec_proposal(admin_user, acme)
    row = admin_api.get(f"proposals/{proposal.pk}").json()["rows"][0]
    response = admin_api.patch(f"proposals/{proposal.pk}", as_php_form(row))
    assert response.status_code == 200, response.content
    assert admin_api.get(f"proposals/{proposal.pk}").json()["rows"][0] == row


def test_delete(admin_api):
    proposal = ProposalFactory()
    response = admin_api.delete(f"proposals/{proposal.pk}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": proposal.pk}
    assert not Proposal.objects.exists()
    assert admin_api.get(f"proposals/{proposal.pk}").status_code == 404


def test_an_unknown_proposal_is_404_saying_which_id(admin_api):
    ProposalFactory()
    for response in (
        admin_api.get("proposals/99999"),
        admin_api.patch("proposals/99999", {"title": "x"}),
        admin_api.delete("proposals/99999"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No proposal with id 99999."}
    assert admin_api.get("proposals/99999999999999999999").status_code == 404


# --- who may call -----------------------------------------------------------------


def test_credentials_need_the_proposals_scopes(acme):
    proposal = ProposalFactory()
    author = UserFactory(email="author@studio.test")
    reader = credential_client(["proposals:read"])
    assert reader.get("proposals").status_code == 200
    assert reader.get(f"proposals/{proposal.pk}").status_code == 200
    assert reader.post("proposals", payload(acme, user=author.email)).status_code == 401
    assert reader.patch(f"proposals/{proposal.pk}", {"title": "x"}).status_code == 401
    assert reader.delete(f"proposals/{proposal.pk}").status_code == 401
    projects_only = credential_client(["projects:write"])
    assert projects_only.get("proposals").status_code == 401
    writer = credential_client(["proposals:write", "users:read"])
    assert writer.post("proposals", payload(acme, user=author.email)).status_code == 201
    assert Proposal.objects.filter(added_by=author).exists()


def test_users_need_the_proposals_area(restricted_api, collaborator_api, bearer_for, restricted_to):
    proposal = ProposalFactory(title="Kept")
    for client in (restricted_api, collaborator_api):
        assert client.get("proposals").status_code == 401
        assert client.get(f"proposals/{proposal.pk}").status_code == 401
        assert client.delete(f"proposals/{proposal.pk}").status_code == 401
    assert Proposal.objects.filter(pk=proposal.pk).exists()
    allowed = bearer_for(restricted_to("proposals", email="pia@studio.test"))
    assert allowed.get("proposals").status_code == 200
    response = allowed.post("proposals", payload(proposal.client_company, user="pia@studio.test"))
    assert response.status_code == 201
    # A user adds proposals as themselves.
    response = allowed.post("proposals", payload(proposal.client_company))
    assert response.status_code == 400 and list(response.json()["fields"]) == ["user"]


def test_no_credentials_get_403(outsider):
    assert outsider.get("proposals").status_code == 403


# --- query counts -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(admin_api, admin_user, acme, django_assert_max_num_queries, count):
    for _ in range(count):
        spec_proposal(admin_user, acme)
    # token, its last use, the page's ids and its rows (a short page needs no count)
    with django_assert_max_num_queries(4):
        body = admin_api.get("proposals", {"rows": 100}).json()
    assert len(body["rows"]) == count and body["total"] == count
    assert all(row["grandtotal"] == 56700 for row in body["rows"])


def test_one_proposal_reads_in_few_queries(
    admin_api, admin_user, acme, django_assert_max_num_queries
):
    proposal = spec_proposal(admin_user, acme)
    with django_assert_max_num_queries(3):
        assert admin_api.get(f"proposals/{proposal.pk}").status_code == 200
