"""Demo private tasks for `manage.py seed_demo`: each of the team has a few tasks
today, one ticked off yesterday and one tomorrow, so My day shows something. (The
demo's notifications come from the projects services, as the team is added.)"""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import PrivateTask

TASKS_TODAY = [
    "Reply to the printer about paper stock",
    "Book the meeting room for Thursday",
    "Check the timesheet before Friday",
]
TASK_YESTERDAY = "Send the week's notes to the team"
TASK_TOMORROW = "Call the client back about the brief"


def load_demo_notes(users) -> None:
    if PrivateTask.objects.exists():
        return
    today = timezone.localdate()
    for user in users:
        for text in TASKS_TODAY:
            services.create_private_task(user=user, date=today, text=text)
        done = services.create_private_task(
            user=user, date=today - timedelta(days=1), text=TASK_YESTERDAY
        )
        services.update_private_task(done, done=True)
        services.create_private_task(user=user, date=today + timedelta(days=1), text=TASK_TOMORROW)
