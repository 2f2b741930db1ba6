from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from config.api.uploads import delete_abandoned_chunks

from . import emails, services


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
