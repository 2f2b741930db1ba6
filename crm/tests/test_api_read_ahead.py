"""GET of one contact or company by id: on PostgreSQL the row comes with the statement
that authenticates the call and takes its rate-limit token (config/api/rows.py
ReadAhead), one round trip where there were two. What the client gets must not
change, and nothing may be read for a caller the statement does not let in."""

import pytest
from django.db import connection
from django.test import Client

from accounts.api_auth import _bucket_source, _with_user
from accounts.models import ApiCredential, hash_secret
from accounts.services import create_api_credential
from config.api.auth import CREDENTIAL_BUCKET
from config.api.rows import KeptSelect, ReadAhead
from config.api.throttle import request_take
from conftest import DepotClient
from crm.api import CONTACT_FLAGS, CONTACT_ROW
from crm.models import Contact, Tag
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

READS_AHEAD = connection.vendor == "postgresql"
FLAG_CHOICES = [
    {},
    {"hidecompany": "true"},
    {"hideaddress": "true", "hidenotes": "false"},
    {"hidetags": "false"},
]


@pytest.fixture
def ann():
    contact = ContactFactory(
        firstname="Ann",
        lastname="Lee",
        company=CompanyFactory(name="Acme Ltd"),
        position="Buyer",
        line1="1 High St",
        notes="Prefers email",
    )
    contact.tags.add(Tag.objects.create(name="VIP"))
    return contact


@pytest.mark.parametrize("flags", FLAG_CHOICES)
def test_a_contact_reads_as_a_browser_session_reads_it(depot, admin_user, ann, flags):
    # The session's call has no credential statement to read along: its view reads
    # the row itself. Both must answer the same row.
    browser = Client()
    browser.force_login(admin_user)
    own = browser.get(f"/api/v1/contacts/{ann.pk}.json", flags).json()
    through_credential = depot.get(f"contacts/{ann.pk}", flags).json()
    assert through_credential == own
    row = through_credential["rows"][0]
    assert (row["firstname"], row["lastname"]) == ("Ann", "Lee")
    if "hidecompany" in flags:
        assert "company" not in row
    else:
        assert row["company"]["name"] == "Acme Ltd"
    if "hidetags" in flags:
        assert row["tags"] == ["VIP"]


def test_a_company_reads_as_a_browser_session_reads_it(depot, admin_user):
    company = CompanyFactory(name="Northwind")
    browser = Client()
    browser.force_login(admin_user)
    for flags in ({}, {"hidenotes": "false", "hidetags": "false"}):
        own = browser.get(f"/api/v1/companies/{company.pk}.json", flags).json()
        assert depot.get(f"companies/{company.pk}", flags).json() == own
        assert own["rows"][0]["name"] == "Northwind"


def test_one_statement_for_a_contact_on_postgresql(depot, ann, django_assert_num_queries):
    depot.get(f"contacts/{ann.pk}")  # its last use noted: no UPDATE in the count
    # SQLite: the credential, the take (the tests keep its buckets in the database),
    # then the row.
    statements = 1 if READS_AHEAD else 3
    with django_assert_num_queries(statements):
        response = depot.get(f"contacts/{ann.pk}")
    assert response.status_code == 200
    assert response.json()["rows"][0]["id"] == ann.pk
    with django_assert_num_queries(statements):
        assert depot.get(f"contacts/{ann.pk}", fmt="xml").status_code == 200


@pytest.mark.parametrize("contact_id", [999_999, 2**63, 10**30])
def test_a_contact_that_is_not_there_is_the_same_404(depot, contact_id):
    response = depot.get(f"contacts/{contact_id}")
    assert response.status_code == 404
    assert response.json() == {"error": True, "msg": f"No contact with id {contact_id}."}


def test_a_wrong_secret_is_refused_before_any_flag_is_checked(api_credential, ann):
    wrong = DepotClient({"X-DEPOT-TOKEN": api_credential.credential.token, "X-DEPOT-SECRET": "x"})
    # The row is offered before authentication; a bad flag must not answer first.
    response = wrong.get(f"contacts/{ann.pk}", {"hidecompany": "maybe"})
    assert response.status_code == 403
    assert "Ann" not in response.content.decode()
    right = DepotClient(
        {"X-DEPOT-TOKEN": api_credential.credential.token, "X-DEPOT-SECRET": api_credential.secret}
    )
    response = right.get(f"contacts/{ann.pk}", {"hidecompany": "maybe"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["hidecompany must be true or false."]


def test_head_answers_as_get_does(depot, ann):
    response = depot.client.head(f"/api/v1/contacts/{ann.pk}.json", headers=depot.headers)
    assert response.status_code == 200
    assert int(response["Content-Length"]) == len(depot.get(f"contacts/{ann.pk}").content)


def test_a_personal_bearer_token_reads_the_same_row(ann, admin_api, depot):
    assert admin_api.get(f"contacts/{ann.pk}").json() == depot.get(f"contacts/{ann.pk}").json()


def test_an_oauth_token_reads_its_row_with_the_rate_limit_on(ann, admin_user, depot, settings):
    # Looked for among personal tokens first, with the row along: that statement
    # finds no token and takes nothing, so the OAuth call must read its row itself.
    from accounts import oauth
    from accounts.tests.test_oauth import CALLBACK, token_for

    assert settings.DOCKET_API_RATE_LIMIT > 0
    token = token_for(admin_user, oauth.create_app("Sync Robot", [CALLBACK]))
    app = DepotClient({"Authorization": f"Bearer {token}"})
    for path in (f"contacts/{ann.pk}", f"companies/{ann.company_id}"):
        response = app.get(path)
        assert response.status_code == 200, response.content
        assert response.json() == depot.get(path).json()


def _credential_read(token: str, secret: str, contact_id: int) -> ReadAhead:
    """What DepotTokenAuth does, with the contact's row offered to read along."""
    columns, _ = CONTACT_ROW._layout(CONTACT_FLAGS)
    ahead = ReadAhead(KeptSelect.of(Contact, columns), contact_id)
    take = request_take("default")
    along = None
    if take is not None:
        source = _bucket_source(ApiCredential, CREDENTIAL_BUCKET, "id", "token", "secret_hash")
        along = (take, source, [CREDENTIAL_BUCKET, token, hash_secret(secret)])
    _with_user(ApiCredential, "token", token, "created_by", along, read_ahead=ahead)
    return ahead


def test_the_row_is_read_only_when_the_token_and_secret_match(ann):
    issued = create_api_credential("Reader")
    token = issued.credential.token
    wrong = _credential_read(token, "not the secret", ann.pk)
    unknown = _credential_read("no such token", issued.secret, ann.pk)
    right = _credential_read(token, issued.secret, ann.pk)
    missing = _credential_read(token, issued.secret, ann.pk + 1000)
    # None: not read, the view reads it; a list: what was read, [] for no such row.
    assert wrong.records is None
    assert unknown.records is None
    if READS_AHEAD:
        assert [record[0] for record in right.records] == [ann.pk]
        assert missing.records == []
    else:
        # No statement takes the token along on SQLite.
        assert right.records is None
        assert missing.records is None


def test_nothing_is_read_for_a_caller_out_of_tokens(ann, settings):
    settings.DOCKET_API_RATE_LIMIT = 1
    issued = create_api_credential("Reader")
    first = _credential_read(issued.credential.token, issued.secret, ann.pk)
    second = _credential_read(issued.credential.token, issued.secret, ann.pk)
    if READS_AHEAD:
        assert [record[0] for record in first.records] == [ann.pk]
    else:
        assert first.records is None
    assert second.records is None


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("proposals", "billing.tests.factories.ProposalFactory"),
        ("periodic", "billing.tests.factories.PeriodicalFactory"),
    ],
)
def test_other_resources_read_ahead_the_same_row(depot, admin_user, path, make):
    from django.utils.module_loading import import_string

    obj = import_string(make)()
    browser = Client()
    browser.force_login(admin_user)
    own = browser.get(f"/api/v1/{path}/{obj.pk}.json").json()
    assert own["rows"][0]["id"] == obj.pk
    assert depot.get(f"{path}/{obj.pk}").json() == own
    if READS_AHEAD:
        statements = _statements(depot, f"{path}/{obj.pk}")
        assert statements[0].startswith("WITH docket_taken")
        assert "LEFT JOIN LATERAL" in statements[0]
        # Nothing after it reads the row again (a row's own extras may follow).
        row_read = f'"{obj._meta.db_table}"."id" IN'
        assert not any(row_read in sql for sql in statements[1:])
    assert depot.get(f"{path}/999999").status_code == 404


def _statements(depot, path) -> list[str]:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert depot.get(path).status_code == 200
    return [query["sql"] for query in captured.captured_queries]
