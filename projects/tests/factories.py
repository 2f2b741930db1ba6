"""One factory per projects model. Factories write rows directly, as fixtures do;
tests about the rules go through projects.services."""

from decimal import Decimal

import factory
from django.db.models import Max
from django.utils import timezone

from accounts.tests.factories import UserFactory
from crm.tests.factories import CompanyFactory
from projects.models import ActivityType, Job, JobAction, JobItem, Project, TimeEntry


class ActivityTypeFactory(factory.django.DjangoModelFactory):
    """A kind of work. Its id is given here, as the model has no sequence; the
    service hands out the next free one past it (projects.services)."""

    class Meta:
        model = ActivityType

    id = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Work {n}")


def _next_project_id() -> int:
    # Past every project there is, as the service's counter also reads it.
    return (Project.objects.aggregate(highest=Max("id"))["highest"] or 0) + 1


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project for a new company, added by a new user. ProjectFactory(team=[user],
    contacts=[person]) links those."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    id = factory.LazyFunction(_next_project_id)
    title = factory.Sequence(lambda n: f"Project {n:03d}")
    status = Project.Status.OPEN
    client_company = factory.SubFactory(CompanyFactory)
    added_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def team(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.team.set(extracted)

    @factory.post_generation
    def contacts(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.contacts.set(extracted)


def _next_job_number(project: Project) -> int:
    # Past every job of the project, as the service also numbers them.
    return (project.jobs.aggregate(highest=Max("number"))["highest"] or 0) + 1


class JobFactory(factory.django.DjangoModelFactory):
    """A job in a new project, added by a new user, numbered and placed last in its
    project. JobFactory(team=[user], contacts=[person]) links those."""

    class Meta:
        model = Job
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Job {n:03d}")
    status = Job.Status.OPEN
    project = factory.SubFactory(ProjectFactory)
    number = factory.LazyAttribute(lambda job: _next_job_number(job.project))
    order = factory.LazyAttribute(lambda job: job.number)
    added_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def team(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.team.set(extracted)

    @factory.post_generation
    def contacts(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.contacts.set(extracted)


class JobItemFactory(factory.django.DjangoModelFactory):
    """An hourly item in a new job, added by a new user, placed last in its job.
    JobItemFactory(team=[user]) links those."""

    class Meta:
        model = JobItem
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Item {n:03d}")
    status = JobItem.Status.OPEN
    type = JobItem.Type.HOURLY
    job = factory.SubFactory(JobFactory)
    hours = 10
    rate = 50
    order = factory.LazyAttribute(
        lambda item: (item.job.items.aggregate(highest=Max("order"))["highest"] or 0) + 1
    )
    added_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def team(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.team.set(extracted)


class JobActionFactory(factory.django.DjangoModelFactory):
    """An unfinished action on a new item, added by a new user, assigned to nobody."""

    class Meta:
        model = JobAction

    title = factory.Sequence(lambda n: f"Action {n:03d}")
    status = JobAction.Status.UNFINISHED
    item = factory.SubFactory(JobItemFactory)
    added_by = factory.SubFactory(UserFactory)


class TimeEntryFactory(factory.django.DjangoModelFactory):
    """Hours a new user logged today on an item (or pass job=/project= alone), with
    every level above the target filled in as the service stores them."""

    class Meta:
        model = TimeEntry

    item = factory.SubFactory(JobItemFactory)
    job = factory.LazyAttribute(lambda entry: entry.item.job if entry.item else None)
    project = factory.LazyAttribute(lambda entry: entry.job.project)
    date = factory.LazyFunction(timezone.localdate)
    hours = Decimal("1.50")
    hours_entered = factory.LazyAttribute(lambda entry: entry.hours)
    user = factory.SubFactory(UserFactory)
