"""Demo projects for `manage.py seed_demo`, for the demo's clients and team."""

import random
from datetime import timedelta

from django.utils import timezone

from crm.models import Company, Contact

from . import services, timesheet
from .models import ActivityType, Job, JobItem

# Each project's work, in the order it is done.
JOBS = ["Discovery", "Design", "Production", "Delivery"]

# Each job's items: (title, type, hours or quantity or cost, rate or price or markup %).
ITEMS = {
    "Discovery": [("Kick-off workshop", "hourly", 6, 110), ("Research", "hourly", 10, 85)],
    "Design": [
        ("Concepts", "hourly", 12, 110),
        ("Design development", "hourly", 16, 85),
        ("Stock imagery", "external", 240, 15),
    ],
    "Production": [
        ("Build", "hourly", 30, 85),
        ("Copywriting", "hourly", 8, 85),
        ("Print run", "fixed", 1, 2400),
    ],
    "Delivery": [("Testing", "hourly", 6, 55), ("Launch support", "hourly", 4, 85)],
}
ACTIONS = [
    "Send the first drafts",
    "Book the client review",
    "Chase the copy",
    "Check the proofs",
    "Update the schedule",
]

PROJECTS = [
    ("Website redesign", "O", "A new site on the new brand, five templates.", 0),
    ("Spring campaign", "O", "Posters, social and a landing page for the spring range.", 5),
    ("Annual report 2026", "P", "Design and print of the annual report.", 0),
    ("Brand guidelines", "H", "Waiting for the client's board to sign the logo off.", 0),
    ("Product photography", "F", "Forty products on white, twelve in use.", 10),
    ("Intranet prototype", "C", "Cancelled after the merger.", 0),
]


def load_demo_projects(users) -> None:
    """A handful of projects in every status, for companies and one person, each
    with a few jobs, the same every time."""
    rng = random.Random(11)
    today = timezone.localdate()
    companies = list(Company.objects.filter(is_customer=True).order_by("pk")[:5])
    person = Contact.objects.filter(company__isnull=True).order_by("pk").first()
    clients = [company.code for company in companies] + ([person.code] if person else [])
    for index, (title, status, brief, discount) in enumerate(PROJECTS):
        client = clients[index % len(clients)]
        project = services.create_project(
            title=title,
            status=status,
            for_code=client,
            brief=brief,
            expanded=[{"title": "Deliverables", "content": brief}],
            deadline=today + timedelta(days=rng.randint(-30, 60)),
            discount=discount,
            team=[user.pk for user in rng.sample(users, k=min(2, len(users)))],
            contacts=[
                contact.pk
                for contact in Contact.objects.filter(company__in=companies[index : index + 1])[:2]
            ],
            added_by=users[0],
        )
        # A finished or cancelled project's jobs are all done with; the others'
        # are under way: the earlier ones finished, the later ones still open.
        settled = status in ("F", "C")
        for step, job_title in enumerate(JOBS[: rng.randint(2, len(JOBS))]):
            job = services.create_job(
                title=job_title,
                status=status if settled else ("F" if step == 0 else "O"),
                project=project,
                brief=f"{job_title} for {title.lower()}.",
                deadline=project.deadline - timedelta(days=7 * (len(JOBS) - step)),
                team=[user.pk for user in project.team.all()],
                added_by=users[0],
            )
            load_demo_items(job, users, rng)


def load_demo_items(job: Job, users, rng) -> None:
    """The job's items, and on an open job's hourly items an action each for one of
    the team: some overdue, some due today, some ahead, so My actions has all three."""
    today = timezone.localdate()
    for title, kind, hours, rate in ITEMS[job.title]:
        item = services.create_job_item(
            title=title,
            type=kind,
            status=job.status,
            job=job,
            hours=hours,
            rate=rate,
            team=[user.pk for user in job.team.all()],
            deadline=job.deadline,
            added_by=users[0],
        )
        if job.status != "O" or kind != "hourly":
            continue
        services.create_job_action(
            title=rng.choice(ACTIONS),
            item=item,
            assigned_to=rng.choice(users),
            deadline=today + timedelta(days=rng.randint(-3, 6)),
            added_by=users[-1],
        )


def load_demo_time(users, *, weeks: int = 3) -> None:
    """A few weeks of weekday time for every demo person on the open jobs' hourly
    items (through the timesheet service, so rounding and the day's limit apply), the
    same every time."""
    rng = random.Random(17)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    kinds = list(ActivityType.objects.order_by("pk"))
    open_items = list(
        JobItem.objects.filter(status="O", type="hourly", job__project__status="O").order_by("pk")
    )
    if not open_items:
        return
    for user in users:
        for week in range(weeks, 0, -1):
            for weekday in range(5):
                day = monday - timedelta(days=7 * week) + timedelta(days=weekday)
                for item in rng.sample(open_items, k=min(len(open_items), rng.randint(1, 3))):
                    timesheet.log_time(
                        user=user,
                        date=day,
                        hours=rng.choice(["0.5", "1", "1.5", "2", "2.5", "3"]),
                        target=f"{JobItem.CODE}{item.pk}",
                        notes=rng.choice(["", "", "Review with the client", "First drafts"]),
                        activity_type=rng.choice(kinds) if kinds else None,
                    )
