from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .idempotency import delete_expired_keys
from .throttle import delete_full_buckets


@db_periodic_task(crontab(minute="47"))
def delete_full_rate_limit_buckets() -> None:
    """Hourly: every email and address ever tried at sign-in leaves a bucket row,
    which would otherwise stay for good."""
    delete_full_buckets()


@db_periodic_task(crontab(minute="53"))
def delete_expired_idempotency_keys() -> None:
    """Hourly: an Idempotency-Key's answer is kept 24 hours, then its row goes."""
    delete_expired_keys()
