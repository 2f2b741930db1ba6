from huey.contrib.djhuey import db_task

from . import importing


@db_task()
def import_connections(job_id: int) -> None:
    """A confirmed CSV import, away from the request that confirmed it."""
    importing.run_import_job(job_id)
