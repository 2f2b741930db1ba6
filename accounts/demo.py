"""Demo private tasks and notifications for `manage.py seed_demo`: each of the team
has a few tasks today, one ticked off yesterday and one tomorrow, and a few
notifications, some read, so the header's badge and My day show something."""

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


def load_demo_notes(users, *, links: list[tuple[str, str]]) -> None:
    """`links`: (title, Depot link) of things the team was added to, such as the demo
    projects ("Website redesign", "projects/1001")."""
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
    if not users:
        return
    # The first of the team is the one the demo signs in as: someone else adds them.
    lead = users[-1]
    for index, (title, link) in enumerate(links):
        notification = services.notify(
            "teamadd",
            title=f"{lead.name} added you to {title}",
            users=users,
            link=link,
            content=f"You are on the team for {title} now.",
            actor=lead,
        )
        # The others have read the older ones; the newest are new to everyone.
        if notification is not None and index < len(links) - 2:
            for user in users[1:-1]:
                services.mark_notification_read(notification, user)
