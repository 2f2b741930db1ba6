from datetime import datetime

from huey.contrib.djhuey import db_task

from . import emails


@db_task(retries=3, retry_delay=30)
def send_invitation(user_id: int, requested_at: str) -> None:
    emails.send_invitation(user_id, datetime.fromisoformat(requested_at))
