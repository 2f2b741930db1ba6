from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .throttle import delete_full_buckets


@db_periodic_task(crontab(minute="47"))
def delete_full_rate_limit_buckets() -> None:
    """Hourly: every email and address ever tried at sign-in leaves a bucket row,
    which would otherwise stay for good."""
    delete_full_buckets()
