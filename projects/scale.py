"""Projects, jobs, items and time at scale for `manage.py seed_scale`: by default
2,000 projects, 20,000 jobs, 100,000 items and 500,000 time entries, inserted in
bulk. Project numbers come after the account's counter, which is moved past them,
so projects added later through the services don't collide."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import AccountSettings, User
from config.bulk import ids_after, insert_in_batches, last_pk

from .models import ActivityType, Job, JobItem, Project, TimeEntry
from .queries import forget_project_hours

PROJECT_WORDS = ["Website", "Campaign", "Brand", "Report", "App", "Catalogue", "Launch", "Film"]
JOB_TITLES = ["Discovery", "Design", "Production", "Delivery", "Support", "Content"]
ITEM_TITLES = ["Research", "Wireframes", "Visual design", "Build", "Testing", "Copy", "Print"]
STATUSES = ["O"] * 6 + ["P", "H", "F", "C"]
# A person logs up to six entries a working day, each a quarter hour to two hours,
# so no day passes twelve hours.
ENTRIES_A_DAY = 6
QUARTERS = [Decimal(quarters) / 4 for quarters in range(1, 9)]
WEEKS = 104


def working_days(weeks: int = WEEKS) -> list:
    today = timezone.localdate()
    days = [today - timedelta(days=offset) for offset in range(weeks * 7)]
    return [day for day in days if day.weekday() < 5]


def scale_team(time_entries: int) -> list[int]:
    """The people who log the time: the active users, topped up so that the
    entries fit in two years of their working days."""
    users = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    needed = max(20, -(-time_entries // (ENTRIES_A_DAY * len(working_days()))))
    for index in range(len(users), needed):
        users.append(
            User.objects.create_user(
                f"scale{index}@docket.test", None, name=f"Scale Person {index}"
            ).pk
        )
    return users


def seed_projects(rng, count: int, company_ids: list[int], users: list[int]) -> list[int]:
    account = AccountSettings.load()
    first = max(account.nextproposalid, last_pk(Project) + 1)
    today = timezone.localdate()
    objects = [
        Project(
            id=first + index,
            title=f"{rng.choice(PROJECT_WORDS)} {first + index}",
            status=rng.choice(STATUSES),
            client_company_id=rng.choice(company_ids),
            brief="Scope, budget and dates agreed with the client.",
            deadline=today + timedelta(days=rng.randint(-120, 120)),
            added_by_id=rng.choice(users),
        )
        for index in range(count)
    ]
    insert_in_batches(Project, objects)
    account.nextproposalid = first + count
    account.save(update_fields=["nextproposalid"])
    ids = [project.id for project in objects]
    team = Project.team.through
    insert_in_batches(
        team,
        [
            team(project_id=pk, user_id=user)
            for pk in ids
            for user in rng.sample(users, k=min(3, len(users)))
        ],
    )
    return ids


def seed_jobs(rng, count: int, project_ids: list[int], users: list[int]) -> list[int]:
    before = last_pk(Job)
    per_project = max(1, count // max(1, len(project_ids)))
    today = timezone.localdate()
    objects = []
    for project_id in project_ids:
        for number in range(1, per_project + 1):
            if len(objects) == count:
                break
            objects.append(
                Job(
                    title=rng.choice(JOB_TITLES),
                    status=rng.choice(STATUSES),
                    project_id=project_id,
                    number=number,
                    order=number,
                    deadline=today + timedelta(days=rng.randint(-90, 90)),
                    added_by_id=rng.choice(users),
                )
            )
    insert_in_batches(Job, objects)
    return ids_after(Job, before)


def seed_items(rng, count: int, job_ids: list[int], users: list[int]) -> list[int]:
    before = last_pk(JobItem)
    per_job = max(1, count // max(1, len(job_ids)))
    objects = []
    for job_id in job_ids:
        for order in range(1, per_job + 1):
            if len(objects) == count:
                break
            objects.append(
                JobItem(
                    title=rng.choice(ITEM_TITLES),
                    status=rng.choice(STATUSES),
                    type="hourly",
                    job_id=job_id,
                    hours=Decimal(rng.randint(2, 40)),
                    rate=Decimal(rng.choice([55, 85, 110, 150])),
                    order=order,
                    added_by_id=rng.choice(users),
                )
            )
    insert_in_batches(JobItem, objects)
    return ids_after(JobItem, before)


def seed_time(rng, count: int, users: list[int]) -> list[int]:
    """Entries on the items over the last two years' working days, newest first,
    at most ENTRIES_A_DAY a person a day."""
    before = last_pk(TimeEntry)
    items = list(JobItem.objects.values_list("pk", "job_id", "job__project_id"))
    activity_types = list(ActivityType.objects.values_list("pk", flat=True)) or [None]
    days = working_days()
    now = timezone.now()
    objects = []
    for index in range(count):
        item_id, job_id, project_id = rng.choice(items)
        hours = rng.choice(QUARTERS)
        person_day = index // ENTRIES_A_DAY
        objects.append(
            TimeEntry(
                date=days[person_day % len(days)],
                hours=hours,
                hours_entered=hours,
                user_id=users[(person_day // len(days)) % len(users)],
                project_id=project_id,
                job_id=job_id,
                item_id=item_id,
                activity_type_id=rng.choice(activity_types),
                notes="" if rng.random() < 0.7 else "Worked through the client's comments.",
                added=now,
            )
        )
    insert_in_batches(TimeEntry, objects)
    # Bulk inserts send no signals: what the dashboard remembers of the hours is stale.
    forget_project_hours()
    return ids_after(TimeEntry, before)
