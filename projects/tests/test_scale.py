from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from crm.tests.factories import CompanyFactory
from projects import services
from projects.models import Job, JobItem, Project, TimeEntry

pytestmark = pytest.mark.django_db


def seed(**counts):
    # Invoices have their own test (billing/tests/test_scale.py).
    arguments = ["--companies", "5", "--contacts", "20", "--activities", "0", "--invoices", "0"]
    for kind, count in counts.items():
        arguments += [f"--{kind.replace('_', '-')}", str(count)]
    call_command("seed_scale", *arguments, stdout=StringIO())


def test_seeds_the_asked_numbers_of_projects_jobs_items_and_entries():
    seed(projects=4, jobs=12, items=36, time_entries=500)
    assert Project.objects.count() == 4
    assert Job.objects.count() == 12
    assert JobItem.objects.count() == 36
    assert TimeEntry.objects.count() == 500
    # Each entry's levels agree with its item, so the roll-ups add up.
    entry = TimeEntry.objects.select_related("item__job").order_by("pk").first()
    assert entry.job_id == entry.item.job_id
    assert entry.project_id == entry.item.job.project_id


def test_no_one_has_more_than_a_day_in_a_day():
    seed(projects=2, jobs=4, items=8, time_entries=3000)
    busiest = (
        TimeEntry.objects.values("user", "date")
        .annotate(total=Sum("hours"))
        .order_by("-total")
        .first()
    )
    assert busiest["total"] <= Decimal(24)


def test_projects_added_afterwards_take_the_next_number():
    seed(projects=3, jobs=3, items=3, time_entries=10)
    highest = Project.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert AccountSettings.load().nextproposalid == highest + 1
    company = CompanyFactory()
    project = services.create_project(
        title="After the seed", status="O", for_code=company.code, added_by=UserFactory()
    )
    assert project.pk == highest + 1


def test_if_empty_skips_projects_when_there_are_some():
    seed(projects=2, jobs=2, items=2, time_entries=4)
    call_command(
        "seed_scale",
        "--if-empty",
        "--projects",
        "5",
        "--companies",
        "1",
        "--invoices",
        "0",
        stdout=StringIO(),
    )
    assert Project.objects.count() == 2
