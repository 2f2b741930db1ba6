"""A large data set for measuring: by default 10,000 companies, 100,000 people with
tags, 50,000 journal entries, (projects/scale.py) 2,000 projects, 20,000 jobs,
100,000 items and 500,000 time entries, and (billing/scale.py) 50,000 invoices of
ten lines with their payments, inserted in bulk. Later capabilities add their own
kinds as further seed_* functions."""

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from billing import scale as billing_scale
from billing.models import Invoice
from config.bulk import BATCH, ids_after, insert_in_batches, last_pk
from crm.demo import FIRST as DEMO_FIRST
from crm.demo import LAST as DEMO_LAST
from crm.models import Activity, Company, Contact, Tag, contact_search_keys
from projects import scale as project_scale
from projects.models import Project

# The demo's names plus more, so 100,000 people spread over many prefixes.
FIRST = [*DEMO_FIRST, "Ada", "Grace", "Alan", "Mary", "Peter", "Jane", "Oliver", "Amelia"]
LAST = [*DEMO_LAST, "Smith", "Jones", "Taylor", "Brown", "Davies", "Evans", "Wright", "Walker"]
WORDS = [
    "North",
    "South",
    "Harbour",
    "Linen",
    "Causeway",
    "Mourne",
    "Foyle",
    "Lagan",
    "Titanic",
    "Armagh",
    "Strangford",
    "Glens",
    "Copeland",
    "Sperrin",
    "Antrim",
    "Riverside",
    "Bridge",
    "Atlantic",
    "Granite",
    "Willow",
    "Oak",
    "Copper",
    "Silver",
    "Blue",
]
KINDS = [
    "Studio",
    "Brewery",
    "Labs",
    "Hotels",
    "Foods",
    "Digital",
    "Works",
    "Partners",
    "Trust",
    "Group",
    "Collective",
    "Press",
]
TAGS = [
    "retail",
    "charity",
    "saas",
    "startup",
    "priority",
    "brewery",
    "hospitality",
    "tourism",
    "arts",
    "education",
    "healthcare",
    "supplier",
    "public-sector",
    "food",
    "manufacturing",
    "decision-maker",
    "newsletter",
    "vip",
]


class Command(BaseCommand):
    help = "Generate a large data set quickly (bulk inserts) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--companies", type=int, default=10_000)
        parser.add_argument("--contacts", type=int, default=100_000)
        parser.add_argument("--activities", type=int, default=50_000)
        parser.add_argument("--projects", type=int, default=2_000)
        parser.add_argument("--jobs", type=int, default=20_000)
        parser.add_argument("--items", type=int, default=100_000)
        parser.add_argument("--time-entries", type=int, default=500_000)
        parser.add_argument("--invoices", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Skip each kind the database has already (people; projects and their work; "
            "invoices)",
        )

    def handle(
        self,
        *args,
        companies,
        contacts,
        activities,
        projects,
        jobs,
        items,
        time_entries,
        invoices,
        seed,
        if_empty=False,
        **options,
    ):
        rng = random.Random(seed)
        started = time.perf_counter()
        if if_empty and Contact.objects.exists():
            self.stdout.write("Skipped people: the database has people already.")
        else:
            with transaction.atomic():
                tags = self.seed_tags()
                company_ids = self.timed("companies", lambda: seed_companies(rng, companies, tags))
                contact_ids = self.timed(
                    "people", lambda: seed_contacts(rng, contacts, company_ids, tags)
                )
                self.timed(
                    "journal entries",
                    lambda: seed_activities(rng, activities, company_ids, contact_ids),
                )
        if if_empty and Project.objects.exists():
            self.stdout.write("Skipped projects: the database has projects already.")
        elif projects:
            self.seed_work(rng, projects, jobs, items, time_entries)
        if if_empty and Invoice.objects.exists():
            self.stdout.write("Skipped invoices: the database has invoices already.")
        elif invoices:
            self.seed_invoices(rng, invoices)
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - started:.1f} s."))

    @transaction.atomic
    def seed_work(self, rng, projects: int, jobs: int, items: int, time_entries: int) -> None:
        company_ids = list(Company.objects.values_list("pk", flat=True))
        if not company_ids:
            company_ids = seed_companies(rng, 100, self.seed_tags())
        users = project_scale.scale_team(time_entries)
        project_ids = self.timed(
            "projects", lambda: project_scale.seed_projects(rng, projects, company_ids, users)
        )
        job_ids = self.timed("jobs", lambda: project_scale.seed_jobs(rng, jobs, project_ids, users))
        self.timed("job items", lambda: project_scale.seed_items(rng, items, job_ids, users))
        self.timed("time entries", lambda: project_scale.seed_time(rng, time_entries, users))

    @transaction.atomic
    def seed_invoices(self, rng, invoices: int) -> None:
        company_ids = list(Company.objects.values_list("pk", flat=True))
        if not company_ids:
            company_ids = seed_companies(rng, 100, self.seed_tags())
        users = _active_users()
        self.timed(
            "invoices",
            lambda: billing_scale.seed_invoices(rng, invoices, company_ids, users),
        )

    def seed_tags(self) -> list[Tag]:
        for name in TAGS:
            Tag.objects.get_or_create(name=name)
        return list(Tag.objects.filter(name__in=TAGS))

    def timed(self, label, work):
        started = time.perf_counter()
        ids = work()
        self.stdout.write(f"{len(ids):>9,} {label} in {time.perf_counter() - started:.1f} s")
        return ids


def _tag_rows(through, owner_field: str, ids: list[int], tags: list[Tag], rng) -> None:
    rows = [
        through(**{f"{owner_field}_id": owner_id, "tag_id": tag.pk})
        for owner_id in ids
        if rng.random() < 0.4
        for tag in rng.sample(tags, rng.randint(1, 3))
    ]
    for start in range(0, len(rows), BATCH):
        through.objects.bulk_create(rows[start : start + BATCH], ignore_conflicts=True)


def seed_companies(rng, count: int, tags: list[Tag]) -> list[int]:
    before = last_pk(Company)
    objects = []
    for index in range(count):
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {index}"
        objects.append(
            Company(
                name=name,
                search_name=name.lower(),
                website=f"https://company{index}.test",
                telephone=f"028 9{rng.randint(1000000, 9999999)}",
                city=rng.choice(["Belfast", "Derry", "Newry", "Lisburn", "Bangor", "Armagh"]),
                country="United Kingdom",
                is_supplier=rng.random() < 0.1,
            )
        )
    insert_in_batches(Company, objects)
    ids = ids_after(Company, before)
    _tag_rows(Company.tags.through, "company", ids, tags, rng)
    return ids


def seed_contacts(rng, count: int, company_ids: list[int], tags: list[Tag]) -> list[int]:
    before = last_pk(Contact)
    objects = []
    for index in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        fullname = f"{first} {last}"
        search_name, search_last = contact_search_keys(fullname, "", last)
        objects.append(
            Contact(
                firstname=first,
                lastname=last,
                fullname=fullname,
                search_name=search_name,
                search_last=search_last,
                email=f"{first}.{last}.{index}@client.test".lower(),
                telephone=f"07{rng.randint(700000000, 799999999)}",
                company_id=rng.choice(company_ids) if company_ids and rng.random() < 0.9 else None,
                position=rng.choice(["Director", "Manager", "Designer", "Buyer", ""]),
            )
        )
    insert_in_batches(Contact, objects)
    ids = ids_after(Contact, before)
    _tag_rows(Contact.tags.through, "contact", ids, tags, rng)
    return ids


def _active_users() -> list[int]:
    """Who adds the rows: the active users, or one made for the purpose."""
    users = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    if not users:
        users = [User.objects.create_user("scale@docket.test", None, name="Scale Seeder").pk]
    return users


def seed_activities(rng, count: int, company_ids: list[int], contact_ids: list[int]) -> list[int]:
    users = _active_users()
    before = last_pk(Activity)
    now = timezone.now()
    objects = []
    for index in range(count):
        about_company = rng.random() < 0.4 or not contact_ids
        objects.append(
            Activity(
                title=f"Call {index}",
                type="C",
                subtype=rng.choice(["", "email", "callin", "callout"]),
                for_type="C" if about_company else "I",
                for_id=rng.choice(company_ids if about_company else contact_ids),
                added_by_id=rng.choice(users),
                date=now - timedelta(minutes=rng.randint(0, 60 * 24 * 365)),
                content="Discussed the next phase of work.",
            )
        )
    insert_in_batches(Activity, objects)
    return ids_after(Activity, before)
