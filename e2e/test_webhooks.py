import json

from playwright.sync_api import expect

from accounts import webhooks
from accounts.models import Webhook
from accounts.tests.test_webhooks import Receiver, verified
from crm import services as crm_services


def test_add_a_webhook_and_watch_its_deliveries(
    signed_in, live_server, shot, console_errors, settings
):
    settings.DOCKET_WEBHOOK_ALLOW_PRIVATE = True
    webhooks.forget_wanted_events()
    receiver = Receiver()
    receiver.thread.start()
    try:
        page = signed_in
        page.goto(f"{live_server.url}/settings/")
        page.get_by_role("link", name="Webhooks").click()
        expect(page.locator("#webhooks-table")).to_contain_text("No webhooks yet.")
        # Nothing chosen: the refusal shows on the form.
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_role("button", name="Add webhook").click()
        expect(page.locator(".webhook-events .field-error")).to_have_text(
            "Choose at least one event."
        )
        page.get_by_label("Description").fill("Accounts sync")
        page.get_by_label("contact.created").check()
        page.get_by_label("invoice.issued").check()
        shot("settings-webhook-add")
        page.get_by_role("button", name="Add webhook").click()
        secret_box = page.locator("#new-secret")
        expect(secret_box).to_contain_text("whsec_")
        secret = secret_box.inner_text()
        shot("settings-webhook-secret")

        webhooks.forget_wanted_events()
        crm_services.create_contact(firstname="Ada", lastname="Lovelace")
        assert len(receiver.requests) == 1
        assert verified(receiver.requests[0], secret)
        assert json.loads(receiver.requests[0]["body"])["data"]["firstname"] == "Ada"

        page.reload()
        expect(page.locator("#new-secret")).to_have_count(0)
        log = page.locator("#deliveries-table")
        expect(log).to_contain_text("contact.created")
        expect(log).to_contain_text("Delivered")
        shot("settings-webhook-deliveries")
        page.get_by_role("button", name="Redeliver contact.created").click()
        expect(page.locator("#deliveries-table tbody tr")).to_have_count(2)
        assert len(receiver.requests) == 2
        assert Webhook.objects.get().events == ["contact.created", "invoice.issued"]
        assert console_errors == []
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        webhooks.forget_wanted_events()
