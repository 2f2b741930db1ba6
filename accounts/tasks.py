from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from config.api.uploads import delete_abandoned_chunks

from . import emails, services, webhooks


@db_task(retries=3, retry_delay=30)
def send_invitation(user_id: int, requested_at: str) -> None:
    emails.send_invitation(user_id, datetime.fromisoformat(requested_at))


@db_periodic_task(crontab(minute="17"))
def delete_abandoned_uploads() -> None:
    """Hourly: chunked uploads never finished would otherwise fill the disk."""
    delete_abandoned_chunks()


@db_periodic_task(crontab(hour="3", minute="23"))
def purge_old_notifications() -> None:
    """Daily: notifications are kept three months (the spec's promise), then go."""
    services.purge_old_notifications()


@db_task()
def dispatch_webhook_event(event_id: int) -> None:
    """An event's deliveries, made once (accounts.webhooks)."""
    webhooks.dispatch(event_id)


@db_task()
def deliver_webhook(delivery_id: int) -> None:
    """One delivery posted, if it is due and no other run has it; a failure schedules
    its own retry (accounts.webhooks.RETRY_DELAYS)."""
    webhooks.attempt(delivery_id)


@db_periodic_task(crontab(minute="*"))
def deliver_due_webhooks() -> None:
    """Every minute: webhook work whose task was lost (accounts.webhooks.deliver_due)."""
    webhooks.deliver_due()


@db_periodic_task(crontab(hour="3", minute="41"))
def purge_old_webhook_events() -> None:
    """Daily: webhook events and their deliveries' log are kept 30 days."""
    webhooks.purge_old_events()
