"""Jobs' rules: numbering within the project, the default order and deadline, each
refusal naming its field, moving to another project, deleting, and a project with
jobs refusing to be deleted."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from crm import services as crm_services
from crm.journal import resolve_item
from crm.models import Activity
from crm.tests.factories import ContactFactory
from projects import services
from projects.models import Job, Project
from projects.tests.factories import JobFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return UserFactory(email="pat@studio.test", name="Pat Producer")


@pytest.fixture
def project():
    return ProjectFactory(title="Website")


def new_job(author, in_project, **fields):
    return services.create_job(
        **{"title": "Design", "status": "O", "project": in_project.pk, "added_by": author, **fields}
    )


def refusal(work) -> dict:
    with pytest.raises(ValidationError) as caught:
        work()
    return caught.value.message_dict


def test_jobs_are_numbered_and_placed_last_within_their_project(author, project):
    other = ProjectFactory()
    first = new_job(author, project)
    second = new_job(author, project)
    elsewhere = new_job(author, other)
    assert [(job.number, job.order) for job in (first, second, elsewhere)] == [
        (1, 1),
        (2, 2),
        (1, 1),
    ]
    # The ids are the database's, across projects.
    assert len({first.pk, second.pk, elsewhere.pk}) == 3


def test_defaults_and_every_field(author, project):
    dee = UserFactory(email="dee@studio.test")
    person = ContactFactory()
    job = new_job(author, project)
    assert job.deadline == timezone.localdate() + timedelta(days=7)
    assert job.discount == 0 and job.brief == "" and not job.team.exists()
    job = new_job(
        author,
        project,
        title="  Build  ",
        status="f",
        brief=" The brief ",
        deadline=date(2030, 1, 2),
        order="7",
        discount="12.345",
        team=f"{dee.pk},PAT@studio.test",
        contacts=[person.pk],
    )
    job.refresh_from_db()
    assert (job.title, job.status, job.brief, job.order) == ("Build", "F", "The brief", 7)
    assert job.deadline == date(2030, 1, 2)
    assert job.discount == Decimal("12.35")  # half up, to two places
    assert set(job.team.all()) == {dee, author}
    assert list(job.contacts.all()) == [person]


def test_required_fields_are_named(author):
    errors = refusal(lambda: services.create_job())
    assert set(errors) == {"title", "status", "project", "addedby"}
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"project": 99999}, "project", "project: no project with the id 99999."),
        ({"project": "abc"}, "project", "project: no project with the id abc."),
        ({"status": "Z"}, "status", "status must be one of: O, H, P, C, F."),
        ({"team": "99999"}, "team", "team: no active user with the id or email 99999."),
        (
            {"team": "ghost@x.test"},
            "team",
            "team: no active user with the id or email ghost@x.test.",
        ),
        ({"contacts": [99999]}, "contacts", "contacts: no person with the id 99999."),
        ({"order": "-1"}, "order", "order must be a whole number from 0 to 2147483647."),
        ({"discount": "101"}, "discount", "discount must be a percentage from 0 to 100."),
        ({"title": "x" * 201}, "title", None),
    ],
)
def test_an_invalid_value_is_refused_naming_its_field(author, project, fields, field, message):
    errors = refusal(lambda: new_job(author, project, **fields))
    assert list(errors) == [field]
    if message is not None:
        assert errors[field] == [message]
    assert not Job.objects.exists()


def test_an_unknown_field_is_a_type_error(author, project):
    with pytest.raises(TypeError, match="JobFields"):
        new_job(author, project, colour="red")


def test_update_changes_only_what_is_sent(author, project):
    job = new_job(author, project, discount=10, team=[author.pk])
    services.update_job(job, title="Renamed", status="H")
    job.refresh_from_db()
    assert (job.title, job.status, job.discount, job.number) == ("Renamed", "H", 10, 1)
    assert job.team.count() == 1
    services.update_job(job, team=None)
    assert not job.team.exists()
    # A refused update keeps what was there.
    refusal(lambda: services.update_job(job, title="", status="X"))
    job.refresh_from_db()
    assert (job.title, job.status) == ("Renamed", "H")


def test_a_job_moved_to_another_project_is_numbered_and_placed_there(author, project):
    other = ProjectFactory()
    new_job(author, other)
    job = new_job(author, project)
    services.update_job(job, project=other.pk)
    job.refresh_from_db()
    assert (job.project, job.number, job.order) == (other, 2, 2)
    # Sent with its own project unchanged, it keeps its number and place.
    services.update_job(job, project=other, order=9)
    job.refresh_from_db()
    assert (job.number, job.order) == (2, 9)


def test_a_job_is_a_journal_item(author, project):
    job = new_job(author, project)
    assert resolve_item(f"J{job.pk}") == job


def test_deleting_a_job_takes_its_journal_and_links_with_it(author, project):
    job = new_job(author, project, team=[author.pk], contacts=[ContactFactory().pk])
    crm_services.create_activity(
        title="Kick-off", type="C", added_by=author, for_code=f"J{job.pk}", content=""
    )
    services.delete_job(job)
    assert not Job.objects.exists() and not Activity.objects.exists()
    assert not Job.team.through.objects.exists() and not Job.contacts.through.objects.exists()
    assert Project.objects.filter(pk=project.pk).exists()


def test_a_project_with_jobs_cannot_be_deleted(author, project):
    JobFactory(project=project)
    JobFactory(project=project)
    errors = refusal(lambda: services.delete_project(project))
    assert errors == {"__all__": ["Website can't be deleted while it has 2 jobs."]}
    assert Project.objects.filter(pk=project.pk).exists()
    for job in Job.objects.all():
        services.delete_job(job)
    services.delete_project(project)
    assert not Project.objects.exists()


def _job_order(project) -> list[int]:
    return list(project.jobs.order_by("order", "pk").values_list("pk", flat=True))


def test_reorder_jobs_puts_them_in_the_order_given(project):
    a, b, c = (JobFactory(project=project) for _ in range(3))
    services.reorder_jobs(project, [c.pk, a.pk, str(b.pk)])
    assert _job_order(project) == [c.pk, a.pk, b.pk]
    assert [job.order for job in project.jobs.order_by("order")] == [1, 2, 3]
    services.move_job(b, -1)
    assert _job_order(project) == [c.pk, b.pk, a.pk]
    services.move_job(c, -1)  # already first: stays
    assert _job_order(project) == [c.pk, b.pk, a.pk]
    services.move_job(a, 1)  # already last: stays
    assert _job_order(project) == [c.pk, b.pk, a.pk]


@pytest.mark.parametrize("shape", ["missing", "repeated", "foreign", "junk", "too_many"])
def test_reorder_jobs_refuses_a_list_that_is_not_the_projects_jobs(project, shape):
    a, b = JobFactory(project=project), JobFactory(project=project)
    ids = {
        "missing": [a.pk],
        "repeated": [a.pk, a.pk, b.pk],
        "foreign": [a.pk, b.pk, JobFactory().pk],
        "junk": [a.pk, "b"],
        "too_many": [a.pk, b.pk] * (services.REORDERED_MAX // 2 + 1),
    }[shape]
    with pytest.raises(ValidationError) as exc:
        services.reorder_jobs(project, ids)
    assert set(exc.value.error_dict) == {"jobs"}
    assert exc.value.error_dict["jobs"][0].code == ("too_many" if shape == "too_many" else "stale")
    assert _job_order(project) == [a.pk, b.pk]
