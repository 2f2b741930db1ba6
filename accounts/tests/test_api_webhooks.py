"""The `webhooks` resource: shapes in JSON and XML, the secret shown once, filters,
ordering, pages, validation naming fields, 404s, who may manage them, query counts,
and the delivery log with Redeliver."""

import re

import pytest

from accounts import webhooks
from accounts.models import Webhook, WebhookDelivery, WebhookEvent
from conftest import as_php_form, credential_client, without_field_detail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

URL = "https://hooks.example.com/docket"


@pytest.fixture(autouse=True)
def _fresh_wanted_events():
    webhooks.forget_wanted_events()
    yield
    webhooks.forget_wanted_events()


def made(url=URL, events=("invoice.issued",), **fields) -> Webhook:
    return webhooks.create_webhook(url=url, events=list(events), **fields)[0]


def refusal(response) -> list[str]:
    assert response.status_code == 400, response.content
    return without_field_detail(response)["errors"]


# --- shapes ---------------------------------------------------------------------------


def test_add_answers_the_secret_once_and_never_again(admin_api, admin_user):
    response = admin_api.post(
        "webhooks",
        {"url": URL, "events": "invoice.issued,contact.created", "description": "Books"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"error", "id", "secret"}
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    webhook = Webhook.objects.get(pk=body["id"])
    assert webhook.created_by == admin_user
    row = admin_api.get(f"webhooks/{body['id']}").json()["rows"][0]
    assert row == {
        "id": webhook.pk,
        "url": URL,
        "description": "Books",
        # In the catalogue's order, whatever order they were sent in.
        "events": ["contact.created", "invoice.issued"],
        "active": True,
        "added": int(webhook.added.timestamp()),
        "lastupdated": int(webhook.lastupdated.timestamp()),
        "failures": 0,
        "disabledreason": "",
    }
    listed = admin_api.get("webhooks")
    assert body["secret"] not in listed.content.decode()
    assert body["secret"] not in admin_api.get(f"webhooks/{webhook.pk}", fmt="xml").content.decode()


def test_a_webhook_in_xml(admin_api):
    webhook = made()
    text = re.sub(r">\s+<", "><", admin_api.get("webhooks", fmt="xml").content.decode())
    assert (
        f"<rows><item><active>true</active><added>{int(webhook.added.timestamp())}</added>"
        "<description /><disabledreason /><events><item>invoice.issued</item></events>"
        f"<failures>0</failures><id>{webhook.pk}</id>" in text
    )
    assert f"<url>{URL}</url></item></rows><total>1</total>" in text
    created = admin_api.post("webhooks", {"url": URL, "events": "job.created"}, fmt="xml")
    assert created.status_code == 201 and b"<secret>whsec_" in created.content


def test_events_as_json_list_and_a_row_sent_back_as_read(admin_api):
    created = admin_api.post(
        "webhooks", {"url": URL, "events": ["job.created", "job.deleted"]}, as_json=True
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    row = admin_api.get(f"webhooks/{pk}").json()["rows"][0]
    for sent in (
        admin_api.patch(f"webhooks/{pk}", as_php_form(row)),
        admin_api.patch(f"webhooks/{pk}", row, as_json=True),
    ):
        assert sent.status_code == 200, sent.content
    assert admin_api.get(f"webhooks/{pk}").json()["rows"][0]["events"] == [
        "job.created",
        "job.deleted",
    ]


def test_update_and_delete(admin_api):
    webhook = made()
    response = admin_api.patch(
        f"webhooks/{webhook.pk}", {"active": "0", "events": "payment.created"}
    )
    assert response.json() == {"error": False, "id": webhook.pk}
    webhook.refresh_from_db()
    assert (webhook.active, webhook.events, webhook.url) == (False, ["payment.created"], URL)
    assert admin_api.delete(f"webhooks/{webhook.pk}").json() == {"error": False, "id": webhook.pk}
    assert not Webhook.objects.exists()


# --- lists ----------------------------------------------------------------------------


def test_filters_order_and_pages(admin_api):
    first = made("https://a.example.com/", ["invoice.issued", "invoice.paid"])
    second = made("https://b.example.com/", ["contact.created"], active=False)
    third = made("https://c.example.com/", ["invoice.paid"])

    def ids(**params):
        response = admin_api.get("webhooks", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["rows"]], response.json()["total"]

    assert ids() == ([first.pk, second.pk, third.pk], 3)
    assert ids(active="false") == ([second.pk], 1)
    assert ids(active="true") == ([first.pk, third.pk], 2)
    assert ids(event="invoice.paid") == ([first.pk, third.pk], 2)
    assert ids(order="url", orderasc="false") == ([third.pk, second.pk, first.pk], 3)
    assert ids(rows=1, start=1) == ([second.pk], 3)


@pytest.mark.parametrize(
    "params, sentence",
    [
        ({"event": "invoice.eaten"}, "event must be an event name such as invoice.issued"),
        ({"active": "maybe"}, "active"),
        ({"order": "secret"}, "order"),
    ],
)
def test_bad_list_parameters_are_400s(admin_api, params, sentence):
    made()
    [message] = refusal(admin_api.get("webhooks", params))
    assert sentence in message


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_stays_flat(admin_api, django_assert_max_num_queries, count):
    for index in range(count):
        made(f"https://hooks{index}.example.com/")
    # token, its last use, the page's ids, its rows, the count
    with django_assert_max_num_queries(5):
        body = admin_api.get("webhooks", {"rows": 100}).json()
    assert len(body["rows"]) == count == body["total"]


# --- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"events": "invoice.issued"}, ["url is required."]),
        ({"url": URL}, ["events is required."]),
        (
            {"url": "http://hooks.example.com/", "events": "invoice.issued"},
            [
                "url must start with https:// (plain http:// only reaches this machine, in "
                "development)."
            ],
        ),
        (
            {"url": "ftp://hooks.example.com/", "events": "invoice.issued"},
            ["url must be a web address such as https://example.com/hook."],
        ),
        (
            {"url": "https://10.1.2.3/", "events": "invoice.issued"},
            ["url must not point at a loopback, private or link-local address."],
        ),
        (
            {"url": "https://user:pw@hooks.example.com/", "events": "invoice.issued"},
            ["url must not hold a user name or password."],
        ),
        (
            {"url": URL, "events": "invoice.issued,invoice.eaten"},
            ["events names events Docket doesn't send: 'invoice.eaten' (see the list of events)."],
        ),
        ({"url": URL, "events": "invoice.issued", "colour": "red"}, None),
    ],
)
def test_refusals_name_their_field(admin_api, settings, fields, expected):
    settings.DOCKET_WEBHOOK_ALLOW_PRIVATE = False
    errors = refusal(admin_api.post("webhooks", fields))
    if expected is None:
        assert errors[0].startswith("colour is not a field Docket knows here")
    else:
        assert errors == expected
    assert not Webhook.objects.exists()


def test_http_to_this_machine_only_when_private_addresses_are_allowed(admin_api, settings):
    fields = {"url": "http://127.0.0.1:8001/hook", "events": "invoice.issued"}
    settings.DOCKET_WEBHOOK_ALLOW_PRIVATE = False
    assert refusal(admin_api.post("webhooks", fields))
    settings.DOCKET_WEBHOOK_ALLOW_PRIVATE = True
    assert admin_api.post("webhooks", fields).status_code == 201
    refused = admin_api.post("webhooks", {**fields, "url": "http://hooks.example.com/"})
    assert refused.status_code == 400


def test_unknown_webhooks_are_404s(admin_api):
    for response in (
        admin_api.get("webhooks/999"),
        admin_api.patch("webhooks/999", {"active": "0"}),
        admin_api.delete("webhooks/999"),
        admin_api.get("webhooks/999/deliveries"),
        admin_api.post("webhooks/999/deliveries/1/redeliver"),
    ):
        assert response.status_code == 404


# --- who may manage them --------------------------------------------------------------


def test_a_user_needs_full_access(member_api, restricted_to, bearer_for, collaborator_api):
    made()
    assert member_api.get("webhooks").status_code == 200
    # Settings alone is not enough: a webhook is sent changes from every area.
    settings_only = bearer_for(restricted_to("settings"))
    for response in (
        settings_only.get("webhooks"),
        settings_only.post("webhooks", {"url": URL, "events": "invoice.issued"}),
    ):
        assert response.status_code == 401
    assert "access to every area" in settings_only.get("webhooks").json()["msg"]
    assert bearer_for(restricted_to("contacts")).get("webhooks").status_code == 401
    assert collaborator_api.get("webhooks").status_code == 401


def test_a_credential_needs_settings_and_every_area(depot, outsider):
    made()
    assert depot.get("webhooks").status_code == 200
    every_read = [f"{area}:read" for area in webhooks.PERMISSION_AREAS]
    reader = credential_client(every_read)
    assert reader.get("webhooks").status_code == 200
    refused = reader.post("webhooks", {"url": URL, "events": "invoice.issued"})
    assert refused.status_code == 401
    assert refused.json()["msg"] == "These credentials do not have the settings:write scope."
    writer = credential_client([*every_read, "settings:write"])
    assert writer.post("webhooks", {"url": URL, "events": "invoice.issued"}).status_code == 201
    narrow = credential_client(["settings:write"])
    assert narrow.get("webhooks").status_code == 401
    assert outsider.get("webhooks").status_code == 403


# --- the delivery log -----------------------------------------------------------------


def delivery(webhook, state="failed", **fields) -> WebhookDelivery:
    event = WebhookEvent.objects.create(
        uid=webhooks.new_event_id(), event="invoice.issued", body="{}", dispatched=True
    )
    return WebhookDelivery.objects.create(webhook=webhook, event=event, state=state, **fields)


def test_the_delivery_log_and_redeliver(admin_api, django_capture_on_commit_callbacks, monkeypatch):
    webhook = made()
    failed = delivery(webhook, attempts=9, response_code=500, reason="The receiver answered 500.")
    delivered = delivery(webhook, state="succeeded", attempts=1, response_code=200, duration_ms=35)
    body = admin_api.get(f"webhooks/{webhook.pk}/deliveries").json()
    assert body["total"] == 2
    assert [row["id"] for row in body["rows"]] == [delivered.pk, failed.pk]
    row = body["rows"][1]
    assert row | {"created": 0, "lastattempt": None} == {
        "id": failed.pk,
        "event": failed.event.uid,
        "type": "invoice.issued",
        "state": "failed",
        "attempts": 9,
        "responsecode": 500,
        "durationms": None,
        "reason": "The receiver answered 500.",
        "created": 0,
        "lastattempt": None,
        "nextattempt": None,
    }
    assert [
        r["id"]
        for r in admin_api.get(f"webhooks/{webhook.pk}/deliveries", {"state": "failed"}).json()[
            "rows"
        ]
    ] == [failed.pk]
    assert refusal(admin_api.get(f"webhooks/{webhook.pk}/deliveries", {"state": "lost"}))
    posted = []
    monkeypatch.setattr(webhooks, "attempt", lambda pk, **kw: posted.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"webhooks/{webhook.pk}/deliveries/{failed.pk}/redeliver")
    assert response.status_code == 201
    again = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert (again.event, again.state, posted) == (failed.event, "queued", [again.pk])
    other = made("https://other.example.com/")
    assert (
        admin_api.post(f"webhooks/{other.pk}/deliveries/{failed.pk}/redeliver").status_code == 404
    )
