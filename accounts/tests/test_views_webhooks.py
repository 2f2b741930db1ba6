"""Settings → Webhooks: who may open it, adding one (its secret shown once), refusals on
the form, the delivery log with Redeliver, deleting."""

import pytest
from django.urls import reverse

from accounts import webhooks
from accounts.models import Notification, Webhook, WebhookDelivery, WebhookEvent
from accounts.services import notify
from conftest import signed_in_client

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/docket"


@pytest.fixture(autouse=True)
def _fresh_wanted_events():
    webhooks.forget_wanted_events()
    yield
    webhooks.forget_wanted_events()


def test_the_pages_need_full_access(client, restricted_to, member_client):
    listing = reverse("settings:webhooks")
    assert client.get(listing).status_code == 302  # signed out: to the sign-in page
    settings_only = signed_in_client(restricted_to("settings"))
    assert settings_only.get(listing).status_code == 403
    webhook = webhooks.create_webhook(url=URL, events=["invoice.issued"])[0]
    assert settings_only.get(reverse("settings:webhook", args=[webhook.pk])).status_code == 403
    assert (
        settings_only.post(reverse("settings:webhook-delete", args=[webhook.pk])).status_code == 403
    )
    assert Webhook.objects.exists()
    assert member_client.get(listing).status_code == 200


def test_add_shows_the_secret_once(staff_client, admin_user):
    response = staff_client.post(
        reverse("settings:webhooks"),
        {"url": URL, "description": "Books", "active": "on", "events": ["invoice.paid"]},
    )
    webhook = Webhook.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:webhook", args=[webhook.pk])
    assert (webhook.events, webhook.active, webhook.created_by) == (
        ["invoice.paid"],
        True,
        admin_user,
    )
    page = staff_client.get(response["Location"])
    assert webhook.secret in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    again = staff_client.get(response["Location"])
    assert webhook.secret not in again.content.decode()
    listing = staff_client.get(reverse("settings:webhooks")).content.decode()
    assert URL in listing and webhook.secret not in listing


def test_refusals_show_on_the_form(staff_client, settings):
    settings.DOCKET_WEBHOOK_ALLOW_PRIVATE = False
    response = staff_client.post(
        reverse("settings:webhooks"), {"url": "http://hooks.example.com/", "events": []}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "URL must start with https://" in text
    assert "Choose at least one event." in text
    assert not Webhook.objects.exists()


def test_edit_switch_off_and_delete(staff_client):
    webhook = webhooks.create_webhook(url=URL, events=["invoice.issued"])[0]
    page = reverse("settings:webhook", args=[webhook.pk])
    response = staff_client.post(
        page, {"url": URL, "events": ["invoice.issued", "contact.created"]}
    )
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert (webhook.active, webhook.events) == (False, ["contact.created", "invoice.issued"])
    response = staff_client.post(reverse("settings:webhook-delete", args=[webhook.pk]))
    assert response["Location"] == reverse("settings:webhooks")
    assert not Webhook.objects.exists()


def delivery(webhook, **fields):
    event = WebhookEvent.objects.create(
        uid=webhooks.new_event_id(), event="invoice.issued", body="{}", dispatched=True
    )
    return WebhookDelivery.objects.create(webhook=webhook, event=event, **fields)


@pytest.mark.parametrize("count", [1, 50])
def test_the_delivery_log(staff_client, django_assert_max_num_queries, count):
    webhook = webhooks.create_webhook(url=URL, events=["invoice.issued"])[0]
    for _ in range(count - 1):
        delivery(webhook, state="succeeded", attempts=1, response_code=200, duration_ms=12)
    failed = delivery(
        webhook, state="failed", attempts=9, response_code=500, reason="The receiver answered 500."
    )
    page = reverse("settings:webhook", args=[webhook.pk])
    # session, user, webhook, deliveries with their events, the messages
    with django_assert_max_num_queries(8):
        text = staff_client.get(page).content.decode()
    assert text.count("Redeliver</button>") == count
    assert failed.event.uid in text and "The receiver answered 500." in text
    # Polled by htmx only while something is on its way.
    assert 'hx-trigger="every 3s"' not in text
    partial = staff_client.get(page, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section class="card" id="webhook-deliveries"')


def test_redeliver(staff_client, django_capture_on_commit_callbacks, monkeypatch):
    webhook = webhooks.create_webhook(url=URL, events=["invoice.issued"])[0]
    failed = delivery(webhook, state="failed", attempts=9)
    posted = []
    monkeypatch.setattr(webhooks, "attempt", lambda pk, **kw: posted.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("settings:webhook-redeliver", args=[webhook.pk, failed.pk])
        )
    assert response.status_code == 302
    again = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert (again.event, again.state, posted) == (failed.event, "queued", [again.pk])
    page = staff_client.get(reverse("settings:webhook", args=[webhook.pk])).content.decode()
    assert 'hx-trigger="every 3s"' in page  # the new delivery is on its way
    other = webhooks.create_webhook(url=URL, events=["invoice.issued"])[0]
    wrong = reverse("settings:webhook-redeliver", args=[other.pk, failed.pk])
    assert staff_client.post(wrong).status_code == 404


def test_the_switched_off_notification_leads_to_the_webhook(staff_client, admin_user):
    webhook = webhooks.create_webhook(url=URL, events=["invoice.issued"])[0]
    note = notify(
        Notification.Type.WEBHOOK_DISABLED,
        title="Webhook switched off",
        users=[admin_user],
        link=f"webhook/{webhook.pk}",
    )
    response = staff_client.get(reverse("notes:notification_open", args=[note.pk]))
    assert response["Location"] == reverse("settings:webhook", args=[webhook.pk])
