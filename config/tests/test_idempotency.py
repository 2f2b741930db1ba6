"""Safe retries: a POST sent again with the same `Idempotency-Key` answers as the first
did and creates nothing more (config/api/idempotency.py)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.api.idempotency import IN_PROGRESS, OTHER_REQUEST
from config.api.models import IdempotencyKey
from config.api.tasks import delete_expired_idempotency_keys
from conftest import DepotClient, credential_client, run_in_parallel
from crm import services
from crm.models import Contact

pytestmark = [pytest.mark.usefixtures("no_api_rate_limit")]

KEY = {"Idempotency-Key": "create-holmes-0001"}


@pytest.mark.django_db
def test_a_repeat_answers_the_first_response_and_creates_one_contact(depot):
    first = depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY)
    assert first.status_code == 201
    again = depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY)
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json; charset=utf-8"
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again.json() == {"error": False, "id": Contact.objects.get().pk}


@pytest.mark.django_db
def test_a_repeat_answers_in_the_first_format_and_a_json_body_counts_too(depot):
    first = depot.post("contacts", {"name": "Irene Adler"}, fmt="xml", as_json=True, **KEY)
    again = depot.post("contacts", {"name": "Irene Adler"}, fmt="xml", as_json=True, **KEY)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again["Content-Type"].startswith("application/xml")
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_409(depot):
    depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY)
    other = depot.post("contacts", {"name": "John Watson"}, **KEY)
    assert other.status_code == 409
    assert other.json() == {"error": True, "msg": OTHER_REQUEST}
    # Another address or format is another request too.
    assert depot.post("companies", {"name": "Baker Street"}, **KEY).status_code == 409
    assert depot.post("contacts", {"name": "Sherlock Holmes"}, fmt="xml", **KEY).status_code == 409
    assert list(Contact.objects.values_list("firstname", flat=True)) == ["Sherlock"]


@pytest.mark.django_db
def test_a_multipart_body_is_compared_by_its_fields_not_its_boundary(depot):
    # Clients draw a new boundary for each send; the fields are what was asked.
    for boundary in ("first-boundary", "second-boundary"):
        body = (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="name"\r\n\r\n'
            "Mycroft Holmes\r\n"
            f"--{boundary}--\r\n"
        )
        response = depot.client.post(
            "/api/v1/contacts.json",
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={**depot.headers, **KEY},
        )
        assert response.status_code == 201
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_the_callers_own(depot, admin_user, bearer_for, staff_client):
    other_integration = credential_client()
    assert depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY).status_code == 201
    assert other_integration.post("contacts", {"name": "Sherlock Holmes"}, **KEY).status_code == 201
    # A user's bearer token and browser session are the same caller.
    as_admin = bearer_for(admin_user)
    first = as_admin.post("contacts", {"name": "Sherlock Holmes"}, **KEY)
    assert first.status_code == 201
    session = staff_client.post("/api/v1/contacts.json", {"name": "Sherlock Holmes"}, headers=KEY)
    assert (session.status_code, session.content) == (201, first.content)
    assert Contact.objects.count() == 3


@pytest.mark.django_db
def test_an_expired_key_runs_again_and_the_worker_deletes_old_keys(depot):
    depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    again = depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Contact.objects.count() == 2

    depot.post("contacts", {"name": "John Watson"}, **{"Idempotency-Key": "watson"})
    IdempotencyKey.objects.filter(key="watson").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    delete_expired_idempotency_keys.call_local()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [KEY["Idempotency-Key"]]


@pytest.mark.django_db
def test_a_key_longer_than_255_characters_or_empty_is_a_400_naming_the_header(depot):
    response = depot.post("contacts", {"name": "Sherlock Holmes"}, **{"Idempotency-Key": "k" * 256})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "Idempotency-Key must be at most 255 characters (it has 256)."
    ]
    empty = depot.post("contacts", {"name": "Sherlock Holmes"}, **{"Idempotency-Key": " "})
    assert empty.status_code == 400
    assert empty.json()["errors"] == ["Idempotency-Key must not be empty."]
    nul = depot.post("contacts", {"name": "Sherlock Holmes"}, **{"Idempotency-Key": "a\x00b"})
    assert nul.json()["errors"] == ["Idempotency-Key must not contain NUL characters."]
    longest = depot.post("contacts", {"name": "Sherlock Holmes"}, **{"Idempotency-Key": "k" * 255})
    assert longest.status_code == 201
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_other_methods_and_unauthenticated_calls_ignore_the_header(depot, outsider):
    contact_id = depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY).json()["id"]
    listed = depot.get("contacts", **KEY)
    assert listed.status_code == 200
    assert listed.json()["total"] == 1
    for name in ("Mycroft Holmes", "Sherlock Holmes"):
        assert depot.patch(f"contacts/{contact_id}", {"name": name}, **KEY).status_code == 200
    assert Contact.objects.get().firstname == "Sherlock"
    refused = outsider.post("contacts", {"name": "Moriarty"}, **{"Idempotency-Key": "evil"})
    assert refused.status_code == 403
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [KEY["Idempotency-Key"]]


@pytest.mark.django_db
def test_a_validation_error_is_kept_but_a_refusal_or_a_failure_lets_the_key_go(depot, monkeypatch):
    invalid = depot.post("contacts", {"email": "not an email"}, **KEY)
    assert invalid.status_code == 400
    assert depot.post("contacts", {"email": "not an email"}, **KEY).content == invalid.content

    # Outside the credential's scopes: nothing happened, the same call may run later.
    reader = credential_client(["contacts:read"])
    assert reader.post("contacts", {"name": "Sherlock Holmes"}, **KEY).status_code == 401

    # A failure of ours: the retry runs.
    real_create = services.create_contact

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "create_contact", broken)
    key = {"Idempotency-Key": "retry-me"}
    assert depot.post("contacts", {"name": "Sherlock Holmes"}, **key).status_code == 500
    monkeypatch.setattr(services, "create_contact", real_create)
    assert depot.post("contacts", {"name": "Sherlock Holmes"}, **key).status_code == 201
    assert Contact.objects.count() == 1
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == [
        KEY["Idempotency-Key"],
        "retry-me",
    ]


@pytest.mark.django_db
def test_a_call_without_the_header_reads_no_key(depot):
    with CaptureQueriesContext(connection) as queries:
        assert depot.post("contacts", {"name": "Sherlock Holmes"}).status_code == 201
    assert not [q["sql"] for q in queries if "docket_idempotency" in q["sql"]]
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_request_still_running_is_a_409_until_it_is_abandoned(depot):
    assert depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY).status_code == 201
    # As it is while the first request runs: claimed, no answer yet.
    IdempotencyKey.objects.update(status_code=None, body=b"", content_type="")
    running = depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY)
    assert running.status_code == 409
    assert running.json() == {"error": True, "msg": IN_PROGRESS}
    assert Contact.objects.count() == 1
    # Its worker died with it: after ten minutes the key runs again.
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    assert depot.post("contacts", {"name": "Sherlock Holmes"}, **KEY).status_code == 201
    assert Contact.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_posts_with_one_key_create_one_contact(api_credential):
    # On PostgreSQL the ten claims race and the key's unique row lets one through. On
    # SQLite the IMMEDIATE transactions queue on the file's write lock instead, each
    # waiting its turn (up to the 20 s timeout) rather than failing "database is
    # locked": the first claim wins and the later ones, depending on when their turn
    # comes, find it running (409) or finished (its answer, replayed).
    headers = {
        "X-DEPOT-TOKEN": api_credential.credential.token,
        "X-DEPOT-SECRET": api_credential.secret,
    }

    def send(index):
        response = DepotClient(headers).post("contacts", {"name": "Sherlock Holmes"}, **KEY)
        return response.status_code, response.content, "Idempotent-Replayed" in response

    answers = run_in_parallel(10, send)
    assert Contact.objects.count() == 1
    created = (201, f'{{"error":false,"id":{Contact.objects.get().pk}}}'.encode())
    in_progress = (409, f'{{"error":true,"msg":"{IN_PROGRESS}"}}'.encode(), False)
    assert answers.count((*created, False)) == 1, answers
    assert set(answers) <= {(*created, False), (*created, True), in_progress}, answers
